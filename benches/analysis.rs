//! Analysis of a synthetic trace with 10,000 tool calls in 1,000 parallel batches: accesses,
//! conflicts, data flow, suspects, latency and lanes. Must stay well under a second.
//!
//! Each batch mixes the corpus' shapes: two deposits on one account (a lost update), a session
//! write beside a session read, create + use of an order, and independent lookups. Tool spans
//! carry the arguments and results, and the model inputs repeat the previous batch's results.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use fanout::analysis::{analyze, Catalog};
use fanout::model::{
    AnyValue, Batch, CallStatus, Convention, FinalAnswer, KeyValue, MatchEvidence, ModelCall, Run,
    Span, SpanId, SpanKind, Status, Timing, ToolCall, Trace, TraceId,
};
use serde_json::{json, Value};

const BATCHES: usize = 1_000;
const PER_BATCH: usize = 10;
const MS: u64 = 1_000_000;

fn call_for(b: usize, k: usize) -> (String, Value, Value) {
    let acct = format!("ACC-{}", b % 97);
    match k {
        0 | 1 => (
            "deposit".into(),
            json!({"account_id": acct, "amount": 10 + k}),
            json!({"account_id": acct, "previous_balance": 100 + b, "new_balance": 110 + b + k}),
        ),
        2 => (
            "set_preference".into(),
            json!({"session_id": format!("s{b}"), "key": "currency", "value": "EUR"}),
            json!({"ok": true}),
        ),
        3 => (
            "quote_cart".into(),
            json!({"session_id": format!("s{b}")}),
            json!({"currency": "USD", "total": 50.5 + b as f64}),
        ),
        4 => (
            "create_order".into(),
            json!({"order_id": format!("ORD-{b}"), "customer_id": format!("C-{b}")}),
            json!({"created": true, "order": {"id": format!("ORD-{b}"), "status": "open"}}),
        ),
        5 => (
            "add_order_line".into(),
            json!({"order_id": format!("ORD-{b}"), "sku": "SKU-9", "qty": 2}),
            json!({"line_id": b, "line_total_cents": 3998}),
        ),
        6 => (
            "read_file".into(),
            json!({"path": format!("docs/{b}/readme.md")}),
            json!({"content": format!("notes for batch {b}")}),
        ),
        7 => (
            "get_customer".into(),
            json!({"customer_id": format!("C-{b}")}),
            json!({"name": format!("Customer {b}"), "tier": "gold"}),
        ),
        8 => (
            "http_fetch".into(),
            json!({"url": format!("https://api.example.com/items/{b}"), "method": "GET"}),
            json!({"price": 1000 + b}),
        ),
        _ => (
            "run_sql".into(),
            json!({"sql": format!("UPDATE stock SET qty = qty - 1 WHERE id = 'SKU-{b}'")}),
            json!({"rows": 1}),
        ),
    }
}

fn span(id: u64, name: &str, start: u64, end: u64, attrs: Vec<KeyValue>) -> Span {
    Span {
        trace_id: TraceId([9; 16]),
        span_id: SpanId((id + 1).to_be_bytes()),
        parent_span_id: Some(SpanId(1u64.to_be_bytes())),
        trace_state: String::new(),
        flags: 0,
        name: name.into(),
        kind: SpanKind::Internal,
        start_unix_nano: start,
        end_unix_nano: end,
        attributes: attrs,
        dropped_attributes_count: 0,
        events: Vec::new(),
        dropped_events_count: 0,
        links: Vec::new(),
        dropped_links_count: 0,
        status: Status::default(),
        resource: Default::default(),
        scope: Default::default(),
    }
}

fn synthetic() -> (Trace, Run) {
    let t0 = 1_700_000_000_000 * MS;
    let mut spans = Vec::new();
    let mut run = Run {
        trace_id: TraceId([9; 16]),
        conventions: vec![Convention::GenAi],
        timing: Timing::Recorded,
        model_calls: Vec::new(),
        tool_calls: Vec::new(),
        batches: Vec::new(),
        final_answer: None,
        tool_definitions: Vec::new(),
        degraded: Vec::new(),
        session: None,
    };
    let mut clock = t0;
    let mut previous_results: Vec<Value> = Vec::new();
    for b in 0..BATCHES {
        let m = run.model_calls.len();
        run.model_calls.push(ModelCall {
            index: m,
            span_id: None,
            name: "chat".into(),
            model: Some("m".into()),
            start_unix_nano: Some(clock),
            end_unix_nano: Some(clock + 5 * MS),
            finish_reason: Some("tool_calls".into()),
            input: Some(Value::Array(std::mem::take(&mut previous_results))),
            output_text: None,
            emitted: Vec::new(),
            convention: Convention::GenAi,
        });
        clock += 6 * MS;
        let mut calls = Vec::new();
        for k in 0..PER_BATCH {
            let i = run.tool_calls.len();
            let (name, args, result) = call_for(b, k);
            let (start, end) = (clock + k as u64 * MS, clock + (20 + 3 * k as u64) * MS);
            spans.push(span(
                i as u64 + 10,
                &format!("execute_tool {name}"),
                start,
                end,
                vec![KeyValue::new(
                    "gen_ai.tool.name",
                    AnyValue::String(name.clone()),
                )],
            ));
            previous_results.push(result.clone());
            run.tool_calls.push(ToolCall {
                index: i,
                call_id: Some(format!("call_{b}_{k}")),
                name,
                arguments: Some(args),
                result: Some(result),
                error: None,
                status: CallStatus::Ok,
                emitted_by: Some(m),
                batch: Some(b),
                span_id: Some(SpanId((i as u64 + 11).to_be_bytes())),
                start_unix_nano: Some(start),
                end_unix_nano: Some(end),
                matched_by: MatchEvidence::CallId,
                convention: Convention::GenAi,
            });
            calls.push(i);
        }
        clock += 60 * MS;
        run.model_calls[m].emitted = calls.clone();
        run.batches.push(Batch {
            index: b,
            id: format!("b{}", b + 1),
            emitted_by: Some(m),
            calls,
        });
    }
    run.final_answer = Some(FinalAnswer {
        text: format!(
            "Done. The balance of ACC-3 is {} and the cart total is 1049.5.",
            110 + BATCHES - 1
        ),
        span_id: None,
        model_call: None,
    });
    (Trace::new(TraceId([9; 16]), spans), run)
}

fn bench(c: &mut Criterion) {
    let (trace, run) = synthetic();
    let catalog = Catalog::default();
    let first = analyze(&trace, &run, &catalog);
    assert_eq!(run.tool_calls.len(), BATCHES * PER_BATCH);
    assert!(
        first.findings.len() >= 3 * BATCHES,
        "each batch has a lost update, a context and a timing dependency"
    );
    let mut times: Vec<Duration> = (0..11)
        .map(|_| {
            let t = Instant::now();
            black_box(analyze(black_box(&trace), black_box(&run), &catalog));
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "analysis of {} calls in {} batches: median {:?} over 11 runs ({} findings, {} flow edges)",
        run.tool_calls.len(),
        BATCHES,
        times[5],
        first.findings.len(),
        first.flow.len()
    );
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    group.bench_function("analyze_10k_calls_1k_batches", |b| {
        b.iter(|| analyze(black_box(&trace), black_box(&run), &catalog))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
