//! `fanout ingest --follow FILE`: a growing OTLP/JSON Lines file is read as lines complete (a
//! half-written line waits for its end), a rotated file's successor is followed from its start,
//! and SIGTERM stores what was read and exits 0.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixture_lines(name: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn spans_stored(db: &std::path::Path) -> u64 {
    fanout::store::Store::open_read_only(db)
        .and_then(|s| s.counts())
        .map_or(0, |c| c.0)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_growing_and_rotated_file_is_followed_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("traces.jsonl");
    let db = dir.path().join("follow.db");
    let first = fixture_lines("python__pydantic_ai__lost_update.otlp.jsonl");
    let second = fixture_lines("python__openai_agents__lost_update.otlp.jsonl");
    let count = |lines: &[String]| -> u64 {
        lines
            .iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["resourceSpans"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|rs| rs["scopeSpans"].as_array().unwrap())
                    .map(|ss| ss["spans"].as_array().unwrap().len() as u64)
                    .sum::<u64>()
            })
            .sum()
    };
    let mut out = std::fs::File::create(&file).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg("--db")
        .arg(&db)
        .args(["ingest", "--json", "--follow"])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    stderr.read_line(&mut banner).unwrap();
    assert!(banner.contains("following"), "{banner}");

    // Half of the first line: nothing can be stored yet.
    let line = first[0].as_bytes();
    out.write_all(&line[..line.len() / 2]).unwrap();
    out.flush().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(spans_stored(&db), 0, "a half-written line waits");
    out.write_all(&line[line.len() / 2..]).unwrap();
    out.write_all(b"\n").unwrap();
    for l in &first[1..] {
        writeln!(out, "{l}").unwrap();
    }
    out.flush().unwrap();
    wait_for("the first trace", || spans_stored(&db) == count(&first));

    // Rotation: the file is renamed away and a new one takes its name.
    std::fs::rename(&file, dir.path().join("traces-1.jsonl")).unwrap();
    let mut next = std::fs::File::create(&file).unwrap();
    for l in &second {
        writeln!(next, "{l}").unwrap();
    }
    next.flush().unwrap();
    wait_for("the rotated file's trace", || {
        spans_stored(&db) == count(&first) + count(&second)
    });

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "exits 0 on SIGTERM");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["worst"]["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"shared_state_mutation"),
        "the lost update is reported live: {lines:?}"
    );
    let traces: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l["trace_id"].as_str())
        .collect();
    assert_eq!(traces.len(), 2, "{lines:?}");
}
