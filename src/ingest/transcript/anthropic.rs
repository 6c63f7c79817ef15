//! Anthropic Messages transcripts: a request body (`{model, system, messages}`), a JSON array of
//! messages, a single response message, or JSON Lines of messages (or of request bodies).
//!
//! Owns the mapping of Messages content to [`Turn`]s: `tool_use` blocks `{id, name, input}` in
//! assistant content are the batch; `tool_result` blocks `{tool_use_id, content (string or
//! blocks), is_error}` in user content answer them. Span building is shared (`transcript.rs`).

use serde_json::value::RawValue;
use serde_json::Value;

use super::super::synth::{Message, Part};
use super::super::{Format, OnInvalid, ReadError, ReadStats, Sink};
use super::{content_parts, str_field, Bad, Conversation, Dialect, Doc, Item, Report, Turn};

pub(crate) const DIALECT: Dialect = Dialect {
    format: Format::Anthropic,
    envelope,
    turns,
};

/// Block types only Anthropic content uses.
const ANTHROPIC_BLOCKS: &[&str] = &[
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
    "server_tool_use",
    "web_search_tool_result",
];

/// Reads an Anthropic Messages transcript.
pub fn read(
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    super::read(&DIALECT, file, bytes, on_invalid, sink)
}

/// True when `value` (a document or one JSON line) holds Anthropic-only content blocks, is a
/// response message (`type:"message"` with text/tool_use blocks), or a request with `system`.
pub fn sniff(value: &Value) -> bool {
    let blocks_of = |m: &Value| {
        m.get("content")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let block_type = |b: &Value| str_field(b, "type").map(str::to_owned).unwrap_or_default();
    if str_field(value, "type") == Some("message") && value.get("role").is_some() {
        return blocks_of(value).iter().all(|b| {
            matches!(
                block_type(b).as_str(),
                "text" | "tool_use" | "thinking" | "redacted_thinking" | "server_tool_use"
            )
        });
    }
    let sample = super::sniff::sample(value, &["messages"]);
    if sample.is_empty()
        || !sample
            .iter()
            .all(|m| str_field(m, "role").is_some() && m.get("type").is_none())
    {
        return false;
    }
    let has_system = value.get("messages").is_some() && value.get("system").is_some();
    has_system
        || sample.iter().any(|m| {
            blocks_of(m)
                .iter()
                .any(|b| ANTHROPIC_BLOCKS.contains(&block_type(b).as_str()))
        })
}

fn envelope<'a>(doc: &Doc<'a>) -> Option<Vec<Item<'a>>> {
    doc.value.get("messages").filter(|m| m.is_array())?;
    doc.array_items("messages")
}

fn turns(conv: &Conversation<'_>, bad: &mut Report<'_>) -> Result<Vec<Turn>, ReadError> {
    let mut turns = Vec::new();
    if let Some(system) = conv.envelope.as_ref().and_then(|e| e.get("system")) {
        turns.push(Turn::Input(Message::new("system", content_parts(system))));
    }
    let mut ids = super::references::CallIds::default();
    for item in &conv.items {
        let from = turns.len();
        if let Err(problem) =
            item_turns(item, &mut turns).and_then(|()| ids.vet(item, &mut turns, from))
        {
            bad(problem)?;
        }
    }
    Ok(turns)
}

fn item_turns(item: &Item<'_>, turns: &mut Vec<Turn>) -> Result<(), Bad> {
    let message = &item.value;
    if !message.is_object() {
        return Err(Bad::new(item, "", "a message must be a JSON object"));
    }
    let Some(role) = str_field(message, "role") else {
        return Err(Bad::new(item, "role", "message has no string 'role'"));
    };
    let content = message.get("content").unwrap_or(&Value::Null);
    let Some(blocks) = content.as_array() else {
        let parts = content_parts(content);
        turns.push(if role == "assistant" {
            response(item, parts)
        } else {
            Turn::Input(Message::new(role, parts))
        });
        return Ok(());
    };
    let raw_blocks = raw_blocks(item.raw);
    let mut parts = Vec::new();
    let mut results = Vec::new();
    for (k, block) in blocks.iter().enumerate() {
        match str_field(block, "type") {
            Some("tool_use") if role == "assistant" => {
                let name = str_field(block, "name").ok_or_else(|| {
                    Bad::new(
                        item,
                        &format!("content[{k}].name"),
                        "tool_use block has no string 'name'",
                    )
                })?;
                let id = str_field(block, "id").map(str::to_owned);
                let arguments = block.get("input").cloned().unwrap_or(Value::Null);
                parts.push(Part::ToolCall {
                    id,
                    name: name.to_owned(),
                    arguments,
                });
            }
            Some("tool_result") => {
                let call_id = str_field(block, "tool_use_id").map(str::to_owned);
                if call_id.is_none() {
                    return Err(Bad::new(
                        item,
                        &format!("content[{k}].tool_use_id"),
                        "tool_result block has no string 'tool_use_id'",
                    ));
                }
                let result = block.get("content").cloned().unwrap_or(Value::Null);
                parts.push(Part::ToolCallResponse {
                    id: call_id.clone(),
                    response: result.clone(),
                });
                results.push(Turn::ToolResult {
                    call_id,
                    name: None,
                    is_error: block
                        .get("is_error")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    content: result,
                    record: raw_blocks
                        .as_ref()
                        .and_then(|r| r.get(k))
                        .map_or_else(|| block.to_string(), |r| r.get().to_owned()),
                });
            }
            Some("thinking") => parts.push(Part::Reasoning(
                str_field(block, "thinking").unwrap_or_default().to_owned(),
            )),
            _ => parts.extend(content_parts(&Value::Array(vec![block.clone()]))),
        }
    }
    if role == "assistant" {
        turns.push(response(item, parts));
    } else {
        turns.push(Turn::Input(Message::new(role, parts)));
    }
    turns.extend(results);
    Ok(())
}

/// The verbatim text of each content block of a message.
fn raw_blocks(raw: &str) -> Option<Vec<&RawValue>> {
    #[derive(serde::Deserialize)]
    struct Content<'a> {
        #[serde(borrow)]
        content: Vec<&'a RawValue>,
    }
    serde_json::from_str::<Content<'_>>(raw)
        .ok()
        .map(|c| c.content)
}

fn response(item: &Item<'_>, parts: Vec<Part>) -> Turn {
    Turn::Response {
        message: Message::new("assistant", parts),
        finish_reason: str_field(&item.value, "stop_reason").map(str::to_owned),
        model: str_field(&item.value, "model").map(str::to_owned),
        record: item.raw.to_owned(),
    }
}
