//! Every export and audit format over the bundled samples and the shared corpus: each output is
//! structurally valid for its consumer (Chrome trace rules, XML, SARIF, JUnit, the JSON schema,
//! Markdown table and code block) and says the same thing as the analysis it came from (one
//! batch row / test case per batch, one SARIF result per finding, every finding's calls
//! highlighted in the SVG, no escape sequence in terminal text).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fanout::analysis::{analyze_trace, AnalyzedTrace, Catalog, Severity};
use fanout::export::{self, dto::Report, perfetto, AuditFormat, ExportFormat};
use fanout::ingest::load_path;
use fanout::model::{Trace, TraceId};
use serde_json::Value;

const REPORT_SCHEMA: &str = include_str!("../assets/fanout-report.schema.json");
const SARIF_SCHEMA: &str = include_str!("fixtures/schemas/sarif-2.1.0-subset.schema.json");

fn analysed(path: &Path) -> Vec<AnalyzedTrace> {
    let spans = load_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut by_trace: BTreeMap<TraceId, Vec<_>> = BTreeMap::new();
    for s in spans {
        by_trace.entry(s.trace_id).or_default().push(s);
    }
    by_trace
        .into_iter()
        .map(|(id, spans)| analyze_trace(&Trace::new(id, spans), &Catalog::default()))
        .collect()
}

fn render(t: &AnalyzedTrace, batch: Option<&str>, f: ExportFormat) -> String {
    let mut buf = Vec::new();
    export::export(t, batch, f, &mut buf).expect("export");
    String::from_utf8(buf).expect("UTF-8")
}

