//! Every format on runs that are odd or large: dangling indices from a buggy analysis, missing
//! times, zero-length and inverted calls, huge lanes, an empty run, hostile text, and a run of
//! 10,000 calls in 1,000 batches (which must export quickly). Nothing may panic and every output
//! must stay valid for its consumer.

use std::time::Instant;

use serde_json::json;

use super::fixtures;
use super::{audit, export, AuditFormat, ExportFormat};
use crate::analysis::*;
use crate::model::*;

fn all_formats(t: &AnalyzedTrace) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for f in [
        ExportFormat::Perfetto,
        ExportFormat::Svg,
        ExportFormat::Md,
        ExportFormat::Json,
    ] {
        let mut buf = Vec::new();
        export(t, None, f, &mut buf).expect("export");
        out.push((f.as_str().to_owned(), buf));
    }
    for (name, f) in [
        ("sarif", AuditFormat::Sarif),
        ("junit", AuditFormat::Junit),
        ("table", AuditFormat::Table),
        ("audit-json", AuditFormat::Json),
    ] {
        let mut buf = Vec::new();
        audit(
            std::slice::from_ref(t),
            &[],
            f,
            Some(Severity::Latent),
            &mut buf,
        )
        .expect("audit");
        out.push((name.to_owned(), buf));
    }
    let r = super::trace_report(t, None).unwrap();
    let mut buf = Vec::new();
    super::text::write_show(&r, &mut buf).unwrap();
    super::text::write_why(&r, &mut buf).unwrap();
    out.push(("text".to_owned(), buf));
    out
}

