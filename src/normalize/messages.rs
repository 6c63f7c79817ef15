//! Parses chat messages in every shape agent traces carry them into one common form: the text,
//! the tool calls an assistant turn emitted and the tool results sent back, keyed by call id.
//!
//! Shapes: GenAI parts (`{role, parts:[text|tool_call|tool_call_response]}`), OpenAI Chat
//! Completions (`tool_calls[{id, function:{name, arguments}}]`, `role:tool` + `tool_call_id`),
//! OpenAI Responses items (`function_call` / `function_call_output`, joined on `call_id`),
//! Anthropic blocks (`tool_use` / `tool_result`), Vercel AI SDK parts (`tool-call` /
//! `tool-result`), LangChain serialized messages, and flattened OpenInference messages once
//! unflattened. Pure: values in, values out; never panics on odd input.

use serde_json::Value;

use super::record::{
    clean_id, id_from_json, normalize_finish_reason, parse_loose, EmittedCall, HistoryResult,
};

/// One message in the common form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    pub role: String,
    pub text: Vec<String>,
    pub tool_calls: Vec<EmittedCall>,
    pub tool_results: Vec<HistoryResult>,
    pub finish_reason: Option<String>,
}

impl Message {
    /// The text parts joined with newlines; `None` when there is no non-empty text.
    pub fn joined_text(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .text
            .iter()
            .map(String::as_str)
            .filter(|t| !t.trim().is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join("\n"))
    }
}

/// Parses a list of messages (or a wrapper holding one under `messages`, or a single message).
/// Nested lists (LangChain batches `[[...]]`) are flattened.
pub fn parse_messages(v: &Value) -> Vec<Message> {
    let v = parse_loose(v);
    let mut out = Vec::new();
    collect(&v, &mut out, 0);
    out
}

fn collect(v: &Value, out: &mut Vec<Message>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect(i, out, depth + 1)),
        Value::Object(map) => {
            if let Some(inner) = map.get("messages").filter(|m| m.is_array()) {
                collect(inner, out, depth + 1);
            } else if let Some(m) = parse_message(v) {
                out.push(m);
            }
        }
        _ => {}
    }
}

/// Parses one message object in any supported shape.
pub fn parse_message(v: &Value) -> Option<Message> {
    let obj = v.as_object()?;
    // Wrappers: OpenInference `{message: {...}}`, LangChain `{type, data: {...}}` and
    // `{lc, kwargs: {...}, id: [..., "AIMessage"]}`.
    if let Some(inner) = obj.get("message").filter(|m| m.is_object()) {
        if !obj.contains_key("role") && !obj.contains_key("parts") {
            return parse_message(inner);
        }
    }
    if let Some(kwargs) = obj.get("kwargs").filter(|k| k.is_object()) {
        let role = langchain_role(
            obj.get("id")
                .and_then(Value::as_array)
                .and_then(|a| a.last())
                .and_then(Value::as_str),
        );
        return Some(with_role(parse_fields(kwargs), role));
    }
    if let Some(data) = obj.get("data").filter(|d| d.is_object()) {
        let role = langchain_type_role(obj.get("type").and_then(Value::as_str));
        return Some(with_role(parse_fields(data), role));
    }
    // Responses API items.
    match obj.get("type").and_then(Value::as_str) {
        Some("function_call") | Some("custom_tool_call") => {
            let id = id_from_json(obj.get("call_id")).or_else(|| id_from_json(obj.get("id")));
            let name = obj
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let arguments = obj
                .get("arguments")
                .or_else(|| obj.get("input"))
                .map(parse_loose);
            return Some(Message {
                role: "assistant".into(),
                tool_calls: vec![EmittedCall {
                    id,
                    name,
                    arguments,
                }],
                ..Default::default()
            });
        }
        Some("function_call_output") | Some("custom_tool_call_output") => {
            let id = id_from_json(obj.get("call_id")).or_else(|| id_from_json(obj.get("id")));
            let value = obj.get("output").map(content_value).unwrap_or(Value::Null);
            return Some(Message {
                role: "tool".into(),
                tool_results: vec![HistoryResult {
                    id,
                    value,
                    is_error: false,
                }],
                ..Default::default()
            });
        }
        _ => {}
    }
    Some(parse_fields(v))
}

