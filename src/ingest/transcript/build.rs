//! Spans of one transcript conversation, built from its [`Turn`]s with the synthetic-span
//! builder: one `chat` span per model response (input = the history so far, output = the
//! response with its tool calls, which are the batch), one `execute_tool` span per result,
//! joined to the call it answers by id (legacy id-less function calls: by name, in order).
//! A call never answered gets no span. Knows nothing of any dialect's JSON.
//!
//! Once the repeated history would pass [`HISTORY_BUDGET_BYTES`], a chat span's input holds only
//! what is new since the previous model response, and `fanout.input.elided_messages` says how
//! much was left out.

use std::collections::HashMap;

use serde_json::Value;

use super::super::synth::{
    self, ChatSpan, Message, Part, Source, ToolError, ToolSpan, TraceBuilder,
};
use super::super::Format;
use super::{envelope_model, Conversation, Turn};
use crate::model::{AnyValue, KeyValue, Span};

/// Budget for repeating history: while the inputs written so far plus the whole history fit in
/// it, each chat span's input is the whole conversation so far, as real GenAI traces record it.
/// Past it, an input holds only the messages since the previous model response (the new user
/// input and tool results), so a long transcript costs linear, not quadratic, space and time.
/// The count of left-out messages is recorded on the span.
const HISTORY_BUDGET_BYTES: usize = 8 << 20;

/// The conversation so far, as every chat span's input repeats it.
#[derive(Debug, Default)]
struct History {
    messages: Vec<Message>,
    /// Serialized size of each message.
    sizes: Vec<usize>,
    bytes: usize,
    /// Bytes of input already written to chat spans.
    spent: usize,
    /// Index of the first message after the latest model response.
    since_response: usize,
}

impl History {
    fn push(&mut self, message: Message) {
        let size = message.to_json().to_string().len();
        self.bytes += size;
        self.sizes.push(size);
        self.messages.push(message);
    }

    /// The input of the next chat span and how many earlier messages it leaves out.
    fn input(&mut self) -> (Vec<Message>, usize) {
        let start = if self.spent.saturating_add(self.bytes) <= HISTORY_BUDGET_BYTES {
            0
        } else {
            self.since_response.min(self.messages.len())
        };
        self.spent = self
            .spent
            .saturating_add(self.sizes.get(start..).unwrap_or_default().iter().sum());
        (
            self.messages.get(start..).unwrap_or_default().to_vec(),
            start,
        )
    }

    fn push_response(&mut self, message: Message) {
        self.push(message);
        self.since_response = self.messages.len();
    }
}

#[derive(Debug)]
struct Call {
    id: Option<String>,
    name: String,
    arguments: Value,
    answered: bool,
}

/// Normalized output finish reason for the GenAI message.
fn genai_finish_reason(has_calls: bool, provider: Option<&str>) -> String {
    if has_calls {
        return "tool_call".into();
    }
    match provider {
        None | Some("stop" | "end_turn" | "completed" | "stop_sequence") => "stop".into(),
        Some(other) => other.into(),
    }
}

/// Keys of a transcript's envelope that name the conversation, most specific first.
const ID_KEYS: [&str; 5] = [
    "conversation_id",
    "session_id",
    "task_id",
    "thread_id",
    "id",
];

/// The conversation's own id, when its envelope (or the envelope's `metadata`) names one.
fn conversation_id(conv: &Conversation<'_>) -> Option<String> {
    let env = conv.envelope.as_ref()?;
    let scalar = |v: &Value| match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let from = |obj: &Value| ID_KEYS.iter().find_map(|k| obj.get(k).and_then(scalar));
    from(env).or_else(|| env.get("metadata").and_then(from))
}

/// Longest label made of a conversation's first user words.
const LABEL_CHARS: usize = 48;

/// What tells one conversation of a dataset from another in a list: its id, else its first
/// user words.
fn label(conv: &Conversation<'_>, turns: &[Turn]) -> Option<String> {
    if let Some(id) = conversation_id(conv) {
        return Some(format!("conversation {id}"));
    }
    let text = turns.iter().find_map(|t| match t {
        Turn::Input(m) if m.role == "user" => m.parts.iter().find_map(|p| match p {
            Part::Text(t) if !t.trim().is_empty() => Some(t.as_str()),
            _ => None,
        }),
        _ => None,
    })?;
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = words.chars().take(LABEL_CHARS).collect();
    if words.chars().count() > LABEL_CHARS {
        out.push('…');
    }
    Some(format!("\u{201c}{out}\u{201d}"))
}

