//! Store backends compared: generates the ingest benchmark's OTLP/JSON Lines file, runs the
//! release `fanout ingest` into a fresh SQLite file and into a fresh PostgreSQL database (a
//! server started from Debian's binaries in a temporary folder, as the tests do), then splits the
//! file in four and runs four `fanout ingest` processes at once into one PostgreSQL database.
//! Reports spans/s and the database's size for each.
//!
//! `cargo bench --bench store_backends` — 1,000,000 spans by default; `FANOUT_BENCH_SPANS=100000`
//! for a quicker run. Not run by the test suite.

#[allow(dead_code)]
#[path = "ingest.rs"]
mod ingest_bench;

#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

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
}
