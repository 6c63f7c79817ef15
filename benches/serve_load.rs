//! Load benchmark of `fanout serve` over OTLP/HTTP protobuf (a harness of its own, not a timed
//! test). Many concurrent exporters on loopback, each on a keep-alive connection, send pre-built
//! requests of realistic agent traces (the corpus fixtures, every copy with fresh trace and span
//! ids) as fast as they are acknowledged, honouring 429/503 + Retry-After like real exporters.
//! Reports spans/s accepted, p50/p99 export latency, the receiver's peak memory, and counts the
//! spans in the database after a SIGTERM shutdown: every span sent must be there.
//!
//! While the exporters send, a viewer in this process reads the same database as the live viewer
//! does: a worker thread reloads the trace list every 250 ms (as the live feed's ticks make it
//! do) and loads the trace the cursor is on, while the UI thread presses a key every 20 ms and
//! redraws into a 200x50 `TestBackend`. Each keypress (update + draw, with whatever reloads
//! arrived applied first, as the event loop does) is timed: p50, p99 and max are reported (the
//! target is under 16 ms).
//!
//! `cargo bench --bench serve_load`; knobs: SERVE_LOAD_EXPORTERS (100), SERVE_LOAD_REQUESTS per
//! exporter (8), SERVE_LOAD_BATCH spans per request (~512), SERVE_LOAD_RUNS (3).

use std::io::BufReader;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use fanout::tui::action::Action;
use fanout::tui::app::App;
use fanout::tui::source::{StoreSource, TraceSource};
use fanout::tui::{keymap::Keymap, theme::Theme, trace_model::TraceModel, update::update, views};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use ratatui::{backend::TestBackend, layout::Rect, Terminal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

#[path = "support/otlp_http.rs"]
mod otlp_http;

const FIXTURES: &[&str] = &[
    "python__pydantic_ai__lost_update.otlp.pb",
    "python__openai_agents__lost_update.otlp.pb",
    "python__openai_agents__lost_update_openinference.otlp.pb",
    "python__langgraph__lost_update_prebuilt_send.otlp.pb",
    "python__pydantic_ai__lost_update_instrumentation_v2.otlp.pb",
    "node__aisdk7-semconv__lost_update.otlp.pb",
];

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn spans_in(r: &ExportTraceServiceRequest) -> usize {
    r.resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len())
        .sum()
}

/// Builds one request per (exporter, round): whole fixture traces, each copy with a fresh trace
/// id and span ids (parents remapped), until the batch size is reached.
fn build_requests(exporters: usize, rounds: usize, batch: usize) -> (Vec<Vec<Vec<u8>>>, usize) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let templates: Vec<ExportTraceServiceRequest> = FIXTURES
        .iter()
        .map(|f| {
            ExportTraceServiceRequest::decode(&std::fs::read(dir.join(f)).unwrap()[..]).unwrap()
        })
        .collect();
    let mut serial: u64 = 0;
    let mut total = 0;
    let mut all = Vec::new();
    for e in 0..exporters {
        let mut mine = Vec::new();
        for _ in 0..rounds {
            let mut request = ExportTraceServiceRequest::default();
            let mut n = 0;
            let mut t = e;
            while n < batch {
                let mut copy = templates[t % templates.len()].clone();
                t += 1;
                serial += 1;
                let mut trace_id = [0u8; 16];
                trace_id[..8].copy_from_slice(&serial.to_be_bytes());
                trace_id[8] = 0xfa;
                let remap = |id: &[u8]| -> Vec<u8> {
                    if id.is_empty() {
                        return Vec::new();
                    }
                    let mut out = id.to_vec();
                    let len = out.len();
                    for (i, b) in serial.to_be_bytes().iter().enumerate() {
                        out[i % len] ^= b;
                    }
                    out
                };
                for rs in &mut copy.resource_spans {
                    for ss in &mut rs.scope_spans {
                        for s in &mut ss.spans {
                            s.trace_id = trace_id.to_vec();
                            s.span_id = remap(&s.span_id);
                            s.parent_span_id = remap(&s.parent_span_id);
                        }
                    }
                }
                n += spans_in(&copy);
                request.resource_spans.extend(copy.resource_spans);
            }
            total += n;
            mine.push(request.encode_to_vec());
        }
        all.push(mine);
    }
    (all, total)
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

