//! Spans of one agent [`Session`], built with the synthetic-span builder: a root `invoke_agent`
//! span carrying the session's metadata, one `chat` span per model response (its tool calls are
//! the batch), one `execute_tool` span per answered call.
//!
//! Times are recovered from line timestamps, not measured: a call runs from the line that
//! recorded it to the line that recorded its result, a response from the line before it to its
//! last block. The resource says so with `fanout.timing=recovered`. A chat span's input holds
//! the messages since the previous response (what the model saw new); the count of earlier
//! messages left out is `fanout.input.elided_messages`.

use serde_json::Value;

use super::{Session, Step};
use crate::ingest::synth::{
    self, ChatSpan, Message, Part, Source, ToolError, ToolSpan, TraceBuilder,
};
use crate::model::{AnyValue, KeyValue, Span};

fn string(key: &str, value: impl Into<String>) -> KeyValue {
    KeyValue::new(key, AnyValue::String(value.into()))
}

/// The root span's name, as the trace list shows it beside the agent (`service.name`): the
/// project folder and branch (the operation is in `gen_ai.operation.name`).
pub fn root_name(session: &Session) -> String {
    let mut name = session
        .cwd
        .clone()
        .unwrap_or_else(|| session.agent.as_str().to_owned());
    if let Some(branch) = &session.git_branch {
        name.push_str(&format!(" ({branch})"));
    }
    if let Some(side) = &session.sidechain {
        name.push_str(&format!(
            " subagent {}",
            side.agent_id.as_deref().unwrap_or("?")
        ));
    }
    name
}

pub fn build(file: &str, text: &str, session: &Session) -> Vec<Span> {
    let format = session.agent.format().as_str();
    let mut builder = TraceBuilder::new(Source {
        format,
        service_name: session.agent.as_str().to_owned(),
        trace_id: synth::content_trace_id(format, text.as_bytes()),
        timing_absent: !session.timed,
        agent_name: Some(session.agent.as_str().to_owned()),
        record: None,
        label: None,
        conversation_id: None,
    });
    let mut resource = vec![string(
        "fanout.timing",
        if session.timed { "recovered" } else { "absent" },
    )];
    if let Some(v) = &session.version {
        resource.push(string("service.version", v.clone()));
    }
    builder.set_resource_attributes(resource);

    let mut root_attrs = vec![string("fanout.source.file", file)];
    let mut put = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            root_attrs.push(string(key, v.clone()));
        }
    };
    put("fanout.agent.version", &session.version);
    put("fanout.session.id", &session.session_id);
    put("fanout.session.cwd", &session.cwd);
    put("fanout.session.git_branch", &session.git_branch);
    put("gen_ai.request.model", &session.model);
    if let Some(side) = &session.sidechain {
        put("fanout.session.subagent_id", &side.agent_id);
        put("fanout.session.parent_id", &side.parent_session);
        put("fanout.session.parent_call_id", &side.parent_call_id);
    }

    let mut pending: Vec<Message> = Vec::new();
    let mut elided = 0usize;
    let mut first = None;
    let mut last = None;
    let mut calls: std::collections::HashMap<String, (String, Value, Option<u64>, Option<String>)> =
        std::collections::HashMap::new();
    for step in &session.steps {
        match step {
            Step::Input { role, text, at } => {
                first = first.or(*at);
                last = at.max(&last).to_owned();
                pending.push(Message::new(role.clone(), vec![Part::Text(text.clone())]));
            }
            Step::Response(resp) => {
                first = first.or(resp.start);
                last = resp.end.max(last);
                let mut parts: Vec<Part> = resp.parts.iter().map(|(_, p)| p.clone()).collect();
                for (_, call) in &resp.calls {
                    calls.insert(
                        call.id.clone(),
                        (
                            call.name.clone(),
                            call.arguments.clone(),
                            call.at,
                            call.cwd.clone(),
                        ),
                    );
                    parts.push(Part::ToolCall {
                        id: Some(call.id.clone()),
                        name: call.name.clone(),
                        arguments: call.arguments.clone(),
                    });
                }
                let has_calls = !resp.calls.is_empty();
                let mut output = Message::new("assistant", parts);
                output.finish_reason = Some(if has_calls { "tool_call" } else { "stop" }.into());
                let mut extra = Vec::new();
                if elided > 0 {
                    extra.push(KeyValue::new(
                        "fanout.input.elided_messages",
                        AnyValue::Int(i64::try_from(elided).unwrap_or(i64::MAX)),
                    ));
                }
                let input = std::mem::take(&mut pending);
                elided += input.len() + 1;
                let provider = resp
                    .finish_reason
                    .clone()
                    .unwrap_or_else(|| if has_calls { "tool_use" } else { "end_turn" }.into());
                builder.chat(ChatSpan {
                    model: resp.model.clone().or_else(|| session.model.clone()),
                    input,
                    output: vec![output],
                    finish_reasons: vec![provider],
                    record: Some(resp.record.clone()).filter(|r| !r.is_empty()),
                    times: times(resp.start, resp.end),
                    extra,
                });
            }
            Step::Result {
                call_id,
                content,
                error,
                at,
                record,
                subagent,
            } => {
                last = at.max(&last).to_owned();
                let call = calls.get(call_id);
                let result = synth::result_text(content);
                pending.push(Message::new(
                    "tool",
                    vec![Part::ToolCallResponse {
                        id: Some(call_id.clone()),
                        response: Value::String(result.clone()),
                    }],
                ));
                let mut extra = Vec::new();
                if let Some(cwd) = call.and_then(|c| c.3.clone()) {
                    extra.push(string("fanout.tool.cwd", cwd));
                }
                if let Some(agent) = subagent {
                    extra.push(string("fanout.subagent.id", agent.clone()));
                }
                builder.tool(ToolSpan {
                    call_id: Some(call_id.clone()),
                    name: call.map_or_else(|| "unknown".to_owned(), |c| c.0.clone()),
                    arguments: call.map(|c| synth::arguments_text(&c.1)),
                    result: Some(result.clone()),
                    error: error.as_ref().map(|kind| ToolError {
                        kind: kind.clone(),
                        message: result.chars().take(500).collect(),
                    }),
                    record: Some(record.clone()).filter(|r| !r.is_empty()),
                    times: times(call.and_then(|c| c.2), *at),
                    extra,
                });
            }
        }
    }
    if let Some(root) = builder.root_mut() {
        root.attributes.extend(root_attrs);
        root.name = root_name(session);
        if session.timed {
            if let Some((s, e)) = times(first, last) {
                root.start_unix_nano = s;
                root.end_unix_nano = e;
            }
        }
    }
    builder.finish()
}

/// (start, end) when both are known, the end never before the start.
fn times(start: Option<u64>, end: Option<u64>) -> Option<(u64, u64)> {
    let (s, e) = (start.or(end)?, end.or(start)?);
    Some((s, e.max(s)))
}
