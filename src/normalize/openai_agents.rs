//! Reads OpenAI Agents SDK span data exported as span attributes (the SDK's own `span_data`
//! fields copied onto OTel spans, as Logfire's integration does): `Responses API with ...`
//! spans carrying the whole `response` object (`output[]` items `function_call` with `call_id`),
//! `Chat completion with ...` generation spans with chat-style `input`/`output` messages,
//! `Function: {name}` spans with `name`/`input`/`output` and no call id, and `Agent run: ...`.
//! OpenInference- and OpenLLMetry-instrumented Agents SDK traces are read by those readers.

use serde_json::Value;

use super::detect::Role;
use super::messages::{history, parse_messages, Message};
use super::record::{json_attr, str_attr, ExecRecord, ModelRecord};
use crate::model::{Convention, Span};

/// The role of an Agents SDK span, recognised by its message template (or name).
pub fn role(span: &Span) -> Option<Role> {
    let template = span.attr_str("logfire.msg_template").unwrap_or(&span.name);
    if template.starts_with("Function: ") && span.attr("name").is_some() {
        Some(Role::Tool)
    } else if template.starts_with("Responses API with") && span.attr("response_id").is_some()
        || template.starts_with("Chat completion with {gen_ai.request.model")
        || (template.starts_with("Chat completion with")
            && span.attr("output").is_some()
            && span.attr("request_data").is_none())
    {
        Some(Role::Model)
    } else if template.starts_with("Agent run: ") {
        Some(Role::Agent)
    } else if template.starts_with("Handoff: ") || template.starts_with("Guardrail ") {
        Some(Role::Other)
    } else {
        None
    }
}

/// Reads a `response` or `generation` span.
pub fn model(span: &Span) -> ModelRecord {
    let mut rec = ModelRecord::new(span, Convention::OpenAiAgents);
    rec.model = ["gen_ai.response.model", "gen_ai.request.model", "model"]
        .iter()
        .find_map(|k| str_attr(span, k))
        .map(str::to_owned);
    let output: Option<Vec<Message>> = match json_attr(span, "response") {
        Some(resp) => resp.get("output").map(parse_messages),
        None => json_attr(span, "output").map(|o| parse_messages(&o)),
    };
    if let Some(out) = output {
        rec.output_recorded = true;
        rec.emitted = out
            .iter()
            .flat_map(|m| m.tool_calls.iter().cloned())
            .collect();
        let texts: Vec<String> = out.iter().filter_map(Message::joined_text).collect();
        rec.output_text = (!texts.is_empty()).then(|| texts.join("\n"));
        rec.finish_reason = if rec.emitted.is_empty() {
            None
        } else {
            Some("tool_calls".into())
        };
    }
    if let Some(input) = json_attr(span, "raw_input").or_else(|| json_attr(span, "input")) {
        let (calls, results) = history(&parse_messages(&input));
        rec.history_calls = calls;
        rec.history_results = results;
        rec.input = Some(input);
    }
    rec
}

/// Reads a `Function: {name}` span.
pub fn tool(span: &Span) -> ExecRecord {
    let name = str_attr(span, "name")
        .map(str::to_owned)
        .unwrap_or_else(|| span.name.clone());
    let mut rec = ExecRecord::new(span, Convention::OpenAiAgents, name);
    rec.arguments = json_attr(span, "input");
    rec.result = json_attr(span, "output").map(|o| match o {
        // MCP tools return content blocks: keep the text.
        Value::Object(ref m) if m.get("type").and_then(Value::as_str) == Some("text") => {
            m.get("text").cloned().unwrap_or(o)
        }
        other => other,
    });
    if let Some(err) = json_attr(span, "error")
        .filter(|e| e.is_object() || e.as_str().is_some_and(|s| s != "null"))
    {
        rec.error = Some(
            err.get("message")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| err.to_string()),
        );
    }
    rec.settle_status(span);
    rec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::{s, span};
    use serde_json::json;

    #[test]
    fn spans_are_recognised_by_their_template() {
        let f = span(
            1,
            "Function: {name}",
            "logfire",
            vec![
                ("logfire.msg_template", s("Function: {name}")),
                ("name", s("f")),
            ],
        );
        assert_eq!(role(&f), Some(Role::Tool));
        let r = span(
            2,
            "Responses API with {gen_ai.request.model!r}",
            "logfire",
            vec![("response_id", s("resp_1"))],
        );
        assert_eq!(role(&r), Some(Role::Model));
        let raw = span(
            3,
            "Chat completion with {request_data[model]!r}",
            "logfire",
            vec![("request_data", s("{}")), ("output", s("[]"))],
        );
        assert_eq!(role(&raw), None);
        assert_eq!(
            role(&span(4, "Agent run: {name!r}", "logfire", vec![])),
            Some(Role::Agent)
        );
    }

    #[test]
    fn function_spans_unwrap_mcp_text_and_errors() {
        let f = span(
            1,
            "Function: {name}",
            "logfire",
            vec![
                ("name", s("f")),
                ("input", s("{}")),
                ("output", s("{\"type\":\"text\",\"text\":\"4\"}")),
                ("error", s("{\"message\":\"boom\",\"data\":null}")),
            ],
        );
        let rec = tool(&f);
        assert_eq!(rec.result, Some(json!("4")));
        assert_eq!(rec.error.as_deref(), Some("boom"));
        assert_eq!(rec.status, crate::model::CallStatus::Error);
    }
}
