//! OTLP/JSON ingest: the real corpus reads with the manifests' trace ids and span counts, and
//! every kind of bad input gets one clear message naming file, line and field.

mod common;

use fanout::ingest::{read_any, Format, OnInvalid, ReadError, VecSink};
use fanout::model::{AnyValue, SpanKind, StatusCode};

fn read_str(text: &str) -> Result<VecSink, ReadError> {
    let mut sink = VecSink::default();
    read_any(
        "t.jsonl",
        text.as_bytes(),
        Some(Format::OtlpJson),
        OnInvalid::Fail,
        &mut sink,
    )?;
    Ok(sink)
}

fn err(text: &str) -> String {
    match read_str(text) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e.to_string(),
    }
}

const SPAN: &str = r#"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"chat","startTimeUnixNano":"1000","endTimeUnixNano":"2000"}"#;

fn doc(span: &str) -> String {
    format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{span}]}}]}}]}}"#)
}

#[test]
fn every_corpus_json_file_reads_with_its_manifest_trace_id_and_span_count() {
    let Some(root) = common::corpus_dir() else {
        return common::skip_without_corpus("every_corpus_json_file_reads");
    };
    let files: Vec<_> = common::corpus_files(&root)
        .into_iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    assert!(
        files.len() >= 20,
        "expected the whole corpus, found {} files",
        files.len()
    );
    for f in files {
        let spans = fanout::ingest::load_path(&f.path).unwrap_or_else(|e| panic!("{}: {e}", f.id));
        assert_eq!(spans.len(), f.span_count, "{}", f.id);
        assert!(
            spans.iter().all(|s| s.trace_id.to_string() == f.trace_id),
            "{}",
            f.id
        );
    }
}

#[test]
fn lenient_spellings_are_accepted() {
    let text = r#"{"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"svc"}}]},
      "instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"lib"},"spans":[
        {"trace_id":"5B8EFFF798038103D269B633813FC60C","span_id":"EEE19B7EC3C1B174","parent_span_id":"","name":"x",
         "kind":"SPAN_KIND_CLIENT","start_time_unix_nano":1000,"end_time_unix_nano":"2000",
         "status":{"code":"STATUS_CODE_ERROR","message":"boom"},
         "attributes":[{"key":"n","value":{"intValue":5}},{"key":"a","value":{"arrayValue":{}}},
                       {"key":"kv","value":{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":true}}]}}},
                       {"key":"b","value":{"bytesValue":"AAE="}},{"key":"e","value":{}}]}]}]}]}"#;
    let sink = read_str(text).unwrap();
    let s = &sink.spans[0];
    assert_eq!(s.trace_id.to_string(), "5b8efff798038103d269b633813fc60c");
    assert_eq!(s.parent_span_id, None);
    assert_eq!(s.kind, SpanKind::Client);
    assert_eq!(s.status.code, StatusCode::Error);
    assert_eq!(s.scope.name, "lib");
    assert_eq!(s.resource.service_name(), Some("svc"));
    assert_eq!(s.attr("n"), Some(&AnyValue::Int(5)));
    assert_eq!(s.attr("a"), Some(&AnyValue::Array(vec![])));
    assert_eq!(s.attr("b"), Some(&AnyValue::Bytes(vec![0, 1])));
    assert_eq!(s.attr("e"), Some(&AnyValue::Empty));
}

#[test]
fn base64_ids_from_old_exporters_are_decoded() {
    let span = SPAN
        .replace(
            "5b8efff798038103d269b633813fc60c",
            "W47/95gDgQPSabYzgT/GDA==",
        )
        .replace("eee19b7ec3c1b174", "7uGbfsPBsXQ=");
    let sink = read_str(&doc(&span)).unwrap();
    assert_eq!(
        sink.spans[0].trace_id.to_string(),
        "5b8efff798038103d269b633813fc60c"
    );
    assert_eq!(sink.spans[0].span_id.to_string(), "eee19b7ec3c1b174");
}

#[test]
fn a_pretty_printed_single_document_reads() {
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(&doc(SPAN)).unwrap(),
    )
    .unwrap();
    assert_eq!(read_str(&pretty).unwrap().spans.len(), 1);
}

