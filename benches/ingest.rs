//! Whole-process ingest benchmark: generates an OTLP/JSON Lines file shaped like real agent
//! traces (GenAI attributes, messages and tool arguments as JSON strings, about 1.5 KB of JSON per
//! span), then runs the release `fanout ingest` on it several times into a fresh database and
//! reports spans/s, MB/s and peak memory (max RSS of the child, from getrusage).
//!
//! `cargo bench --bench ingest` — 1,000,000 spans by default; `FANOUT_BENCH_SPANS=200000` for a
//! quicker run, `FANOUT_BENCH_RUNS` for the number of runs (median reported).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One request line: `spans_per_line` spans of one agent trace (an agent span, model calls, and
/// parallel batches of tool calls).
fn write_line(
    out: &mut impl Write,
    trace: u64,
    first_span: u64,
    spans_per_line: u64,
) -> std::io::Result<()> {
    let trace_id = format!(
        "{:016x}{:016x}",
        0xfa00_0000_0000_0000u64 | trace,
        trace.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    );
    write!(
        out,
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"bench-agent"}}}},{{"key":"service.version","value":{{"stringValue":"1.4.2"}}}}]}},"scopeSpans":[{{"scope":{{"name":"pydantic-ai","version":"1.0.0"}},"spans":["#
    )?;
    let base: u64 = 1_795_000_000_000_000_000 + trace * 10_000_000_000;
    for i in 0..spans_per_line {
        let n = first_span + i;
        let span_id = format!("{:016x}", 0x5a00_0000_0000_0000u64 | n);
        let start = base + i * 50_000_000;
        let end = start + 40_000_000 + (i % 7) * 1_000_000;
        if i > 0 {
            out.write_all(b",")?;
        }
        let parent = format!("{:016x}", 0x5a00_0000_0000_0000u64 | first_span);
        let parent_attr = if i == 0 {
            String::new()
        } else {
            format!(r#""parentSpanId":"{parent}","#)
        };
        if i % 4 == 1 {
            let msgs = r#"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_Ab12Cd34Ef56Gh78Ij90Kl12\",\"name\":\"deposit\",\"arguments\":{\"account_id\":\"ACC-1001\",\"amount\":10,\"memo\":\"refund R-2231 for the damaged parcel\"}},{\"type\":\"tool_call\",\"id\":\"call_Mn34Op56Qr78St90Uv12Wx34\",\"name\":\"deposit\",\"arguments\":{\"account_id\":\"ACC-1001\",\"amount\":20,\"memo\":\"cashback C-7 loyalty promotion\"}}],\"finish_reason\":\"tool_call\"}]"#;
            let input = r#"[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are a careful billing assistant. Use the tools to credit accounts and report balances precisely.\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Please credit account ACC-1001 with the $10 refund for R-2231 and the $20 cashback for promo C-7, then tell me the new balance.\"}]}]"#;
            write!(
                out,
                r#"{{"traceId":"{trace_id}","spanId":"{span_id}",{parent_attr}"name":"chat gpt-4o","kind":3,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"chat"}}}},{{"key":"gen_ai.provider.name","value":{{"stringValue":"openai"}}}},{{"key":"gen_ai.request.model","value":{{"stringValue":"gpt-4o"}}}},{{"key":"gen_ai.input.messages","value":{{"stringValue":"{input}"}}}},{{"key":"gen_ai.output.messages","value":{{"stringValue":"{msgs}"}}}},{{"key":"gen_ai.usage.input_tokens","value":{{"intValue":"412"}}}},{{"key":"gen_ai.usage.output_tokens","value":{{"intValue":"57"}}}},{{"key":"gen_ai.response.finish_reasons","value":{{"arrayValue":{{"values":[{{"stringValue":"tool_call"}}]}}}}}}],"status":{{}}}}"#
            )?;
        } else {
            let call = format!("call_{n:020}");
            let args = r#"{\"account_id\":\"ACC-1001\",\"amount\":10,\"memo\":\"refund R-2231 for the damaged parcel, approved by the support lead after review of the photos\",\"idempotency_key\":\"4f1c2a9e-8d1b-4c55-9a7e-2b6f0c3d1e88\"}"#;
            let result = r#"{\"account_id\":\"ACC-1001\",\"previous_balance\":100,\"new_balance\":110,\"currency\":\"USD\",\"ledger_entry\":{\"id\":\"LE-88213\",\"posted_at\":\"2026-11-20T09:00:00Z\",\"memo\":\"refund R-2231 for the damaged parcel\"},\"warnings\":[]}"#;
            write!(
                out,
                r#"{{"traceId":"{trace_id}","spanId":"{span_id}",{parent_attr}"name":"execute_tool deposit","kind":1,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"execute_tool"}}}},{{"key":"gen_ai.tool.name","value":{{"stringValue":"deposit"}}}},{{"key":"gen_ai.tool.call.id","value":{{"stringValue":"{call}"}}}},{{"key":"gen_ai.tool.call.arguments","value":{{"stringValue":"{args}"}}}},{{"key":"gen_ai.tool.call.result","value":{{"stringValue":"{result}"}}}},{{"key":"logfire.msg","value":{{"stringValue":"running tool: deposit"}}}},{{"key":"gen_ai.tool.type","value":{{"stringValue":"function"}}}}],"events":[{{"timeUnixNano":"{start}","name":"app.resource.read","attributes":[{{"key":"app.resource.uri","value":{{"stringValue":"sqlite://shop.db/accounts/ACC-1001"}}}}]}}],"status":{{"code":1}}}}"#
            )?;
        }
    }
    out.write_all(b"]}]}]}\n")
}

pub(crate) fn generate(path: &Path, spans: usize) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let per_line = 40u64;
    let mut written = 0u64;
    let mut trace = 0u64;
    while (written as usize) < spans {
        let n = per_line.min(spans as u64 - written);
        write_line(&mut out, trace, written, n)?;
        written += n;
        trace += 1;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Runs `cmd` and returns its exit status and peak resident memory (VmHWM, polled from /proc:
/// it only grows, so the last reading before exit is the peak up to then).
fn run_measuring_peak(cmd: &mut Command) -> (std::process::ExitStatus, u64) {
    let mut child = cmd.spawn().expect("run fanout");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb * 1024);
            }
        }
        if let Some(status) = child.try_wait().expect("wait for fanout") {
            return (status, peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn main() {
    let spans = env_usize("FANOUT_BENCH_SPANS", 1_000_000);
    let runs = env_usize("FANOUT_BENCH_RUNS", 3).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    // FANOUT_BENCH_INPUT keeps the generated file (or reuses it) for profiling.
    let input = std::env::var_os("FANOUT_BENCH_INPUT")
        .map_or_else(|| dir.path().join("agent-traces.otlp.jsonl"), Into::into);
    let t = Instant::now();
    let bytes = match std::fs::metadata(&input) {
        Ok(m) if std::env::var_os("FANOUT_BENCH_INPUT").is_some() => m.len(),
        _ => generate(&input, spans).expect("generate input"),
    };
    eprintln!(
        "generated {spans} spans, {:.1} MB ({:.1} KB/span) in {:.1}s",
        bytes as f64 / 1e6,
        bytes as f64 / spans as f64 / 1e3,
        t.elapsed().as_secs_f64()
    );
    let exe = env!("CARGO_BIN_EXE_fanout");
    let mut secs = Vec::new();
    let mut peaks = Vec::new();
    for run in 0..runs {
        let db = dir.path().join(format!("run{run}.db"));
        let t = Instant::now();
        let (status, rss) = run_measuring_peak(
            Command::new(exe)
                .args(["ingest", "--json"])
                .arg(&input)
                .arg("--db")
                .arg(&db)
                .stdout(std::process::Stdio::null()),
        );
        let elapsed = t.elapsed().as_secs_f64();
        assert!(status.success(), "fanout ingest failed: {status}");
        eprintln!(
            "run {run}: {elapsed:.2}s, {:.0} spans/s, peak RSS {:.0} MB",
            spans as f64 / elapsed,
            rss as f64 / 1e6
        );
        secs.push(elapsed);
        peaks.push(rss);
        let _ = std::fs::remove_file(&db);
    }
    secs.sort_by(f64::total_cmp);
    let median = secs[secs.len() / 2];
    println!(
        "ingest {spans} spans ({:.0} MB): median {median:.2}s over {runs} runs = {:.0} spans/s, {:.1} MB/s; peak RSS {:.0} MB",
        bytes as f64 / 1e6,
        spans as f64 / median,
        bytes as f64 / 1e6 / median,
        peaks.iter().copied().max().unwrap_or(0) as f64 / 1e6
    );
}
