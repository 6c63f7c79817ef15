//! The database as several processes share it: readers answer from one snapshot without writing
//! or waiting, writers queue instead of failing "locked", a new database is created once, a
//! damaged trace is named without hiding the others, and reading never creates anything.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fanout(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("FANOUT_DB")
        .env_remove("FANOUT_CATALOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fanout")
}

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sample-traces")
        .join(name)
        .display()
        .to_string()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ingest_samples(db: &Path) {
    for s in [
        "lost_update.otlp.json",
        "context_dependency.otlp.json",
        "clean_sequential.otlp.json",
    ] {
        let out = fanout(db, &["ingest", &sample(s)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

/// What a writer's commit leaves before the analysis: no derived rows, every trace listed stale.
const UNANALYSE: &str = "DELETE FROM findings; DELETE FROM runs; \
    INSERT OR IGNORE INTO stale_traces (trace_id) SELECT DISTINCT trace_id FROM spans;";

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn list_analyses_unanalysed_traces_in_memory_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    ingest_samples(&db);
    // As if a writer stored spans and had not analysed them yet.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(UNANALYSE)
        .unwrap();
    let out = fanout(&db, &["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert!(r["service"].is_string(), "{r}");
        assert!(r["tool_calls"].as_u64().unwrap() > 0, "{r}");
    }
    assert!(rows.iter().any(|r| r["findings"].as_u64().unwrap() > 0));
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM runs"),
        0,
        "list wrote nothing"
    );
}

#[test]
fn reading_never_creates_a_database_and_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let missing_dir = dir.path().join("no-such-folder/f.db");
    for cmd in [&["list"][..], &["audit"][..], &["show", "0af7"][..]] {
        let out = fanout(&empty, cmd);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(
            err.contains("empty.db") && err.contains("empty file"),
            "{cmd:?}: {err}"
        );
        assert_eq!(
            std::fs::metadata(&empty).unwrap().len(),
            0,
            "left as it was"
        );
        let out = fanout(&missing_dir, cmd);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(err.contains("no database at"), "{err}");
        assert!(!missing_dir.parent().unwrap().exists(), "no folder created");
    }
}

#[test]
fn two_processes_creating_one_database_both_succeed() {
    for round in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new.db");
        let spawn = |s: &str| {
            Command::new(env!("CARGO_BIN_EXE_fanout"))
                .args(["ingest", &sample(s), "--db"])
                .arg(&db)
                .env_remove("FANOUT_DB")
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let a = spawn("lost_update.otlp.json");
        let b = spawn("context_dependency.otlp.json");
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                text(&out.stderr)
            );
        }
        assert_eq!(count(&db, "SELECT COUNT(DISTINCT trace_id) FROM spans"), 2);
    }
}

#[test]
fn concurrent_writers_and_readers_never_see_locked_or_half_traces() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    ingest_samples(&db);
    let writer = |s: &'static str| {
        let db = db.clone();
        std::thread::spawn(move || {
            for _ in 0..4 {
                let out = fanout(&db, &["reindex"]);
                assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
                let out = fanout(&db, &["ingest", &sample(s)]);
                assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            }
        })
    };
    let writers = [
        writer("multi_turn.otlp.json"),
        writer("read_only_batch.otlp.json"),
    ];
    for _ in 0..12 {
        let out = fanout(&db, &["list", "--json"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(!err.contains("locked"), "{err}");
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for r in rows.as_array().unwrap() {
            assert!(
                r["service"].is_string() && r["span_count"].as_u64() > Some(0),
                "{r}"
            );
        }
    }
    for w in writers {
        w.join().unwrap();
    }
}

#[test]
fn one_damaged_trace_is_named_and_the_others_still_answer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    ingest_samples(&db);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let victim: Vec<u8> = conn
        .query_row("SELECT trace_id FROM spans LIMIT 1", [], |r| r.get(0))
        .unwrap();
    // A span row whose attributes no longer decode, and no derived rows (so it must be read).
    conn.execute(
        "UPDATE spans SET attributes = x'01ffffffff' WHERE rowid = (SELECT rowid FROM spans WHERE trace_id = ?1 LIMIT 1)",
        [&victim],
    )
    .unwrap();
    conn.execute_batch(UNANALYSE).unwrap();
    drop(conn);
    let hex: String = victim.iter().map(|b| format!("{b:02x}")).collect();
    let out = fanout(&db, &["list", "--json"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&hex) && err.contains("damaged"), "{err}");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let analysed = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["service"].is_string())
        .count();
    assert_eq!(analysed, 2, "the two healthy traces are answered: {rows}");
    let out = fanout(&db, &["audit", "--format", "json"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&hex), "{err}");
    assert!(
        text(&out.stdout).contains("trace"),
        "the others are audited"
    );
}

#[test]
fn a_long_writer_makes_readers_wait_for_nothing_and_writers_queue() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    ingest_samples(&db);
    // Another process's writer holds the write lock for longer than the old 5 s busy timeout.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM findings;")
        .unwrap();
    let started = std::time::Instant::now();
    let out = fanout(&db, &["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "a reader does not wait for the writer"
    );
    let queued = {
        let db = db.clone();
        std::thread::spawn(move || fanout(&db, &["ingest", &sample("multi_turn.otlp.json")]))
    };
    std::thread::sleep(std::time::Duration::from_secs(6));
    holder.execute_batch("ROLLBACK;").unwrap();
    let out = queued.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the second writer waited its turn: {}",
        text(&out.stderr)
    );
}

/// Makes a folder immutable (`chattr +i`: not even root may create files in it) until dropped.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Self> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| Immutable(path.to_owned()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).output();
    }
}

#[test]
fn read_commands_work_on_a_database_in_a_read_only_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("f.db");
    ingest_samples(&db);
    let listed = fanout(&db, &["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let id = rows[0]["trace_id"].as_str().unwrap().to_owned();
    let Some(_guard) = Immutable::set(&folder) else {
        eprintln!("skipped: chattr +i is not available here, cannot make a read-only folder");
        return;
    };
    assert!(
        std::fs::write(folder.join("probe"), b"x").is_err(),
        "the folder is read-only"
    );
    for args in [
        &["list"][..],
        &["show", &id][..],
        &["why", &id][..],
        &["audit"][..],
        &["export", &id, "--format", "json"][..],
    ] {
        let out = fanout(&db, args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{args:?} answered");
    }
}

/// A 1 MiB tmpfs mounted at a folder until dropped (needs root; `None` where mounting is denied).
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path) -> Option<Self> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| SmallDisk(at.to_owned()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn on_a_full_disk_reads_still_answer_and_writes_say_the_disk_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let built = dir.path().join("built.db");
    ingest_samples(&built);
    let Some(disk) = SmallDisk::mount(&dir.path().join("disk")) else {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root)");
        return;
    };
    let db = disk.0.join("f.db");
    std::fs::copy(&built, &db).unwrap();
    // Fill what is left.
    let mut filler = std::fs::File::create(disk.0.join("fill")).unwrap();
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut filler, &chunk).is_ok() {}
    drop(filler);
    let before = std::fs::read(&db).unwrap();
    let out = fanout(&db, &["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("billing-agent-svc"));
    let out = fanout(&db, &["ingest", &sample("multi_turn.otlp.json")]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("disk is full") && err.contains("f.db"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "earlier data untouched"
    );
}