fn schema_errors(schema: &str, doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(schema).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// All checks for one analysed trace; `what` names it in failures.
fn check_trace(what: &str, t: &AnalyzedTrace) {
    let run = &t.run;
    let a = &t.analysis;

    // JSON: valid against the schema, one entry per batch and finding.
    let json: Value = serde_json::from_str(&render(t, None, ExportFormat::Json)).unwrap();
    let errors = schema_errors(REPORT_SCHEMA, &json);
    assert!(errors.is_empty(), "{what}: JSON schema: {errors:#?}");
    assert_eq!(
        json["traces"][0]["batches"].as_array().unwrap().len(),
        run.batches.len(),
        "{what}"
    );
    assert_eq!(
        json["traces"][0]["findings"].as_array().unwrap().len(),
        a.findings.len(),
        "{what}"
    );

    // Perfetto: Chrome trace rules hold; every timed call is a complete event on a tool lane.
    let trace: Value = serde_json::from_str(&render(t, None, ExportFormat::Perfetto)).unwrap();
    let problems = perfetto::check::problems(&trace);
    assert!(problems.is_empty(), "{what}: Perfetto: {problems:#?}");
    let tool_events = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"].as_str().is_some_and(|c| c.starts_with("tool")))
        .count();
    let untimed = run.timing == fanout::model::Timing::Absent;
    let placed = run
        .tool_calls
        .iter()
        .filter(|c| c.batch.is_some() && (untimed || c.start_unix_nano.is_some()))
        .count();
    assert_eq!(
        tool_events, placed,
        "{what}: one complete event per placed call"
    );

    // SVG: well-formed; each finding's calls hatched, its resource linked; a band per parallel batch.
    let svg = render(t, None, ExportFormat::Svg);
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{what}: SVG: {e}"));
    let highlighted: BTreeSet<&str> = doc
        .descendants()
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.starts_with("call conflict"))
        })
        .filter_map(|n| n.attribute("data-call-id"))
        .collect();
    let expected: BTreeSet<String> = a
        .findings
        .iter()
        .flat_map(|f| f.calls.iter())
        .filter_map(|&i| run.tool_calls.get(i))
        .filter(|c| untimed || c.start_unix_nano.is_some())
        .map(|c| c.display_id())
        .collect();
    assert_eq!(
        highlighted,
        expected.iter().map(String::as_str).collect(),
        "{what}: highlighted calls"
    );
    for f in &a.findings {
        assert!(
            doc.descendants()
                .any(|n| n.attribute("data-resource") == Some(f.resource.as_str())),
            "{what}: link for {}",
            f.resource
        );
    }
    let bands = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("batch") && n.attribute("data-batch-id").is_some())
        .count();
    let parallel_placed = run
        .batches
        .iter()
        .filter(|b| {
            b.is_parallel()
                && b.calls.iter().any(|&c| {
                    run.tool_calls
                        .get(c)
                        .is_some_and(|c| untimed || c.start_unix_nano.is_some())
                })
        })
        .count();
    assert_eq!(bands, parallel_placed, "{what}: batch bands");

    // Markdown: a table row per batch and one fenced sketch.
    let md = render(t, None, ExportFormat::Md);
    let header = md
        .lines()
        .position(|l| l.starts_with("| Batch |"))
        .unwrap_or_else(|| panic!("{what}: no table"));
    let rows = md
        .lines()
        .skip(header + 2)
        .take_while(|l| l.starts_with('|'))
        .count();
    let cap = export::markdown::MAX_TABLE_ROWS;
    let expected_rows = if run.batches.len() > cap {
        cap + 1
    } else {
        run.batches.len()
    };
    assert_eq!(rows, expected_rows, "{what}: table rows");
    assert_eq!(
        md.matches("```text\n").count(),
        1,
        "{what}: one sketch block"
    );
    assert_eq!(
        md.lines().filter(|l| l.starts_with("- ")).count(),
        a.findings.len().min(export::markdown::MAX_FINDINGS + 1),
        "{what}: a sentence per finding"
    );

    // Every batch exports on its own.
    for b in &run.batches {
        let one: Value =
            serde_json::from_str(&render(t, Some(&b.id), ExportFormat::Perfetto)).unwrap();
        assert!(
            perfetto::check::problems(&one).is_empty(),
            "{what} --batch {}",
            b.id
        );
    }

    // Terminal text carries no escape sequences.
    let report = export::trace_report(t, None).unwrap();
    for write in [export::text::write_show, export::text::write_why] {
        let mut buf = Vec::new();
        write(&report, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(
            !s.chars().any(|c| c.is_control() && c != '\n'),
            "{what}: control characters in terminal text"
        );
    }
}

/// Audit formats over a set of traces.
fn check_audit(what: &str, traces: &[AnalyzedTrace]) {
    let findings: usize = traces.iter().map(|t| t.analysis.findings.len()).sum();
    let batches: usize = traces.iter().map(|t| t.run.batches.len()).sum();
    let out = |f: AuditFormat| {
        let mut buf = Vec::new();
        export::audit(traces, &[], f, Some(Severity::Observed), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    };
    let sarif: Value = serde_json::from_str(&out(AuditFormat::Sarif)).unwrap();
    let errors = schema_errors(SARIF_SCHEMA, &sarif);
    assert!(errors.is_empty(), "{what}: SARIF: {errors:#?}");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        findings,
        "{what}: SARIF results"
    );
    let junit = out(AuditFormat::Junit);
    let doc = roxmltree::Document::parse(&junit).unwrap_or_else(|e| panic!("{what}: JUnit: {e}"));
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        batches,
        "{what}: test cases"
    );
    let json: Value = serde_json::from_str(&out(AuditFormat::Json)).unwrap();
    assert!(
        schema_errors(REPORT_SCHEMA, &json).is_empty(),
        "{what}: audit JSON"
    );
    let table = out(AuditFormat::Table);
    assert!(table.contains("fail-on observed"), "{what}: verdict line");
}