fn assert_valid(t: &AnalyzedTrace) {
    for (name, bytes) in all_formats(t) {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{name}: not UTF-8"));
        match name.as_str() {
            "perfetto" => {
                super::perfetto::check::assert_valid(&serde_json::from_str(&text).unwrap())
            }
            "svg" | "junit" => {
                roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            "json" | "sarif" | "audit-json" => {
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            _ => assert!(!text.contains('\u{1b}'), "{name}"),
        }
    }
}

#[test]
fn a_buggy_analysis_cannot_make_exports_panic_or_go_invalid() {
    let mut t = fixtures::lost_update();
    t.analysis.findings[0].calls = vec![0, 99];
    t.analysis.findings[0].batch = 42;
    t.analysis.findings.push(Finding {
        calls: vec![],
        ..t.analysis.findings[0].clone()
    });
    t.analysis.lanes[0].lanes = vec![1_000_000, 7];
    t.analysis.suspects = vec![5];
    t.analysis.why.steps.push(WhyStep::Finding {
        finding: 9,
        sibling: Some(77),
    });
    t.analysis.why.steps.push(WhyStep::Call {
        call: 1234,
        value: None,
    });
    t.analysis.flow.push(FlowEdge {
        from_call: 500,
        to: FlowTarget::ModelCall(600),
        value: "x".into(),
    });
    t.analysis.latency.batches[0].speedup = Some(f64::INFINITY);
    t.analysis.latency.tool_share = Some(f64::NAN);
    assert_valid(&t);
    let svg = super::svg::render(&super::trace_report(&t, None).unwrap());
    let lanes = roxmltree::Document::parse(&svg)
        .unwrap()
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .count();
    assert!(
        lanes <= 3,
        "a wild lane number does not create a million rows ({lanes})"
    );
}

#[test]
fn odd_times_and_missing_pieces_still_export() {
    let mut t = fixtures::context_dependency();
    // Zero-length, inverted, and never-executed calls; a batch with no emitting model call.
    t.run.tool_calls[0].end_unix_nano = t.run.tool_calls[0].start_unix_nano;
    let inverted = &mut t.run.tool_calls[1];
    std::mem::swap(&mut inverted.start_unix_nano, &mut inverted.end_unix_nano);
    t.run.tool_calls[2].start_unix_nano = None;
    t.run.tool_calls[2].end_unix_nano = None;
    t.run.tool_calls[2].status = CallStatus::NotExecuted;
    t.run.batches[1].emitted_by = None;
    t.run.final_answer = None;
    t.run.tool_calls[0].arguments = Some(json!("\u{1b}]52;c;cGF5bG9hZA==\u{7}<x/>"));
    assert_valid(&t);
}

#[test]
fn an_empty_run_exports_cleanly() {
    let mut t = fixtures::read_only();
    t.run.model_calls.clear();
    t.run.tool_calls.clear();
    t.run.batches.clear();
    t.run.final_answer = None;
    t.analysis = Analysis::default();
    assert_valid(&t);
}

/// `batches` batches of 10 overlapping siblings, one finding per batch.
fn large_run(batches: usize) -> AnalyzedTrace {
    let base = fixtures::lost_update();
    let ms = 1_000_000u64;
    let mut run = base.run.clone();
    run.model_calls.clear();
    run.tool_calls.clear();
    run.batches.clear();
    let mut analysis = Analysis::default();
    for b in 0..batches {
        let t0 = 1_700_000_000_000_000_000 + b as u64 * 100 * ms;
        let mut m = base.run.model_calls[0].clone();
        m.index = b;
        m.start_unix_nano = Some(t0);
        m.end_unix_nano = Some(t0 + 20 * ms);
        m.emitted = (b * 10..b * 10 + 10).collect();
        run.model_calls.push(m);
        for k in 0..10usize {
            let i = b * 10 + k;
            let mut c = base.run.tool_calls[0].clone();
            c.index = i;
            c.call_id = Some(format!("call_{i}"));
            c.batch = Some(b);
            c.emitted_by = Some(b);
            c.start_unix_nano = Some(t0 + 25 * ms + k as u64 * ms);
            c.end_unix_nano = Some(t0 + 60 * ms + k as u64 * ms);
            run.tool_calls.push(c);
            analysis.accesses.push(base.analysis.accesses[0].clone());
        }
        run.batches.push(Batch {
            index: b,
            id: format!("b{}", b + 1),
            emitted_by: Some(b),
            calls: (b * 10..b * 10 + 10).collect(),
        });
        analysis.lanes.push(BatchLanes {
            batch: b,
            lanes: (0..10).collect(),
            lane_count: 10,
        });
        analysis.findings.push(Finding {
            batch: b,
            calls: vec![b * 10, b * 10 + 1],
            ..base.analysis.findings[0].clone()
        });
        analysis.flow.push(FlowEdge {
            from_call: b * 10,
            to: FlowTarget::ModelCall((b + 1).min(batches - 1)),
            value: "v".into(),
        });
    }
    AnalyzedTrace { run, analysis }
}

#[test]
fn ten_thousand_calls_export_in_every_format_in_linear_time() {
    let time = |batches: usize| {
        let t = large_run(batches);
        let start = Instant::now();
        let outputs = all_formats(&t);
        (start.elapsed(), outputs)
    };
    let (small, _) = time(100);
    let (large, outputs) = time(1000);
    eprintln!(
        "all formats: 1,000 calls {small:?}; 10,000 calls / 1,000 batches {large:?} ({} bytes)",
        outputs.iter().map(|o| o.1.len()).sum::<usize>()
    );
    // Ten times the calls may cost about ten times as much, not a hundred: quadratic work fails
    // this whatever the machine's speed (debug builds on a shared machine are slow but linear).
    assert!(
        large < small * 30 + std::time::Duration::from_millis(500),
        "{small:?} -> {large:?}"
    );
    super::perfetto::check::assert_valid(&serde_json::from_slice(&outputs[0].1).unwrap());
    let svg = String::from_utf8(outputs[1].1.clone()).unwrap();
    assert!(
        svg.contains("… and 980 more findings"),
        "the picture counts what it does not list"
    );
    // The Markdown stays a comment a code host accepts (GitHub's limit is 65,536 characters).
    let md = String::from_utf8(outputs[2].1.clone()).unwrap();
    assert!(
        md.chars().count() < 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(
        md.contains("more batches without findings") || md.contains("more findings"),
        "the long run is summarized"
    );
    let rows = md.lines().filter(|l| l.starts_with("| b")).count();
    assert_eq!(rows, super::markdown::MAX_TABLE_ROWS);
}