fn with_role(mut m: Message, role: Option<&str>) -> Message {
    if let Some(r) = role {
        if m.role.is_empty() || m.role == "ai" || m.role == "human" {
            m.role = r.to_owned();
        }
    }
    m
}

fn langchain_role(class: Option<&str>) -> Option<&'static str> {
    Some(match class? {
        "AIMessage" | "AIMessageChunk" => "assistant",
        "HumanMessage" => "user",
        "SystemMessage" => "system",
        "ToolMessage" => "tool",
        _ => return None,
    })
}

fn langchain_type_role(t: Option<&str>) -> Option<&'static str> {
    Some(match t? {
        "ai" => "assistant",
        "human" => "user",
        "system" => "system",
        "tool" => "tool",
        _ => return None,
    })
}

/// Reads the fields of a message object whatever its dialect.
fn parse_fields(v: &Value) -> Message {
    let mut m = Message::default();
    let Some(obj) = v.as_object() else { return m };
    m.role = obj
        .get("role")
        .or_else(|| obj.get("type"))
        .and_then(Value::as_str)
        .map(|r| langchain_type_role(Some(r)).unwrap_or(r).to_owned())
        .unwrap_or_default();
    m.finish_reason = obj
        .get("finish_reason")
        .or_else(|| obj.get("stop_reason"))
        .and_then(Value::as_str)
        .and_then(normalize_finish_reason);
    if let Some(parts) = obj.get("parts").and_then(Value::as_array) {
        parts.iter().for_each(|p| read_part(p, &mut m));
    }
    match obj.get("content").or_else(|| obj.get("contents")) {
        Some(Value::String(s)) => push_text_or_result(&mut m, obj, Value::String(s.clone())),
        Some(Value::Array(blocks)) => blocks.iter().for_each(|b| read_part(b, &mut m)),
        _ => {}
    }
    // `message_content` wrappers of flattened OpenInference contents were handled by read_part.
    for key in ["tool_calls", "toolCalls"] {
        if let Some(calls) = obj.get(key).and_then(Value::as_array) {
            for c in calls {
                if let Some(call) = tool_call_object(c) {
                    push_call(&mut m, call);
                }
            }
        }
    }
    // LangChain keeps provider tool calls in additional_kwargs too; use them only when the
    // message had none of its own.
    if m.tool_calls.is_empty() {
        if let Some(calls) = obj
            .get("additional_kwargs")
            .and_then(|a| a.get("tool_calls"))
            .and_then(Value::as_array)
        {
            for c in calls {
                if let Some(call) = tool_call_object(c) {
                    push_call(&mut m, call);
                }
            }
        }
    }
    // Legacy OpenAI function_call: one call, no id.
    if let Some(fc) = obj.get("function_call").filter(|f| f.is_object()) {
        if let Some(name) = fc.get("name").and_then(Value::as_str) {
            push_call(
                &mut m,
                EmittedCall {
                    id: None,
                    name: name.to_owned(),
                    arguments: fc.get("arguments").map(parse_loose),
                },
            );
        }
    }
    dedup_calls(&mut m);
    m
}

/// Plain string content: a tool message's content is its result, anything else is text.
fn push_text_or_result(m: &mut Message, obj: &serde_json::Map<String, Value>, content: Value) {
    let result_id = id_from_json(obj.get("tool_call_id")).or_else(|| {
        (m.role == "tool")
            .then(|| id_from_json(obj.get("id")))
            .flatten()
    });
    if m.role == "tool" || m.role == "function" || result_id.is_some() {
        let is_error = obj.get("status").and_then(Value::as_str) == Some("error");
        m.tool_results.push(HistoryResult {
            id: result_id,
            value: parse_loose(&content),
            is_error,
        });
    } else if let Value::String(s) = content {
        m.text.push(s);
    }
}

fn push_call(m: &mut Message, call: EmittedCall) {
    m.tool_calls.push(call);
}

