//! Spans of one transcript conversation, built from its [`Turn`]s with the synthetic-span
//! builder: one `chat` span per model response (input = the history so far, output = the
//! response with its tool calls, which are the batch), one `execute_tool` span per result,
//! joined to the call it answers by id (legacy id-less function calls: by name, in order).
//! A call never answered gets no span. Knows nothing of any dialect's JSON.
//!
//! Past [`HISTORY_CAP_BYTES`] of history, a chat span's input holds only what is new since the
//! previous model response, and `fanout.input.elided_messages` says how much was left out.

use serde_json::Value;

use super::super::synth::{
    self, ChatSpan, Message, Part, Source, ToolError, ToolSpan, TraceBuilder,
};
use super::super::Format;
use super::{envelope_model, Conversation, Turn};
use crate::model::{AnyValue, KeyValue, Span};

/// Past this much JSON, a chat span's input holds only the messages since the previous model
/// response (the new user input and tool results) instead of the whole history, so a long
/// transcript costs linear, not quadratic, space. The count of left-out messages is recorded.
const HISTORY_CAP_BYTES: usize = 1 << 20;

/// The conversation so far, as every chat span's input repeats it.
#[derive(Debug, Default)]
struct History {
    messages: Vec<Message>,
    bytes: usize,
    /// Index of the first message after the latest model response.
    since_response: usize,
}

impl History {
    fn push(&mut self, message: Message) {
        self.bytes += message.to_json().to_string().len();
        self.messages.push(message);
    }

    /// The input of the next chat span and how many earlier messages it leaves out.
    fn input(&self) -> (Vec<Message>, usize) {
        if self.bytes <= HISTORY_CAP_BYTES {
            return (self.messages.clone(), 0);
        }
        let start = self.since_response.min(self.messages.len());
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
    });
    let default_model = envelope_model(conv);
    let mut history = History::default();
    let (calls_reason, stop_reason) = match format {
        Format::Anthropic => ("tool_use", "end_turn"),
        _ => ("tool_calls", "stop"),
    };
    let mut calls: Vec<Call> = Vec::new();
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
                let extra = if elided > 0 {
                    let count = i64::try_from(elided).unwrap_or(i64::MAX);
                    vec![KeyValue::new(
                        "fanout.input.elided_messages",
                        AnyValue::Int(count),
                    )]
                } else {
                    Vec::new()
                };
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
                let call = find_call(&mut calls, call_id.as_deref(), name.as_deref());
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

/// The emitted call a result answers: same id, else (no id, legacy functions) the oldest
/// unanswered id-less call with that name. Marks it answered; returns a copy of what it needs.
fn find_call(calls: &mut [Call], id: Option<&str>, name: Option<&str>) -> Option<CallInfo> {
    let index = match id.map(str::trim) {
        Some(id) => {
            let same = |c: &Call| c.id.as_deref().map(str::trim) == Some(id);
            calls
                .iter()
                .position(|c| same(c) && !c.answered)
                .or_else(|| calls.iter().position(same))
        }
        None => calls
            .iter()
            .position(|c| c.id.is_none() && !c.answered && name.is_none_or(|n| n == c.name)),
    }?;
    let call = calls.get_mut(index)?;
    call.answered = true;
    Some(CallInfo {
        id: call.id.clone(),
        name: call.name.clone(),
        arguments: call.arguments.clone(),
    })
}

struct CallInfo {
    id: Option<String>,
    name: String,
    arguments: Value,
}
