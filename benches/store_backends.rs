//! Store backends compared: generates the ingest benchmark's OTLP/JSON Lines file, runs the
//! release `fanout ingest` into a fresh SQLite file and into a fresh PostgreSQL database (a
//! server started from Debian's binaries in a temporary folder, as the tests do), then splits the
//! file in four and runs four `fanout ingest` processes at once into one PostgreSQL database, and
//! last sends the file's requests over OTLP/HTTP to two `fanout serve` processes writing into one
//! PostgreSQL database (eight senders on keep-alive connections, honouring 429/503 like real
//! exporters), counting afterwards that every span sent is stored. Reports spans/s and the
//! database's size for each (the `ingest` figures include analysing every trace).
//!
//! `cargo bench --bench store_backends` — 1,000,000 spans by default; `FANOUT_BENCH_SPANS=100000`
//! for a quicker run. Not run by the test suite.

#[allow(dead_code)]
#[path = "ingest.rs"]
mod ingest_bench;

#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

#[path = "support/otlp_http.rs"]
mod otlp_http;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn ingest(db: &str, inputs: &[&Path]) -> f64 {
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg("ingest")
        .args(inputs)
        .arg("--db")
        .arg(db)
        .stdout(Stdio::null())
        .status()
        .expect("run fanout");
    assert!(status.success(), "fanout ingest failed: {status}");
    t.elapsed().as_secs_f64()
}

fn pg_size(url: &str) -> u64 {
    let mut c = pg::PgServer::client(url);
    let size: i64 = c
        .query_one("SELECT pg_database_size(current_database())", &[])
        .unwrap()
        .get(0);
    u64::try_from(size).unwrap_or(0)
}

fn file_size(path: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

fn report(what: &str, spans: usize, secs: f64, bytes: u64) {
    println!(
        "{what}: {spans} spans in {secs:.2}s = {:.0} spans/s; database {:.1} MB",
        spans as f64 / secs,
        bytes as f64 / 1e6
    );
}

fn main() {
    let spans: usize = std::env::var("FANOUT_BENCH_SPANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("agent-traces.otlp.jsonl");
    let bytes = ingest_bench::generate(&input, spans).expect("generate input");
    eprintln!("generated {spans} spans, {:.1} MB", bytes as f64 / 1e6);

    let file = dir.path().join("bench.db");
    let secs = ingest(&file.display().to_string(), &[&input]);
    report("SQLite", spans, secs, file_size(&file));

    let Some(server) = pg::PgServer::start("store_backends") else {
        return;
    };
    let url = server.new_database();
    let secs = ingest(&url, &[&input]);
    report("PostgreSQL", spans, secs, pg_size(&url));

    // Four writers at once, each with a quarter of the traces (lines are whole requests).
    let parts: Vec<_> = (0..4)
        .map(|i| dir.path().join(format!("part{i}.jsonl")))
        .collect();
    {
        let mut outs: Vec<_> = parts
            .iter()
            .map(|p| std::io::BufWriter::new(std::fs::File::create(p).unwrap()))
            .collect();
        let reader = std::io::BufReader::new(std::fs::File::open(&input).unwrap());
        for (i, line) in reader.lines().enumerate() {
            writeln!(outs[i % 4], "{}", line.unwrap()).unwrap();
        }
        for mut o in outs {
            o.flush().unwrap();
        }
    }
    let url = server.new_database();
    let t = Instant::now();
    std::thread::scope(|s| {
        for p in &parts {
            let url = &url;
            s.spawn(move || ingest(url, &[p]));
        }
    });
    let secs = t.elapsed().as_secs_f64();
    report(
        "PostgreSQL, 4 concurrent writers",
        spans,
        secs,
        pg_size(&url),
    );

    let url = server.new_database();
    let secs = serve_into(&url, &input, 2, 8);
    let stored: i64 = pg::PgServer::client(&url)
        .query_one("SELECT COUNT(*) FROM spans", &[])
        .unwrap()
        .get(0);
    assert_eq!(stored as usize, spans, "every span sent is stored");
    report(
        "PostgreSQL, 2 fanout serve processes over OTLP/HTTP (0 spans lost)",
        spans,
        secs,
        pg_size(&url),
    );
}

/// Sends every line of `input` (one OTLP/JSON request each) to `servers` receivers from
/// `senders` connections, then stops the receivers (SIGTERM drains them); returns the seconds
/// from the first request to the last receiver's exit.
fn serve_into(db: &str, input: &Path, servers: usize, senders: usize) -> f64 {
    let started: Vec<(Child, SocketAddr)> = (0..servers)
        .map(|_| otlp_http::start_serve(OsStr::new(db), false))
        .collect();
    let lines = Mutex::new(BufReader::new(std::fs::File::open(input).unwrap()).lines());
    let t = Instant::now();
    std::thread::scope(|s| {
        for i in 0..senders {
            let addr = started[i % servers].1;
            let lines = &lines;
            s.spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let Some(line) = lines.lock().unwrap().next() else {
                        return;
                    };
                    let body = line.unwrap();
                    while let Err(wait) = post(&mut stream, &mut reader, body.as_bytes()) {
                        std::thread::sleep(wait);
                    }
                }
            });
        }
    });
    for (mut child, _) in started {
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(child.wait().unwrap().success(), "fanout serve exits 0");
    }
    t.elapsed().as_secs_f64()
}

/// One OTLP/JSON export on a keep-alive connection: accepted, or how long the receiver asks to
/// wait before retrying (429/503 with `Retry-After`).
fn post(
    stream: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    body: &[u8],
) -> Result<(), Duration> {
    let reply = otlp_http::export(stream, reader, "application/json", body);
    assert!(
        matches!(reply.status, 200 | 429 | 503),
        "unexpected status {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    if reply.status == 200 {
        return Ok(());
    }
    Err(reply
        .retry_after
        .map_or(Duration::from_millis(200), Duration::from_secs))
}