/// The same call may appear both as a part and in a tool_calls list: keep the first of each id
/// (one pass, so a response of thousands of calls costs no more than their number).
fn dedup_calls(m: &mut Message) {
    let mut seen = std::collections::HashSet::new();
    m.tool_calls
        .retain(|c| c.id.as_ref().is_none_or(|id| seen.insert(id.clone())));
}

/// Reads one content part / block.
fn read_part(p: &Value, m: &mut Message) {
    let Some(obj) = p.as_object() else {
        if let Some(s) = p.as_str() {
            m.text.push(s.to_owned());
        }
        return;
    };
    if let Some(inner) = obj.get("message_content").filter(|c| c.is_object()) {
        read_part(inner, m);
        return;
    }
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" | "output_text" | "input_text" => {
            if let Some(t) = obj
                .get("content")
                .or_else(|| obj.get("text"))
                .and_then(Value::as_str)
            {
                m.text.push(t.to_owned());
            }
        }
        "tool_call" | "tool-call" | "tool_use" | "function_call" | "function"
        | "server_tool_call" | "server_tool_use" => {
            if let Some(call) = tool_call_object(p) {
                push_call(m, call);
            }
        }
        "tool_call_response" | "tool-result" | "tool_result" | "function_call_output" => {
            let id = id_from_json(obj.get("id"))
                .or_else(|| id_from_json(obj.get("toolCallId")))
                .or_else(|| id_from_json(obj.get("tool_use_id")))
                .or_else(|| id_from_json(obj.get("call_id")));
            let raw = ["response", "result", "output", "content"]
                .iter()
                .find_map(|k| obj.get(*k));
            let value = raw.map(content_value).unwrap_or(Value::Null);
            let is_error = obj
                .get("is_error")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || obj.get("isError").and_then(Value::as_bool).unwrap_or(false);
            m.tool_results.push(HistoryResult {
                id,
                value,
                is_error,
            });
        }
        _ => {}
    }
}

/// A result payload: Vercel `{type:"json", value}` / `{type:"text", value}` and Anthropic
/// text-block lists are unwrapped; JSON strings parsed.
fn content_value(v: &Value) -> Value {
    match v {
        Value::Object(o)
            if o.contains_key("value") && o.get("type").is_some_and(Value::is_string) =>
        {
            o.get("value").map(parse_loose).unwrap_or(Value::Null)
        }
        Value::Array(blocks)
            if !blocks.is_empty()
                && blocks
                    .iter()
                    .all(|b| b.get("text").is_some_and(Value::is_string)) =>
        {
            let text: Vec<&str> = blocks
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            parse_loose(&Value::String(text.join("\n")))
        }
        other => parse_loose(other),
    }
}

/// Reads one tool-call object in any dialect: GenAI part, OpenAI `{id, function:{name,
/// arguments}}`, OpenInference `{tool_call: {...}}`, LangChain `{id, name, args}`, Vercel
/// `{toolCallId, toolName, input|args}`, Anthropic `{id, name, input}`, Responses items.
pub fn tool_call_object(v: &Value) -> Option<EmittedCall> {
    let obj = v.as_object()?;
    if let Some(inner) = obj.get("tool_call").filter(|t| t.is_object()) {
        return tool_call_object(inner);
    }
    let function = obj.get("function").filter(|f| f.is_object());
    let name = obj
        .get("name")
        .or_else(|| obj.get("toolName"))
        .or_else(|| function.and_then(|f| f.get("name")))
        .and_then(Value::as_str)?
        .to_owned();
    let id = id_from_json(obj.get("call_id"))
        .or_else(|| id_from_json(obj.get("toolCallId")))
        .or_else(|| id_from_json(obj.get("id")));
    let arguments = ["arguments", "args", "input"]
        .iter()
        .find_map(|k| obj.get(*k))
        .or_else(|| function.and_then(|f| f.get("arguments")))
        .map(parse_loose);
    Some(EmittedCall {
        id: id.and_then(|i| clean_id(&i)),
        name,
        arguments,
    })
}