/// Builds the spans of one conversation.
pub(crate) fn spans(
    format: Format,
    file: &str,
    conv: &Conversation<'_>,
    turns: Vec<Turn>,
) -> Vec<Span> {
    let service = std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .unwrap_or("transcript")
        .to_owned();
    let mut builder = TraceBuilder::new(Source {
        format: format.as_str(),
        service_name: service,
        trace_id: synth::content_trace_id(format.as_str(), conv.raw.as_bytes()),
        timing_absent: true,
        agent_name: None,
        record: Some(conv.raw.clone()),
        label: label(conv, &turns),
        conversation_id: conversation_id(conv),
    });
    let default_model = envelope_model(conv);
    let mut history = History::default();
    let (calls_reason, stop_reason) = match format {
        Format::Anthropic => ("tool_use", "end_turn"),
        _ => ("tool_calls", "stop"),
    };
    let mut calls = Calls::default();
    // The tools the request offered (`tools` of an OpenAI, Anthropic or Responses body): their
    // descriptions are evidence for analysis. Recorded once, on the first model call.
    let mut definitions = conv
        .envelope
        .as_ref()
        .and_then(|e| e.get("tools"))
        .filter(|t| t.as_array().is_some_and(|a| !a.is_empty()))
        .map(|t| KeyValue::new("gen_ai.tool.definitions", AnyValue::String(t.to_string())));
    for turn in turns {
        match turn {
            Turn::Input(message) => history.push(message),
            Turn::Response {
                message,
                finish_reason,
                model,
                record,
            } => {
                let mut output = message.clone();
                let mut has_calls = false;
                for part in &message.parts {
                    if let Part::ToolCall {
                        id,
                        name,
                        arguments,
                    } = part
                    {
                        has_calls = true;
                        calls.push(Call {
                            id: id.clone(),
                            name: name.clone(),
                            arguments: arguments.clone(),
                            answered: false,
                        });
                    }
                }
                let provider = finish_reason
                    .clone()
                    .unwrap_or_else(|| if has_calls { calls_reason } else { stop_reason }.into());
                output.finish_reason =
                    Some(genai_finish_reason(has_calls, finish_reason.as_deref()));
                let (input, elided) = history.input();
                let mut extra = if elided > 0 {
                    let count = i64::try_from(elided).unwrap_or(i64::MAX);
                    vec![KeyValue::new(
                        "fanout.input.elided_messages",
                        AnyValue::Int(count),
                    )]
                } else {
                    Vec::new()
                };
                extra.extend(definitions.take());
                builder.chat(ChatSpan {
                    model: model.or_else(|| default_model.clone()),
                    input,
                    output: vec![output],
                    finish_reasons: vec![provider],
                    record: Some(record),
                    extra,
                    ..ChatSpan::default()
                });
                history.push_response(message);
            }
            Turn::ToolResult {
                call_id,
                name,
                content,
                is_error,
                record,
            } => {
                let call = calls.answer(call_id.as_deref(), name.as_deref());
                let tool_name = call
                    .as_ref()
                    .map(|c| c.name.clone())
                    .or(name)
                    .unwrap_or_else(|| "unknown".into());
                let result = synth::result_text(&content);
                let error = is_error.then(|| ToolError {
                    kind: "tool_error".into(),
                    message: result.clone(),
                });
                builder.tool(ToolSpan {
                    call_id: call_id.or_else(|| call.as_ref().and_then(|c| c.id.clone())),
                    name: tool_name,
                    arguments: call.map(|c| synth::arguments_text(&c.arguments)),
                    result: Some(result),
                    error,
                    record: Some(record),
                    ..ToolSpan::default()
                });
            }
        }
    }
    builder.finish()
}

/// The calls emitted so far, indexed by (trimmed) id.
#[derive(Debug, Default)]
struct Calls {
    all: Vec<Call>,
    by_id: HashMap<String, Vec<usize>>,
    /// Calls without an id (legacy `function_call`), in emission order.
    idless: Vec<usize>,
}

impl Calls {
    fn push(&mut self, call: Call) {
        let index = self.all.len();
        match &call.id {
            Some(id) => self
                .by_id
                .entry(id.trim().to_owned())
                .or_default()
                .push(index),
            None => self.idless.push(index),
        }
        self.all.push(call);
    }

    /// The emitted call a result answers: same id (the first not yet answered, else the first),
    /// or without an id (legacy functions) the oldest unanswered id-less call with that name.
    /// Marks it answered and returns a copy of what the tool span needs.
    fn answer(&mut self, id: Option<&str>, name: Option<&str>) -> Option<CallInfo> {
        let index = match id {
            Some(id) => {
                let candidates = self.by_id.get(id.trim())?;
                let unanswered = candidates
                    .iter()
                    .copied()
                    .find(|i| self.all.get(*i).is_some_and(|c| !c.answered));
                unanswered.or_else(|| candidates.first().copied())
            }
            None => self.idless.iter().copied().find(|i| {
                self.all
                    .get(*i)
                    .is_some_and(|c| !c.answered && name.is_none_or(|n| n == c.name))
            }),
        }?;
        let call = self.all.get_mut(index)?;
        call.answered = true;
        Some(CallInfo {
            id: call.id.clone(),
            name: call.name.clone(),
            arguments: call.arguments.clone(),
        })
    }
}

struct CallInfo {
    id: Option<String>,
    name: String,
    arguments: Value,
}
