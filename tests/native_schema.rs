//! assets/native-format.schema.json against the native samples, the example in
//! docs/native-format.md, and lines both the schema and the reader must refuse.

use std::path::PathBuf;

use fanout::ingest::native;
use fanout::ingest::{OnInvalid, VecSink};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("assets/native-format.schema.json"))
        .expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::draft202012::meta::validate(&schema).expect("the schema is a valid 2020-12 schema");
    jsonschema::draft202012::new(&schema).expect("schema compiles")
}

fn problems(v: &jsonschema::Validator, line: &str) -> Vec<String> {
    let instance: Value = serde_json::from_str(line).expect("line is JSON");
    v.iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// The lines between the ```jsonl fence that follows "<!-- example -->" in the spec.
fn doc_example() -> String {
    let doc = std::fs::read_to_string(root().join("docs/native-format.md"))
        .expect("docs/native-format.md");
    let after = doc
        .split("<!-- example -->")
        .nth(1)
        .expect("the spec marks its example");
    let body = after.split("```jsonl\n").nth(1).expect("example fence");
    body.split("```").next().unwrap_or_default().to_owned()
}

#[test]
fn every_sample_line_and_the_documented_example_match_the_schema() {
    let v = validator();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root().join("sample-traces")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".native.jsonl") {
            files.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    assert_eq!(files.len(), 8);
    files.push(("docs/native-format.md example".to_owned(), doc_example()));
    for (name, text) in &files {
        let mut lines = 0;
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let errs = problems(&v, line);
            assert!(errs.is_empty(), "{name}:{}: {errs:?}", i + 1);
            lines += 1;
        }
        assert!(lines >= 5, "{name}: {lines} lines");
    }
}

#[test]
fn the_documented_example_reads_into_spans() {
    let text = doc_example();
    let mut sink = VecSink::default();
    let stats = native::read("example.jsonl", text.as_bytes(), OnInvalid::Fail, &mut sink)
        .expect("example parses");
    assert_eq!(stats.skipped, 0);
    assert_eq!(sink.spans.len(), 5, "root, two chats, two tool calls");
    let writes = sink
        .spans
        .iter()
        .filter(|s| s.attr("fanout.resource.read_writes").is_some())
        .count();
    assert_eq!(writes, 2);
}

#[test]
fn the_schema_and_the_reader_refuse_the_same_bad_lines() {
    let v = validator();
    let head = "{\"fanout\":\"native\",\"version\":1}";
    let bad_records = [
        r#"{"type":"span","id":"x"}"#,
        r#"{"id":"x","name":"f"}"#,
        r#"{"type":"tool_call","id":"c1"}"#,
        r#"{"type":"tool_call","id":"","name":"f"}"#,
        r#"{"type":"tool_call","id":"c1","name":"f","started_at":10}"#,
        r#"{"type":"tool_call","id":"c1","name":"f","started_at":"last tuesday","ended_at":10}"#,
        r#"{"type":"tool_call","id":"c1","name":"f","accesses":[{"resource":"r","mode":"rw"}]}"#,
        r#"{"type":"tool_call","id":"c1","name":"f","error":{}}"#,
        r#"{"type":"model_call","id":"m1","tool_calls":[{"name":"f"}]}"#,
        r#"{"type":"model_call","id":"m1","input":[{"content":"no role"}]}"#,
        r#"{"type":"model_call","id":"m1","usage":{"input_tokens":-1}}"#,
        r#"{"type":"final_answer"}"#,
        r#"{"type":"run","tools":[{"description":"no name"}]}"#,
    ];
    for line in bad_records {
        assert!(!problems(&v, line).is_empty(), "schema accepts {line}");
        let text = format!("{head}\n{line}\n");
        let mut sink = VecSink::default();
        assert!(
            native::read("bad.jsonl", text.as_bytes(), OnInvalid::Fail, &mut sink).is_err(),
            "reader accepts {line}"
        );
    }
    for header in [
        r#"{"fanout":"native","version":2}"#,
        r#"{"fanout":"native"}"#,
        r#"{"fanout":"otlp","version":1}"#,
    ] {
        assert!(!problems(&v, header).is_empty(), "schema accepts {header}");
        let mut sink = VecSink::default();
        assert!(
            native::read("bad.jsonl", header.as_bytes(), OnInvalid::Fail, &mut sink).is_err(),
            "reader accepts {header}"
        );
    }
    // Unknown fields are allowed by both.
    let extra = r#"{"type":"final_answer","text":"ok","confidence":0.9}"#;
    assert!(problems(&v, extra).is_empty());
}
