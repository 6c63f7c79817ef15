//! The database as several processes share it: readers answer from one snapshot without writing
//! or waiting, writers queue instead of failing "locked", a new database is created once, a
//! damaged trace is named without hiding the others, and reading never creates anything.
//!
//! The tests about storage semantics run on SQLite and on PostgreSQL (`common::stores`); the
//! ones about files (an empty or missing database file, a read-only folder, a full disk) are
//! SQLite's alone: a PostgreSQL store has no file of fanout's to be empty, missing, read-only
//! or on a full disk (a reader naming a database without fanout's schema is tested in
//! `store_postgres.rs`).

mod common;

use std::path::{Path, PathBuf};

use common::stores::{each_store, TestDb};
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

fn ingest_samples(db: &TestDb) {
    for s in [
        "lost_update.otlp.json",
        "context_dependency.otlp.json",
        "clean_sequential.otlp.json",
    ] {
        let out = db.fanout(&["ingest", &sample(s)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

/// [`ingest_samples`] into a SQLite file at a given place.
fn ingest_sample_files(db: &Path) {
    for s in [
        "lost_update.otlp.json",
        "context_dependency.otlp.json",
        "clean_sequential.otlp.json",
    ] {
        let out = fanout(db, &["ingest", &sample(s)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

#[test]
fn list_analyses_unanalysed_traces_in_memory_and_writes_nothing() {
    each_store(
        "list_analyses_unanalysed_traces_in_memory_and_writes_nothing",
        |db| {
            ingest_samples(db);
            // As if a writer stored spans and had not analysed them yet.
            db.unanalyse();
            let out = db.fanout(&["list", "--json"]);
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
                db.count("SELECT COUNT(*) FROM runs"),
                0,
                "list wrote nothing"
            );
        },
    );
}

/// SQLite's alone: it is about database files.
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
    each_store(
        "two_processes_creating_one_database_both_succeed",
        |first| {
            for round in 0..6 {
                let fresh;
                let db = if round == 0 {
                    first
                } else {
                    fresh =
                        TestDb::new("two_processes_creating_one_database", first.backend).unwrap();
                    &fresh
                };
                let spawn = |s: &str| {
                    Command::new(env!("CARGO_BIN_EXE_fanout"))
                        .args(["ingest", &sample(s), "--db", &db.db])
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
                assert_eq!(db.count("SELECT COUNT(DISTINCT trace_id) FROM spans"), 2);
            }
        },
    );
}

#[test]
fn concurrent_writers_and_readers_never_see_locked_or_half_traces() {
    each_store(
        "concurrent_writers_and_readers_never_see_locked_or_half_traces",
        |db| {
            ingest_samples(db);
            std::thread::scope(|scope| {
                let writer = |s: &'static str| {
                    scope.spawn(move || {
                        for _ in 0..4 {
                            let out = db.fanout(&["reindex"]);
                            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
                            let out = db.fanout(&["ingest", &sample(s)]);
                            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
                        }
                    })
                };
                let writers = [
                    writer("multi_turn.otlp.json"),
                    writer("read_only_batch.otlp.json"),
                ];
                for _ in 0..12 {
                    let out = db.fanout(&["list", "--json"]);
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
            });
        },
    );
}

#[test]
fn one_damaged_trace_is_named_and_the_others_still_answer() {
    each_store(
        "one_damaged_trace_is_named_and_the_others_still_answer",
        |db| {
            ingest_samples(db);
            let out = db.fanout(&["list", "--json"]);
            let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let hex = rows[0]["trace_id"].as_str().unwrap().to_owned();
            // A span row whose attributes no longer decode, and no derived rows (so it must be read).
            db.damage_one_span(&hex);
            db.unanalyse();
            let out = db.fanout(&["list", "--json"]);
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
            let out = db.fanout(&["audit", "--format", "json"]);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(err.contains(&hex), "{err}");
            assert!(
                text(&out.stdout).contains("trace"),
                "the others are audited"
            );
        },
    );
}

#[test]
fn a_long_writer_makes_readers_wait_for_nothing_and_writers_queue() {
    each_store(
        "a_long_writer_makes_readers_wait_for_nothing_and_writers_queue",
        |db| {
            ingest_samples(db);
            // Another process's writer holds a write transaction for longer than the old 5 s busy
            // timeout.
            let holder = Holder::begin(db);
            let started = std::time::Instant::now();
            let out = db.fanout(&["list", "--json"]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            assert!(
                started.elapsed() < std::time::Duration::from_secs(4),
                "a reader does not wait for the writer"
            );
            std::thread::scope(|scope| {
                let queued =
                    scope.spawn(|| db.fanout(&["ingest", &sample("multi_turn.otlp.json")]));
                std::thread::sleep(std::time::Duration::from_secs(6));
                holder.rollback();
                let out = queued.join().unwrap();
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "the second writer waited its turn: {}",
                    text(&out.stderr)
                );
            });
        },
    );
}

/// A write transaction held open by another connection (`BEGIN IMMEDIATE` on SQLite takes the
/// write lock; on PostgreSQL the deleted rows stay locked).
enum Holder {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

impl Holder {
    fn begin(db: &TestDb) -> Self {
        match db.backend {
            common::stores::Backend::Sqlite => {
                let c = rusqlite::Connection::open(&db.db).unwrap();
                c.execute_batch("BEGIN IMMEDIATE; DELETE FROM findings;")
                    .unwrap();
                Holder::Sqlite(c)
            }
            common::stores::Backend::Postgres => {
                let mut c = common::pg::PgServer::client(&db.db);
                c.batch_execute("BEGIN; DELETE FROM findings;").unwrap();
                Holder::Postgres(c)
            }
        }
    }

    fn rollback(self) {
        match self {
            Holder::Sqlite(c) => c.execute_batch("ROLLBACK;").unwrap(),
            Holder::Postgres(mut c) => c.batch_execute("ROLLBACK;").unwrap(),
        }
    }
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

/// SQLite's alone: it is about the database file's folder.
#[test]
fn read_commands_work_on_a_database_in_a_read_only_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("f.db");
    ingest_sample_files(&db);
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

/// SQLite's alone: it is about the database file's disk.
#[test]
fn on_a_full_disk_reads_still_answer_and_writes_say_the_disk_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let built = dir.path().join("built.db");
    ingest_sample_files(&built);
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
