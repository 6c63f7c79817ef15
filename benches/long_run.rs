//! One long agent run as a single trace (many turns, each a parallel batch of tool calls):
//! normalization and analysis time at growing sizes, so that a step quadratic in the length of
//! a trace shows up as a time per span that grows with the size.
//!
//! `cargo bench --bench long_run` runs 10k, 50k and 100k spans (11,000 turns of 8 calls is the
//! last), then one batch of 10k and 40k calls (each on a file of its own, or all on one
//! account); `FANOUT_BENCH_MAX_SPANS=1000000` adds 1M. `FANOUT_BENCH_RUNS` sets the runs per size
//! (median reported).

use std::hint::black_box;
use std::time::Instant;

use fanout::analysis::{analyze, Catalog};
use fanout::model::{AnyValue, KeyValue, Span, SpanId, SpanKind, Trace, TraceId};
use fanout::normalize::normalize;
use serde_json::{json, Value};

const CALLS_PER_TURN: usize = 8;
const MS: u64 = 1_000_000;
const TRACE: TraceId = TraceId([7; 16]);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The k-th call of turn t: a mix of file edits, shell runs, lookups and account updates, with
/// ids that repeat across turns (real agents touch the same few files again and again).
fn call(t: usize, k: usize) -> (&'static str, Value, Value) {
    match k % 4 {
        0 => (
            "edit_file",
            json!({"path": format!("src/mod_{}.rs", t % 50), "old": "a", "new": format!("b{t}")}),
            json!({"ok": true}),
        ),
        1 => (
            "read_file",
            json!({"path": format!("src/mod_{}.rs", (t + 1) % 50)}),
            json!({"content": format!("fn f{t}() {{}}")}),
        ),
        2 => (
            "deposit",
            json!({"account_id": format!("ACC-{}", t % 97), "amount": k}),
            json!({"previous_balance": 100 + t, "new_balance": 100 + t + k}),
        ),
        _ => (
            "get_customer",
            json!({"customer_id": format!("C-{t}-{k}")}),
            json!({"name": format!("Customer {t}"), "tier": "gold"}),
        ),
    }
}

fn attr(key: &str, value: impl Into<String>) -> KeyValue {
    KeyValue::new(key, AnyValue::String(value.into()))
}

fn span(id: u64, name: &str, start: u64, end: u64, attributes: Vec<KeyValue>) -> Span {
    let mut s = Span::new(TRACE, SpanId(id.to_be_bytes()), name);
    s.parent_span_id = Some(SpanId(1u64.to_be_bytes()));
    s.kind = SpanKind::Internal;
    s.start_unix_nano = start;
    s.end_unix_nano = end;
    s.attributes = attributes;
    s
}

/// A model call starting at `start` whose response is `output` (GenAI output messages).
fn chat(id: u64, start: u64, output: &Value) -> Span {
    span(
        id,
        "chat m",
        start,
        start + 5 * MS,
        vec![
            attr("gen_ai.operation.name", "chat"),
            attr("gen_ai.request.model", "m"),
            attr("gen_ai.output.messages", output.to_string()),
        ],
    )
}