fn sample_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.to_str()
                .is_some_and(|s| s.ends_with(".otlp.json") || s.ends_with(".native.jsonl"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_format_is_valid_and_faithful_on_the_bundled_samples() {
    let files = sample_files();
    assert!(files.len() >= 14, "samples missing: {files:?}");
    let mut all = Vec::new();
    for f in &files {
        for t in analysed(f) {
            check_trace(&f.display().to_string(), &t);
            all.push(t);
        }
    }
    check_audit("samples", &all);
    let report = Report::new(&all);
    assert_eq!(
        report.traces.len(),
        files.len(),
        "one trace per sample file"
    );
}

#[test]
fn every_format_is_valid_and_faithful_on_the_shared_corpus() {
    let Some(root) = common::corpus_dir() else {
        common::skip_without_corpus("every_format_is_valid_and_faithful_on_the_shared_corpus");
        return;
    };
    let mut all = Vec::new();
    let mut files = 0;
    for f in common::corpus_files(&root) {
        // The node manifest names protobuf twins that are not all shipped.
        if !f.path.exists() {
            continue;
        }
        files += 1;
        for t in analysed(&f.path) {
            check_trace(&f.path.display().to_string(), &t);
            all.push(t);
        }
    }
    assert!(
        files >= 20,
        "corpus files (JSON Lines and protobuf): {files}"
    );
    check_audit("corpus", &all);
}

/// The ground truth of `sample-traces/expected.json`, seen through the exports: each expected
/// conflict is highlighted in the SVG and is a SARIF result with its kind and calls, the culprit
/// batch is the first suspect in the JSON, and the why-path's calls are named by `fanout why`.
#[test]
fn the_samples_ground_truth_shows_in_every_format() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    for (name, x) in expected["traces"].as_object().unwrap() {
        let file = dir.join(format!("{name}.otlp.json"));
        let traces = analysed(&file);
        let t = traces.first().unwrap_or_else(|| panic!("{name}: no trace"));
        let svg = render(t, None, ExportFormat::Svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let highlighted: BTreeSet<&str> = doc
            .descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.starts_with("call conflict"))
            })
            .filter_map(|n| n.attribute("data-call-id"))
            .collect();
        let mut sarif_buf = Vec::new();
        export::audit(
            std::slice::from_ref(t),
            &[],
            AuditFormat::Sarif,
            Some(Severity::Observed),
            &mut sarif_buf,
        )
        .unwrap();
        let sarif: Value = serde_json::from_slice(&sarif_buf).unwrap();
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        for c in x["conflicts"].as_array().unwrap() {
            let calls: Vec<&str> = c["calls"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            for id in &calls {
                assert!(
                    highlighted.contains(id),
                    "{name}: {id} not highlighted in the SVG"
                );
            }
            let rule = c["kind"].as_str().unwrap().replace('_', "-");
            assert!(
                results.iter().any(|r| r["ruleId"] == rule.as_str()
                    && calls.iter().all(|id| r["properties"]["call_ids"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|v| v == id))),
                "{name}: no SARIF result {rule} for {calls:?}"
            );
        }
        if x["conflicts"].as_array().unwrap().is_empty() {
            assert!(
                highlighted.is_empty(),
                "{name}: nothing should be highlighted"
            );
        }
        let json: Value = serde_json::from_str(&render(t, None, ExportFormat::Json)).unwrap();
        if let Some(culprit) = x["culprit_batch"].as_str() {
            assert_eq!(
                json["traces"][0]["suspect_batch_ids"][0], culprit,
                "{name}: first suspect"
            );
            let md = render(t, None, ExportFormat::Md);
            assert!(
                md.contains(&format!("| {culprit} (suspect) |")),
                "{name}: suspect row in Markdown"
            );
        }
        let report = export::trace_report(t, None).unwrap();
        let mut why = Vec::new();
        export::text::write_why(&report, &mut why).unwrap();
        let why = String::from_utf8(why).unwrap();
        for id in x["why_path"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
        {
            assert!(why.contains(id), "{name}: why does not name {id}:\n{why}");
        }
    }
}
