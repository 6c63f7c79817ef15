//! Finds call ids that instrumentations hide inside JSON payloads instead of attributes: the
//! tool-call list inside an LLM span's `output.value` (LangChain generations, a Responses
//! object's `function_call` items) and the `tool_call_id` of a serialized ToolMessage in a
//! TOOL span's `output.value`. Bounded breadth-first searches; never panics.

use serde_json::Value;

use super::messages::tool_call_object;
use super::record::{clean_id, EmittedCall};

/// Finds the first list of tool calls inside an arbitrary JSON document (breadth-first, a few
/// levels deep): how call ids hidden in `output.value` payloads are recovered.
pub fn find_tool_call_list(v: &Value) -> Vec<EmittedCall> {
    let mut frontier: Vec<&Value> = vec![v];
    for _ in 0..8 {
        let mut next = Vec::new();
        for node in frontier {
            match node {
                Value::Object(map) => {
                    for key in ["tool_calls", "toolCalls"] {
                        if let Some(Value::Array(items)) = map.get(key) {
                            let calls: Vec<EmittedCall> =
                                items.iter().filter_map(tool_call_object).collect();
                            if !calls.is_empty() && calls.iter().any(|c| c.id.is_some()) {
                                return calls;
                            }
                        }
                    }
                    if let Some(Value::Array(items)) = map.get("output") {
                        let calls: Vec<EmittedCall> = items
                            .iter()
                            .filter(|i| {
                                i.get("type").and_then(Value::as_str) == Some("function_call")
                            })
                            .filter_map(tool_call_object)
                            .collect();
                        if !calls.is_empty() {
                            return calls;
                        }
                    }
                    next.extend(map.values());
                }
                Value::Array(items) => next.extend(items.iter()),
                _ => {}
            }
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    Vec::new()
}

/// Finds a `tool_call_id` (or `toolCallId`) string inside a JSON document, a few levels deep.
pub fn find_tool_call_id(v: &Value) -> Option<String> {
    let mut frontier: Vec<&Value> = vec![v];
    for _ in 0..6 {
        let mut next = Vec::new();
        for node in frontier {
            match node {
                Value::Object(map) => {
                    for key in ["tool_call_id", "toolCallId"] {
                        if let Some(id) = map.get(key).and_then(Value::as_str).and_then(clean_id) {
                            return Some(id);
                        }
                    }
                    next.extend(map.values());
                }
                Value::Array(items) => next.extend(items.iter()),
                _ => {}
            }
        }
        frontier = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hidden_ids_are_found_in_json_documents() {
        let out = json!({"generations":[[{"message":{"kwargs":{"tool_calls":[{"name":"a","args":{},"id":"call_1"},{"name":"b","args":{},"id":"call_2"}]}}}]]});
        let calls = find_tool_call_list(&out);
        assert_eq!(
            calls
                .iter()
                .map(|c| c.id.clone().unwrap())
                .collect::<Vec<_>>(),
            ["call_1", "call_2"]
        );
        let tool_msg = json!({"output":{"kwargs":{"content":"x","tool_call_id":"call_9"}}});
        assert_eq!(find_tool_call_id(&tool_msg).as_deref(), Some("call_9"));
        assert_eq!(find_tool_call_id(&json!("plain")), None);
        let resp = json!({"output":[{"type":"message"},{"type":"function_call","id":"fc_1","call_id":"call_7","name":"n","arguments":"{}"}]});
        assert_eq!(find_tool_call_list(&resp)[0].id.as_deref(), Some("call_7"));
    }
}
