//! Validates every export that has a schema against it: the JSON contract against
//! `assets/fanout-report.schema.json`, SARIF against the SARIF 2.1.0 subset in
//! `tests/fixtures/schemas/`. Also checks that the schema and `docs/json-schema.md` name every
//! field the writer emits, so the three cannot drift apart.

use serde_json::Value;

use super::dto::Report;
use super::fixtures;

pub const REPORT_SCHEMA: &str = include_str!("../../assets/fanout-report.schema.json");
const SARIF_SCHEMA: &str =
    include_str!("../../tests/fixtures/schemas/sarif-2.1.0-subset.schema.json");

fn validate(schema: &str, doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(schema).expect("schema is JSON");
    let v = jsonschema::validator_for(&schema).expect("schema compiles");
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn every_fixture_report_matches_the_published_schema() {
    let mut all = fixtures::all();
    // A run whose pieces are missing must validate too.
    let mut bare = fixtures::read_only();
    bare.run.final_answer = None;
    bare.run.tool_calls[0].arguments = None;
    bare.run.tool_calls[0].call_id = None;
    all.push(bare);
    all.push(with_session());
    let doc = serde_json::to_value(Report::new(&all)).unwrap();
    let errors = validate(REPORT_SCHEMA, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_schema_rejects_what_the_contract_forbids() {
    let mut doc = serde_json::to_value(Report::new(&[fixtures::lost_update()])).unwrap();
    doc["traces"][0]["findings"][0]["severity"] = "catastrophic".into();
    doc["traces"][0]["surprise"] = 1.into();
    let errors = validate(REPORT_SCHEMA, &doc);
    assert!(errors.len() >= 2, "{errors:#?}");
}

#[test]
fn sarif_output_matches_the_sarif_subset_schema() {
    let doc = super::sarif::document(&Report::new(&fixtures::all()));
    let errors = validate(SARIF_SCHEMA, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let mut bad = doc.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !validate(SARIF_SCHEMA, &bad).is_empty(),
        "the subset schema is not a no-op"
    );
}

/// A coding-agent subagent run: every session field set.
fn with_session() -> crate::analysis::AnalyzedTrace {
    let mut t = fixtures::lost_update();
    let text = |s: &str| Some(s.to_owned());
    t.run.session = Some(crate::model::SessionInfo {
        agent: text("claude-code"),
        agent_version: text("2.1.90"),
        session_id: text("7d1e"),
        project: text("/home/dev/shop"),
        git_branch: text("main"),
        parent_session_id: text("5a0c"),
        parent_call_id: text("toolu_1"),
    });
    t
}

fn keys(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                // Arguments and results are the trace's own JSON, not part of the contract.
                if k != "arguments" && k != "result" {
                    out.insert(k.clone());
                    keys(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn the_docs_and_schema_name_every_emitted_field() {
    let mut all = fixtures::all();
    all.push(with_session());
    let doc = serde_json::to_value(Report::new(&all)).unwrap();
    let mut emitted = std::collections::BTreeSet::new();
    keys(&doc, &mut emitted);
    let docs = include_str!("../../docs/json-schema.md");
    for k in &emitted {
        assert!(
            REPORT_SCHEMA.contains(&format!("\"{k}\"")),
            "schema lacks {k}"
        );
        assert!(
            docs.contains(&format!("`{k}`")),
            "docs/json-schema.md lacks `{k}`"
        );
    }
}