fn start_server(db: &Path) -> Server {
    let (child, addr) = otlp_http::start_serve(db.as_os_str(), true);
    Server { child, addr }
}

/// Peak resident memory of a process, from /proc (Linux), in MiB.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Sends `requests` on one keep-alive connection; returns each request's latency.
fn exporter(addr: SocketAddr, requests: &[Vec<u8>]) -> (Vec<Duration>, usize) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut latencies = Vec::new();
    let mut retries = 0;
    for body in requests {
        loop {
            let start = Instant::now();
            let reply = otlp_http::export(&mut stream, &mut reader, "application/x-protobuf", body);
            let (status, retry_after) = (reply.status, reply.retry_after);
            assert!(
                matches!(status, 200 | 429 | 503),
                "unexpected status {status}: {}",
                String::from_utf8_lossy(&reply.body)
            );
            if status == 200 {
                latencies.push(start.elapsed());
                break;
            }
            retries += 1;
            std::thread::sleep(Duration::from_secs(retry_after.unwrap_or(1)));
        }
    }
    (latencies, retries)
}

/// One exporter's latencies and retries.
type ExporterResult = (Vec<Duration>, usize);

/// What the worker thread hands the UI thread.
enum Loaded {
    List(Vec<fanout::tui::source::TraceEntry>),
    Trace(Box<TraceModel>),
}

/// What the viewer did: each keypress's time (update + draw) in ms, the trace lists it applied
/// (and the longest), and whether the trace it asked for opened.
struct Viewed {
    times: Vec<f64>,
    /// The longest keypress that also applied a reloaded list.
    longest_with_list: f64,
    lists: usize,
    longest: usize,
    opened: bool,
}

/// The viewer beside the load (see the module comment) until `done`.
fn viewer(db: &Path, done: &AtomicBool) -> Viewed {
    let (tx, rx) = mpsc::channel::<Loaded>();
    let (want_tx, want_rx) = mpsc::channel::<fanout::model::TraceId>();
    let mut source = StoreSource::open(db, fanout::analysis::Catalog::default()).unwrap();
    let mut times = Vec::new();
    let (mut lists, mut longest, mut opened) = (0, 0, false);
    let mut longest_with_list = 0f64;
    std::thread::scope(|s| {
        s.spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Ok(list) = source.summaries() {
                    let _ = tx.send(Loaded::List(list));
                }
                if let Some(id) = want_rx.try_iter().last() {
                    if let Ok(Some(t)) = source.load(id) {
                        let _ = tx.send(Loaded::Trace(Box::new(TraceModel::build(t))));
                    }
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        });
        let theme = Theme::default();
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        let mut app = App::new(Rect::new(0, 0, 200, 50), Keymap::defaults().help_lines());
        let mut asked = false;
        let mut n = 0u64;
        while !done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
            let start = Instant::now();
            let lists_before = lists;
            for loaded in rx.try_iter() {
                match loaded {
                    Loaded::List(list) => {
                        if !asked {
                            if let Some(first) = list.first() {
                                let _ = want_tx.send(first.summary.trace_id);
                                app.loading = Some(first.summary.trace_id);
                                asked = true;
                            }
                        }
                        lists += 1;
                        longest = longest.max(list.len());
                        update(&mut app, Action::SummariesLoaded(list));
                    }
                    Loaded::Trace(model) => {
                        opened = true;
                        update(&mut app, Action::TraceLoaded(model));
                    }
                }
            }
            n += 1;
            let key = match n % 4 {
                0 => Action::MoveDown,
                1 => Action::NextBatch,
                2 => Action::MoveUp,
                _ => Action::NextFinding,
            };
            update(&mut app, key);
            terminal.draw(|f| views::render(&app, &theme, f)).unwrap();
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            if lists > lists_before {
                longest_with_list = longest_with_list.max(ms);
            }
            times.push(ms);
        }
    });
    Viewed {
        times,
        longest_with_list,
        lists,
        longest,
        opened,
    }
}

struct RunResult {
    key_max_with_list_ms: f64,
    lists: usize,
    longest: usize,
    keys: usize,
    key_p50_ms: f64,
    key_p99_ms: f64,
    key_max_ms: f64,
    spans_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_mib: f64,
    lost: i64,
    retries: usize,
    shutdown_s: f64,
}