#[test]
fn json_lines_of_several_requests_read_all_spans() {
    let text = format!(
        "{}\n\n{}\n",
        doc(SPAN),
        doc(&SPAN.replace("eee19b7ec3c1b174", "eee19b7ec3c1b175"))
    );
    assert_eq!(read_str(&text).unwrap().spans.len(), 2);
}

#[test]
fn truncated_line_names_the_line() {
    let text = format!("{}\n{}", doc(SPAN), &doc(SPAN)[..60]);
    let e = err(&text);
    assert!(e.starts_with("t.jsonl:2:"), "{e}");
    assert!(e.contains("truncated"), "{e}");
}

#[test]
fn invalid_json_names_line_and_column() {
    let e = err(&format!("{}\n{{\"resourceSpans\": [}}\n", doc(SPAN)));
    assert!(e.starts_with("t.jsonl:2:"), "{e}");
    assert!(e.contains("invalid JSON at column"), "{e}");
}

#[test]
fn wrong_type_names_the_field_path() {
    let e = err(&doc(&SPAN.replace(r#""name":"chat""#, r#""name":42"#)));
    assert!(
        e.contains("t.jsonl:1: resourceSpans[0].scopeSpans[0].spans[0].name:"),
        "{e}"
    );
    assert!(e.contains("expected a string"), "{e}");
}

#[test]
fn bad_id_length_names_the_field() {
    let e = err(&doc(&SPAN.replace("eee19b7ec3c1b174", "eee19b")));
    assert!(
        e.contains("resourceSpans[0].scopeSpans[0].spans[0].spanId"),
        "{e}"
    );
    assert!(e.contains("expected 16 hex characters, got 6"), "{e}");
}

#[test]
fn non_hex_id_is_refused() {
    let e = err(&doc(&SPAN.replace(
        "5b8efff798038103d269b633813fc60c",
        "zz8efff798038103d269b633813fc60c",
    )));
    assert!(
        e.contains("traceId") && e.contains("not a hex character"),
        "{e}"
    );
}

#[test]
fn end_before_start_is_refused() {
    let e = err(&doc(&SPAN.replace(
        r#""endTimeUnixNano":"2000""#,
        r#""endTimeUnixNano":"500""#,
    )));
    assert!(
        e.contains("endTimeUnixNano") && e.contains("ends before it starts"),
        "{e}"
    );
}

#[test]
fn missing_required_id_is_refused() {
    let e = err(&doc(&SPAN.replace(r#""spanId":"eee19b7ec3c1b174","#, "")));
    assert!(e.contains("spans[0].spanId: missing required id"), "{e}");
}

#[test]
fn empty_input_is_refused() {
    let e = err("\n\n");
    assert!(e.contains("empty input"), "{e}");
}

#[test]
fn unknown_format_is_refused_by_detection() {
    let mut sink = VecSink::default();
    let e = read_any("notes.txt", &b"hello"[..], None, OnInvalid::Fail, &mut sink)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("notes.txt: unknown format"), "{e}");
}

#[test]
fn skip_invalid_keeps_good_lines_and_lists_bad_ones() {
    let text = format!(
        "{}\nnot json\n{}\n",
        doc(SPAN),
        doc(&SPAN.replace("eee19b7ec3c1b174", "eee19b7ec3c1b176"))
    );
    let mut sink = VecSink::default();
    let (_, stats) = read_any(
        "t.jsonl",
        text.as_bytes(),
        Some(Format::OtlpJson),
        OnInvalid::Skip,
        &mut sink,
    )
    .unwrap();
    assert_eq!((stats.spans, stats.skipped), (2, 1));
    assert_eq!(sink.skipped.len(), 1);
    assert!(sink.skipped[0].to_string().starts_with("t.jsonl:2:"));
}

#[test]
fn garbage_never_panics() {
    let base = doc(SPAN);
    for cut in 0..base.len() {
        let _ = read_str(&base[..cut]);
        let mut bytes = base.as_bytes().to_vec();
        bytes[cut] = b'"';
        let _ = read_any(
            "t",
            &bytes[..],
            Some(Format::OtlpJson),
            OnInvalid::Skip,
            &mut VecSink::default(),
        );
    }
}
