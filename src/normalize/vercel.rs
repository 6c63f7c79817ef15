//! Reads Vercel AI SDK legacy `ai.*` spans (v4 to v7 `LegacyOpenTelemetry`): model calls are
//! `ai.*.doGenerate` / `ai.*.doStream` with `ai.response.toolCalls` (v4 `{toolCallId, toolName,
//! args}` with `args` a JSON string; v5 `input` a JSON string in doGenerate; v6/v7 `input` an
//! object), tool executions are `ai.toolCall`, the root `ai.generateText` / `ai.streamText`
//! holds the final `ai.response.text` (and ALL calls of all steps, which must not be read as a
//! batch). v7 GenAI spans are read by the GenAI reader.

use serde_json::Value;

use super::messages::{history, parse_messages, tool_call_object};
use super::record::{
    clean_id, json_attr, normalize_finish_reason, str_attr, ExecRecord, ModelRecord,
};
use crate::model::{Convention, Span};

/// Reads a `doGenerate` / `doStream` span.
pub fn model(span: &Span) -> ModelRecord {
    let mut rec = ModelRecord::new(span, Convention::VercelAiLegacy);
    rec.model = ["ai.response.model", "ai.model.id", "gen_ai.request.model"]
        .iter()
        .find_map(|k| str_attr(span, k))
        .map(str::to_owned);
    if let Some(Value::Array(calls)) = json_attr(span, "ai.response.toolCalls") {
        rec.emitted = calls.iter().filter_map(tool_call_object).collect();
        rec.output_recorded = true;
    }
    if let Some(text) = span.attr_str("ai.response.text") {
        rec.output_recorded = true;
        rec.output_text = (!text.trim().is_empty()).then(|| text.to_owned());
    }
    let finish = str_attr(span, "ai.response.finishReason").and_then(normalize_finish_reason);
    if finish.is_some() {
        rec.output_recorded = true;
    }
    rec.finish_reason = finish
        .or_else(|| super::record::finish_reasons_attr(span, "gen_ai.response.finish_reasons"));
    if let Some(input) = json_attr(span, "ai.prompt.messages") {
        let (calls, results) = history(&parse_messages(&input));
        rec.history_calls = calls;
        rec.history_results = results;
        rec.input = Some(input);
    }
    rec
}

/// Reads an `ai.toolCall` span.
pub fn tool(span: &Span) -> ExecRecord {
    let name = str_attr(span, "ai.toolCall.name")
        .map(str::to_owned)
        .unwrap_or_else(|| span.name.clone());
    let mut rec = ExecRecord::new(span, Convention::VercelAiLegacy, name);
    rec.call_id = str_attr(span, "ai.toolCall.id").and_then(clean_id);
    rec.arguments = ["ai.toolCall.args", "ai.toolCall.input"]
        .iter()
        .find_map(|k| json_attr(span, k));
    rec.result = ["ai.toolCall.result", "ai.toolCall.output"]
        .iter()
        .find_map(|k| json_attr(span, k));
    rec.settle_status(span);
    rec
}

/// The final answer on the root `ai.generateText` / `ai.streamText` span.
pub fn agent_answer(span: &Span) -> Option<String> {
    str_attr(span, "ai.response.text").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tool_call_lists_of_every_version_parse() {
        // v4: args as a JSON string.
        let v4 =
            json!({"toolCallType":"function","toolCallId":"c1","toolName":"t","args":"{\"a\":1}"});
        // v5 doGenerate: input as a JSON string; v6/v7: input as an object.
        let v5 = json!({"toolCallId":"c2","toolName":"t","input":"{\"a\":2}"});
        let v7 = json!({"type":"tool-call","toolCallId":"c3","toolName":"t","input":{"a":3}});
        for (v, n) in [(v4, 1), (v5, 2), (v7, 3)] {
            let c = tool_call_object(&v).unwrap();
            assert_eq!(c.arguments, Some(json!({"a": n})));
            assert_eq!(c.id, Some(format!("c{n}")));
        }
    }
}