fn run(requests: &[Vec<Vec<u8>>], total: usize) -> RunResult {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("load.db");
    let mut server = start_server(&db);
    let addr = server.addr;
    let start = Instant::now();
    let done = AtomicBool::new(false);
    let (results, viewed, elapsed): (Vec<ExporterResult>, Viewed, Duration) =
        std::thread::scope(|s| {
            let keys = s.spawn(|| viewer(&db, &done));
            let handles: Vec<_> = requests
                .iter()
                .map(|mine| s.spawn(move || exporter(addr, mine)))
                .collect();
            let results = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let elapsed = start.elapsed();
            done.store(true, Ordering::Relaxed);
            (results, keys.join().unwrap(), elapsed)
        });
    let mut keys = viewed.times;
    keys.sort_by(f64::total_cmp);
    assert!(
        viewed.opened && viewed.lists > 0,
        "the viewer saw the traces arrive"
    );
    let key_pct = |p: f64| keys[((keys.len() as f64 - 1.0) * p).round() as usize];
    let peak_mib = peak_rss_mib(server.child.id()).unwrap_or(f64::NAN);
    let stop = Instant::now();
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let status = server.child.wait().unwrap();
    assert!(status.success(), "fanout serve exits 0 on SIGTERM");
    let shutdown_s = stop.elapsed().as_secs_f64();
    let (stored, _) = fanout::store::Store::open_read_only(&db)
        .unwrap()
        .counts()
        .unwrap();
    let mut latencies: Vec<Duration> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    };
    RunResult {
        key_max_with_list_ms: viewed.longest_with_list,
        lists: viewed.lists,
        longest: viewed.longest,
        keys: keys.len(),
        key_p50_ms: key_pct(0.5),
        key_p99_ms: key_pct(0.99),
        key_max_ms: keys.last().copied().unwrap_or(f64::NAN),
        spans_per_sec: total as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        peak_mib,
        lost: total as i64 - stored as i64,
        retries: results.iter().map(|r| r.1).sum(),
        shutdown_s,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo test --benches` runs benches with --bench absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let exporters = knob("SERVE_LOAD_EXPORTERS", 100);
    let rounds = knob("SERVE_LOAD_REQUESTS", 8);
    let batch = knob("SERVE_LOAD_BATCH", 512);
    let runs = knob("SERVE_LOAD_RUNS", 3);
    let (requests, total) = build_requests(exporters, rounds, batch);
    let bytes: usize = requests.iter().flatten().map(Vec::len).sum();
    println!(
        "serve_load: {exporters} exporters x {rounds} requests, {total} spans, {:.0} MiB of OTLP protobuf",
        bytes as f64 / 1048576.0
    );
    let mut all = Vec::new();
    for i in 0..runs {
        let r = run(&requests, total);
        println!(
            "run {}: {:.0} spans/s accepted, export latency p50 {:.1} ms p99 {:.1} ms, peak RSS {:.0} MiB, {} retries, {} spans lost, shutdown {:.1} s",
            i + 1, r.spans_per_sec, r.p50_ms, r.p99_ms, r.peak_mib, r.retries, r.lost, r.shutdown_s
        );
        println!(
            "  viewer meanwhile: {} keypresses, update + draw p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({:.2} ms at most when a reloaded list was applied too); {} list reloads applied (up to {} traces), one trace open",
            r.keys, r.key_p50_ms, r.key_p99_ms, r.key_max_ms, r.key_max_with_list_ms, r.lists, r.longest
        );
        assert_eq!(r.lost, 0, "every acknowledged span is in the database");
        all.push(r);
    }
    println!(
        "median of {runs}: {:.0} spans/s, p50 {:.1} ms, p99 {:.1} ms, peak RSS {:.0} MiB, 0 spans lost; keypress p50 {:.2} ms, p99 {:.2} ms",
        median(all.iter().map(|r| r.spans_per_sec).collect()),
        median(all.iter().map(|r| r.p50_ms).collect()),
        median(all.iter().map(|r| r.p99_ms).collect()),
        median(all.iter().map(|r| r.peak_mib).collect()),
        median(all.iter().map(|r| r.key_p50_ms).collect()),
        median(all.iter().map(|r| r.key_p99_ms).collect()),
    );
}