/// Calls and results found in input messages, in order.
pub fn history(messages: &[Message]) -> (Vec<EmittedCall>, Vec<HistoryResult>) {
    let calls = messages
        .iter()
        .flat_map(|m| m.tool_calls.iter().cloned())
        .collect();
    let results = messages
        .iter()
        .flat_map(|m| m.tool_results.iter().cloned())
        .collect();
    (calls, results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn genai_parts_with_json_string_and_both_result_spellings() {
        let v = json!(
            r#"[{"role":"assistant","parts":[{"type":"text","content":"hi"},{"type":"tool_call","id":" call_1","name":"f","arguments":"{\"a\":1}"}],"finish_reason":"tool_call"},
            {"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"ok"},{"type":"tool_call_response","id":"call_2","result":{"x":1}}]}]"#
        );
        let ms = parse_messages(&v);
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].joined_text().as_deref(), Some("hi"));
        assert_eq!(
            ms[0].tool_calls[0],
            EmittedCall {
                id: Some("call_1".into()),
                name: "f".into(),
                arguments: Some(json!({"a":1}))
            }
        );
        assert_eq!(ms[0].finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(ms[1].tool_results[0].value, json!("ok"));
        assert_eq!(ms[1].tool_results[1].value, json!({"x":1}));
    }

    #[test]
    fn openai_chat_messages() {
        let v = json!([
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"g","arguments":"{\"p\":\"x\"}"}}]},
            {"role":"tool","tool_call_id":"call_a","content":"{\"ok\":true}"}
        ]);
        let ms = parse_messages(&v);
        assert_eq!(ms[0].tool_calls[0].name, "g");
        assert_eq!(ms[0].tool_calls[0].arguments, Some(json!({"p":"x"})));
        assert_eq!(ms[1].tool_results[0].id.as_deref(), Some("call_a"));
        assert_eq!(ms[1].tool_results[0].value, json!({"ok":true}));
    }

    #[test]
    fn responses_items_join_on_call_id_not_item_id() {
        let v = json!([
            {"type":"function_call","id":"fc_1","call_id":"call_1","name":"h","arguments":"{}"},
            {"type":"function_call_output","call_id":"call_1","output":"done"}
        ]);
        let ms = parse_messages(&v);
        assert_eq!(ms[0].tool_calls[0].id.as_deref(), Some("call_1"));
        assert_eq!(ms[1].tool_results[0].id.as_deref(), Some("call_1"));
    }

    #[test]
    fn anthropic_and_vercel_blocks() {
        let v = json!([
            {"role":"assistant","content":[{"type":"text","text":"t"},{"type":"tool_use","id":"toolu_1","name":"k","input":{"q":1}}],"stop_reason":"tool_use"},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"r"}],"is_error":true}]},
            {"role":"assistant","content":[{"type":"tool-call","toolCallId":"c9","toolName":"v","input":"{\"z\":2}"}]},
            {"role":"tool","content":[{"type":"tool-result","toolCallId":"c9","toolName":"v","output":{"type":"json","value":{"w":3}}}]}
        ]);
        let ms = parse_messages(&v);
        assert_eq!(ms[0].tool_calls[0].id.as_deref(), Some("toolu_1"));
        assert_eq!(ms[0].finish_reason.as_deref(), Some("tool_calls"));
        assert!(ms[1].tool_results[0].is_error);
        assert_eq!(ms[1].tool_results[0].value, json!("r"));
        assert_eq!(ms[2].tool_calls[0].arguments, Some(json!({"z":2})));
        assert_eq!(ms[3].tool_results[0].value, json!({"w":3}));
    }

    #[test]
    fn langchain_serialized_messages() {
        let v = json!({"messages":[[
            {"lc":1,"type":"constructor","id":["langchain","schema","messages","AIMessage"],"kwargs":{"content":"","tool_calls":[{"name":"d","args":{"a":1},"id":"call_x","type":"tool_call"}]}},
            {"type":"tool","data":{"content":"{\"n\":1}","tool_call_id":"call_x","type":"tool"}}
        ]]});
        let ms = parse_messages(&v);
        assert_eq!(ms[0].role, "assistant");
        assert_eq!(ms[0].tool_calls[0].id.as_deref(), Some("call_x"));
        assert_eq!(ms[1].tool_results[0].value, json!({"n":1}));
    }
}
