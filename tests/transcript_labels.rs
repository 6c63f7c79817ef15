//! Conversations of one transcript dataset are told apart in the trace list: by their own id
//! when the record names one (also kept as `gen_ai.conversation.id`), else by their first user
//! words.

mod common;

use common::{fanout_in, text};
use serde_json::{json, Value};

fn conversation(user: &str, metadata: Option<Value>) -> Value {
    let mut body = json!({
        "model": "gpt-4.1",
        "messages": [
            {"role": "user", "content": user},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "deposit", "arguments": "{\"account_id\": \"A-1\", \"amount\": 10}"}},
                {"id": "call_2", "type": "function", "function": {"name": "deposit", "arguments": "{\"account_id\": \"A-1\", \"amount\": 20}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"new_balance\": 110}"},
            {"role": "tool", "tool_call_id": "call_2", "content": "{\"new_balance\": 120}"},
            {"role": "assistant", "content": "The balance is 120."}
        ]
    });
    if let Some(m) = metadata {
        body["metadata"] = m;
    }
    body
}

#[test]
fn each_conversation_of_a_dataset_has_its_own_name_in_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dataset.jsonl");
    let lines = [
        conversation(
            "Credit A-1 with the refund and the goodwill payment, then report.",
            None,
        ),
        conversation("Credit A-1 twice and tell me the balance", None),
        conversation(
            "Credit A-1 twice and tell me the balance",
            Some(json!({"id": "task-42"})),
        ),
    ];
    let body: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&file, body.join("\n") + "\n").unwrap();
    let db = dir.path().join("t.db");
    let out = fanout_in(dir.path(), Some(&db), &["ingest", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = fanout_in(dir.path(), Some(&db), &["list", "--json"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut names: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["root_name"].as_str().unwrap_or("").to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "conversation task-42",
            "\u{201c}Credit A-1 twice and tell me the balance\u{201d}",
            "\u{201c}Credit A-1 with the refund and the goodwill paym…\u{201d}",
        ],
        "{rows:#}"
    );
    // The id is also the run's session in every report.
    let out = fanout_in(
        dir.path(),
        None,
        &["audit", "--format", "json", file.to_str().unwrap()],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sessions: Vec<&Value> = report["traces"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.get("session"))
        .collect();
    assert_eq!(sessions.len(), 1, "{report:#}");
    assert_eq!(sessions[0]["session_id"], "task-42");
}
