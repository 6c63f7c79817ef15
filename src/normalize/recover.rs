//! Recovers the tool calls of a model call that recorded no output at all (OpenLLMetry with
//! Chat Completions): the next model call's input repeats the assistant's tool calls and the
//! results keyed by call id. Minds the Responses quirk where the repeated `tool_call` parts
//! carry `fc_…` item ids while the results carry the `call_…` call ids.

use std::collections::HashSet;

use super::matching::canonical;
use super::record::{EmittedCall, ModelRecord};
use crate::model::Degradation;

fn call_key(c: &EmittedCall) -> String {
    match &c.id {
        Some(id) => format!("id:{id}"),
        None => format!(
            "na:{}:{}",
            c.name,
            c.arguments.as_ref().map(canonical).unwrap_or_default()
        ),
    }
}

/// Fills `emitted` of every output-less model call (sorted by start) from its successor's
/// input, and records a degradation for each one.
pub fn recover_missing_outputs(models: &mut [ModelRecord], degraded: &mut Vec<Degradation>) {
    for i in 0..models.len() {
        if models[i].output_recorded || !models[i].emitted.is_empty() {
            continue;
        }
        let Some(next) = models.get(i + 1) else {
            degraded.push(Degradation {
                code: "model_output_not_recorded".into(),
                message: format!("model call '{}' (last) recorded no output", models[i].name),
            });
            continue;
        };
        // Calls already known before this turn: in this call's own input or emitted earlier.
        let mut known: HashSet<String> = models[i].history_calls.iter().map(call_key).collect();
        known.extend(
            models[..i]
                .iter()
                .flat_map(|m| m.emitted.iter().map(call_key)),
        );
        let known_results: HashSet<String> = models[i]
            .history_results
            .iter()
            .filter_map(|r| r.id.clone())
            .collect();
        let mut new_calls: Vec<EmittedCall> = Vec::new();
        for c in &next.history_calls {
            let key = call_key(c);
            if !known.contains(&key) && !new_calls.iter().any(|n| call_key(n) == key) {
                new_calls.push(c.clone());
            }
        }
        let new_results: Vec<String> = next
            .history_results
            .iter()
            .filter_map(|r| r.id.clone())
            .filter(|id| !known_results.contains(id))
            .collect();
        pair_item_ids_with_call_ids(&mut new_calls, &new_results);
        let n = new_calls.len();
        let name = models[i].name.clone();
        models[i].emitted = new_calls;
        degraded.push(Degradation {
            code: "model_output_not_recorded".into(),
            message: if n > 0 {
                format!("model call '{name}' recorded no output; its {n} tool call(s) were recovered from the next model call's input")
            } else {
                format!("model call '{name}' recorded no output and the next model call's input names no new tool call")
            },
        });
    }
}

/// Replaces call ids that no result answers (Responses `fc_` item ids) with the result ids no
/// call claims, in order.
fn pair_item_ids_with_call_ids(calls: &mut [EmittedCall], result_ids: &[String]) {
    let claimed: HashSet<&str> = calls.iter().filter_map(|c| c.id.as_deref()).collect();
    let mut free = result_ids
        .iter()
        .filter(|r| !claimed.contains(r.as_str()))
        .cloned()
        .collect::<Vec<_>>()
        .into_iter();
    let answered: HashSet<&String> = result_ids.iter().collect();
    for c in calls.iter_mut() {
        let unanswered = c.id.as_ref().is_none_or(|id| !answered.contains(id));
        if unanswered {
            if let Some(id) = free.next() {
                c.id = Some(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Convention, SpanId};
    use crate::normalize::record::HistoryResult;
    use serde_json::json;

    fn model(n: u8, out: bool) -> ModelRecord {
        ModelRecord {
            span_id: SpanId([n; 8]),
            convention: Convention::OpenLlmetry,
            name: format!("m{n}"),
            model: None,
            start: n as u64,
            end: n as u64,
            finish_reason: None,
            input: None,
            output_text: None,
            emitted: vec![],
            output_recorded: out,
            history_calls: vec![],
            history_results: vec![],
        }
    }

    fn call(id: &str, name: &str) -> EmittedCall {
        EmittedCall {
            id: Some(id.into()),
            name: name.into(),
            arguments: Some(json!({})),
        }
    }

    fn result(id: &str) -> HistoryResult {
        HistoryResult {
            id: Some(id.into()),
            value: json!("r"),
            is_error: false,
        }
    }

    #[test]
    fn calls_come_from_the_next_input_minus_what_was_known() {
        let mut m1 = model(1, false);
        m1.history_calls = vec![call("call_old", "a")];
        m1.history_results = vec![result("call_old")];
        let mut m2 = model(2, true);
        m2.history_calls = vec![
            call("call_old", "a"),
            call("call_1", "b"),
            call("call_2", "c"),
        ];
        m2.history_results = vec![result("call_old"), result("call_1"), result("call_2")];
        let mut models = vec![m1, m2];
        let mut deg = vec![];
        recover_missing_outputs(&mut models, &mut deg);
        let ids: Vec<_> = models[0]
            .emitted
            .iter()
            .map(|c| c.id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["call_1", "call_2"]);
        assert_eq!(deg[0].code, "model_output_not_recorded");
    }

    #[test]
    fn responses_item_ids_are_swapped_for_call_ids() {
        let mut m2 = model(2, true);
        m2.history_calls = vec![call("fc_1", "a"), call("fc_2", "b")];
        m2.history_results = vec![result("call_A"), result("call_B")];
        let mut models = vec![model(1, false), m2];
        recover_missing_outputs(&mut models, &mut vec![]);
        let ids: Vec<_> = models[0]
            .emitted
            .iter()
            .map(|c| c.id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["call_A", "call_B"]);
    }
}