/// One call of a batch: (call id, tool, arguments, result).
type Call = (String, &'static str, Value, Value);

/// A trace of `turns` model calls, each emitting a batch of `CALLS_PER_TURN` tool calls that
/// run concurrently, then a last model call that answers.
fn long_run(turns: usize) -> Trace {
    build((0..turns).map(|t| {
        (0..CALLS_PER_TURN)
            .map(|k| {
                let (name, args, result) = call(t, k);
                (format!("call_{t}_{k}"), name, args, result)
            })
            .collect()
    }))
}

/// One model call emitting a batch of `n` calls: each writes a file of its own, or all update
/// one account (the shapes that made a batch's analysis quadratic in its calls).
fn wide(n: usize, one_key: bool) -> Trace {
    let calls: Vec<Call> = (0..n)
        .map(|k| {
            let (name, args) = if one_key {
                ("deposit", json!({"account_id": "ACC-1", "amount": k}))
            } else {
                (
                    "write_file",
                    json!({"path": format!("out/f{k}.txt"), "content": "x"}),
                )
            };
            (format!("call_{k}"), name, args, json!({"ok": true}))
        })
        .collect();
    build(std::iter::once(calls))
}

/// A trace whose model calls emit `turns` (one batch each, run concurrently), then answer.
fn build(turns: impl Iterator<Item = Vec<Call>>) -> Trace {
    let mut spans = Vec::new();
    let mut root = span(
        1,
        "invoke_agent long",
        0,
        0,
        vec![attr("gen_ai.operation.name", "invoke_agent")],
    );
    root.parent_span_id = None;
    let mut clock = 1_700_000_000_000 * MS;
    root.start_unix_nano = clock;
    let mut id = 2u64;
    for calls in turns {
        let parts: Vec<Value> = calls
            .iter()
            .map(|(cid, name, args, _)| json!({"type": "tool_call", "id": cid, "name": name, "arguments": args}))
            .collect();
        let output = json!([{"role": "assistant", "parts": parts, "finish_reason": "tool_call"}]);
        spans.push(chat(id, clock, &output));
        id += 1;
        clock += 6 * MS;
        for (k, (cid, name, args, result)) in calls.into_iter().enumerate() {
            let start = clock + (k as u64 % 8) * MS;
            spans.push(span(
                id,
                &format!("execute_tool {name}"),
                start,
                start + (10 + k as u64 % 8) * MS,
                vec![
                    attr("gen_ai.operation.name", "execute_tool"),
                    attr("gen_ai.tool.name", name),
                    attr("gen_ai.tool.call.id", cid),
                    attr("gen_ai.tool.call.arguments", args.to_string()),
                    attr("gen_ai.tool.call.result", result.to_string()),
                ],
            ));
            id += 1;
        }
        clock += 30 * MS;
    }
    let answer = json!([{"role": "assistant", "parts": [{"type": "text", "content": "All done."}], "finish_reason": "stop"}]);
    spans.push(chat(id, clock, &answer));
    root.end_unix_nano = clock + 6 * MS;
    spans.push(root);
    Trace::new(TRACE, spans)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runs = env_usize("FANOUT_BENCH_RUNS", 3).max(1);
    let max = env_usize("FANOUT_BENCH_MAX_SPANS", 100_000);
    let catalog = Catalog::default();
    let mut sizes: Vec<usize> = [10_000, 50_000, 100_000, 1_000_000]
        .into_iter()
        .filter(|s| *s <= max)
        .collect();
    if sizes.is_empty() {
        sizes.push(max);
    }
    println!("spans     turns    normalize   analyze     µs/span (normalize+analyze)");
    for size in sizes {
        let turns = size / (CALLS_PER_TURN + 1);
        let trace = long_run(turns);
        let (mut norm, mut anal) = (Vec::new(), Vec::new());
        let mut batches = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let run = normalize(black_box(&trace));
            norm.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let a = analyze(black_box(&trace), &run, &catalog);
            anal.push(t.elapsed().as_secs_f64());
            batches = run.batches.len();
            black_box(a);
        }
        assert_eq!(batches, turns, "every turn rebuilt as one batch");
        row(&trace, turns, median(norm), median(anal));
    }
    println!("\none batch of N calls (files of their own / one account):");
    for n in [10_000usize, 40_000].into_iter().filter(|n| *n <= max) {
        for one_key in [false, true] {
            let trace = wide(n, one_key);
            let (mut norm, mut anal) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                let t = Instant::now();
                let run = normalize(black_box(&trace));
                norm.push(t.elapsed().as_secs_f64());
                let t = Instant::now();
                let a = analyze(black_box(&trace), &run, &catalog);
                anal.push(t.elapsed().as_secs_f64());
                assert_eq!(
                    a.findings.len(),
                    usize::from(one_key),
                    "one finding per resource"
                );
                black_box(a);
            }
            row(&trace, 1, median(norm), median(anal));
        }
    }
}

fn row(trace: &Trace, turns: usize, n: f64, a: f64) {
    println!(
        "{:<9} {:<8} {:>8.3}s  {:>8.3}s   {:.2}",
        trace.spans.len(),
        turns,
        n,
        a,
        (n + a) * 1e6 / trace.spans.len() as f64
    );
}
