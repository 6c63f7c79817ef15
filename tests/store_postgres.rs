//! The shared PostgreSQL store against a real server (Debian's `postgresql`, started by
//! `common::pg` in a temporary folder on loopback): the bundled samples answer the same as on
//! SQLite (`list`, `show`, `audit`, `export`), ingest is idempotent, concurrent writers (ingests
//! and two receivers) lose and duplicate nothing while a reader reads, readers write nothing, and
//! a database from a newer fanout is refused. Each test says SKIPPED without the binaries (and
//! fails under CI=true).

mod common;

#[path = "support/serve.rs"]
mod serve;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::pg::PgServer;
use common::{ingest_ok as ingest, write_file};
use fanout::store::Store;

const SAMPLES: &[&str] = &[
    "lost_update.otlp.json",
    "context_dependency.otlp.json",
    "clean_sequential.otlp.json",
    "customer_orders.native.jsonl",
    "multi_turn.otlp.json",
    "read_only_batch.native.jsonl",
    "timing_dependency.otlp.json",
    "lost_update_rerun.otlp.json",
];

fn fanout(dir: &Path, db: &str, args: &[&str]) -> Output {
    common::fanout_in(dir, Some(Path::new(db)), args)
}

fn ingest_samples(dir: &Path, db: &str) {
    let mut args = vec!["ingest".to_owned()];
    args.extend(SAMPLES.iter().map(|s| common::sample(s)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::ok(&fanout(dir, db, &args));
}

fn count(url: &str, sql: &str) -> i64 {
    PgServer::client(url).query_one(sql, &[]).unwrap().get(0)
}

/// A trace id from `list --json`.
fn ids(list: &str) -> Vec<String> {
    let rows: serde_json::Value = serde_json::from_str(list).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["trace_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_samples_answer_the_same_on_postgres_as_on_sqlite() {
    let Some(pg) = PgServer::start("the_samples_answer_the_same_on_postgres_as_on_sqlite") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.new_database();
    let file = dir.path().join("f.db").display().to_string();
    ingest_samples(dir.path(), &url);
    ingest_samples(dir.path(), &file);
    let list_pg = common::ok(&fanout(dir.path(), &url, &["list", "--json"]));
    let list_file = common::ok(&fanout(dir.path(), &file, &["list", "--json"]));
    assert_eq!(list_pg, list_file);
    let traces = ids(&list_pg);
    assert!(traces.len() >= SAMPLES.len() - 1, "{list_pg}");
    for id in &traces {
        for cmd in [
            vec!["show", id.as_str(), "--json"],
            vec!["why", id.as_str()],
            vec!["export", id.as_str(), "--format", "json"],
        ] {
            let on_pg = fanout(dir.path(), &url, &cmd);
            let on_file = fanout(dir.path(), &file, &cmd);
            assert_eq!(on_pg.status.code(), on_file.status.code(), "{cmd:?}");
            assert_eq!(
                common::text(&on_pg.stdout),
                common::text(&on_file.stdout),
                "{cmd:?}"
            );
        }
    }
    for format in ["table", "json", "sarif"] {
        let cmd = ["audit", "--format", format];
        let on_pg = fanout(dir.path(), &url, &cmd);
        let on_file = fanout(dir.path(), &file, &cmd);
        assert_eq!(on_pg.status.code(), on_file.status.code(), "{cmd:?}");
        assert_eq!(
            common::text(&on_pg.stdout),
            common::text(&on_file.stdout),
            "{cmd:?}"
        );
    }
    let diff = ["diff", &traces[0], &traces[1]];
    assert_eq!(
        common::text(&fanout(dir.path(), &url, &diff).stdout),
        common::text(&fanout(dir.path(), &file, &diff).stdout)
    );
    // reindex rebuilds the derived rows and changes no answer.
    common::ok(&fanout(dir.path(), &url, &["reindex"]));
    assert_eq!(
        common::ok(&fanout(dir.path(), &url, &["list", "--json"])),
        list_file
    );
}

/// An OTLP/JSON document with `spans` spans in each of the traces `traces`, one resource per
/// trace, text with a NUL and non-ASCII characters, and a typed attribute of each kind.
fn generated(traces: std::ops::Range<u32>, spans: u32) -> String {
    let mut resource_spans = Vec::new();
    // (Ids are offset by one: an all-zero trace or span id is invalid in OTLP.)
    for t in traces.map(|t| t + 1) {
        let trace = format!("{t:032x}");
        let mut list = Vec::new();
        for s in 0..spans {
            let parent = if s == 0 {
                String::new()
            } else {
                format!(r#""parentSpanId":"{:016x}","#, u64::from(t) << 16)
            };
            list.push(format!(
                r#"{{"traceId":"{trace}","spanId":"{:016x}",{parent}"name":"step {s} \u0000 ünï","kind":1,"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{{"key":"i","value":{{"intValue":"{s}"}}}},{{"key":"d","value":{{"doubleValue":1.5}}}},{{"key":"b","value":{{"boolValue":true}}}},{{"key":"x","value":{{"bytesValue":"AAE="}}}}],"status":{{"code":1,"message":"nul \u0000 here"}}}}"#,
                (u64::from(t) << 16) + u64::from(s),
                1_000 + u64::from(s) * 10,
                1_005 + u64::from(s) * 10
            ));
        }
        resource_spans.push(format!(
            r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc-{t}"}}}}]}},"scopeSpans":[{{"scope":{{"name":"lib","version":"1"}},"spans":[{}]}}]}}"#,
            list.join(",")
        ));
    }
    format!(r#"{{"resourceSpans":[{}]}}"#, resource_spans.join(","))
}

#[test]
fn ingest_is_idempotent_and_every_field_survives() {
    let Some(pg) = PgServer::start("ingest_is_idempotent_and_every_field_survives") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.new_database();
    let a = write_file(dir.path(), "a.json", &generated(1..4, 5));
    let b = write_file(dir.path(), "b.json", &generated(3..6, 5));
    let mut store = Store::open(Path::new(&url)).unwrap();
    let first = ingest(&mut store, std::slice::from_ref(&a));
    assert_eq!(first[0].new_spans, 15);
    assert_eq!(store.counts().unwrap(), (15, 3));
    let again = ingest(&mut store, std::slice::from_ref(&a));
    assert_eq!(again[0].new_spans, 0);
    assert!(again[0].already_ingested);
    // An overlapping file adds only what is new.
    let overlap = ingest(&mut store, std::slice::from_ref(&b));
    assert_eq!(overlap[0].new_spans, 10);
    assert_eq!(store.counts().unwrap(), (25, 5));
    assert_eq!(count(&url, "SELECT count(*) FROM sources"), 2);
    // Every field comes back as read, NUL characters included.
    let read = fanout::ingest::load_path(&b).unwrap();
    for id in store.trace_ids().unwrap() {
        let stored = store.load_trace(id).unwrap().unwrap();
        let mut expected: Vec<_> = read.iter().filter(|s| s.trace_id == id).cloned().collect();
        if expected.is_empty() {
            continue;
        }
        expected.sort_by_key(|s| (s.start_unix_nano, s.span_id));
        assert_eq!(stored.spans, expected);
        assert!(stored.spans[0].name.contains('\0'));
    }
    assert_eq!(
        store
            .trace_source_names(store.trace_ids().unwrap()[2])
            .unwrap()
            .len(),
        2,
        "the third trace came from both files"
    );
    // Analysis goes stale when a trace gains spans, and is written again.
    let catalog = fanout::analysis::Catalog::default();
    fanout::pipeline::ensure_analyzed(&mut store, &catalog).unwrap();
    let id = store.trace_ids().unwrap()[0];
    assert!(store.is_analyzed(id).unwrap());
    let more = write_file(dir.path(), "c.json", &generated(1..2, 7));
    ingest(&mut store, &[more]);
    assert!(!store.is_analyzed(id).unwrap());
    assert_eq!(
        fanout::pipeline::ensure_analyzed(&mut store, &catalog)
            .unwrap()
            .traces,
        1
    );
    assert!(store.is_analyzed(id).unwrap());
}

#[test]
fn a_bad_record_stores_nothing_and_readers_write_nothing() {
    let Some(pg) = PgServer::start("a_bad_record_stores_nothing_and_readers_write_nothing") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.new_database();
    let bad = write_file(
        dir.path(),
        "bad.jsonl",
        &format!("{}\n{{\"resourceSpans\": 5}}\n", generated(1..2, 2)),
    );
    let out = fanout(dir.path(), &url, &["ingest", &bad.display().to_string()]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(count(&url, "SELECT count(*) FROM spans"), 0);
    ingest_samples(dir.path(), &url);
    // As if a writer stored spans and had not analysed them yet: list analyses in memory.
    PgServer::client(&url)
        .batch_execute("DELETE FROM findings; DELETE FROM runs;")
        .unwrap();
    let list = common::ok(&fanout(dir.path(), &url, &["list", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["service"].is_string()));
    let audit = fanout(dir.path(), &url, &["audit", "--format", "json"]);
    assert!(
        matches!(audit.status.code(), Some(0 | 1)),
        "{}",
        common::text(&audit.stderr)
    );
    assert_eq!(
        count(&url, "SELECT count(*) FROM runs"),
        0,
        "readers wrote nothing"
    );
    // A reader's session refuses writes outright.
    let reader = Store::open_read_only(Path::new(&url)).unwrap();
    drop(reader);
    // A database without fanout's schema is named, not created, by a reader.
    let empty = pg.new_database();
    let out = fanout(dir.path(), &empty, &["list"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        common::text(&out.stderr).contains("no fanout schema"),
        "{}",
        common::text(&out.stderr)
    );
    assert_eq!(
        count(
            &empty,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        0
    );
}

#[test]
fn a_database_from_a_newer_fanout_is_refused_and_left_alone() {
    let Some(pg) = PgServer::start("a_database_from_a_newer_fanout_is_refused_and_left_alone")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.new_database();
    ingest_samples(dir.path(), &url);
    PgServer::client(&url)
        .batch_execute("UPDATE fanout_schema SET version = 99")
        .unwrap();
    for args in [
        vec!["list"],
        vec!["ingest", &common::sample("lost_update.otlp.json")],
    ] {
        let out = fanout(dir.path(), &url, &args);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let err = common::text(&out.stderr);
        assert!(err.contains("newer fanout") && err.contains("99"), "{err}");
    }
    assert_eq!(
        count(&url, "SELECT max(version)::int8 FROM fanout_schema"),
        99
    );
}

#[test]
fn concurrent_ingests_and_a_reader_lose_and_duplicate_nothing() {
    let Some(pg) = PgServer::start("concurrent_ingests_and_a_reader_lose_and_duplicate_nothing")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A new database: the writers also race to create the schema.
    let url = pg.new_database();
    // Four files over 40 traces, each trace in two files.
    let files: Vec<String> = (0..4u32)
        .map(|i| {
            let start = i * 10;
            write_file(
                dir.path(),
                &format!("{i}.json"),
                &generated(start..start + 20, 6),
            )
            .display()
            .to_string()
        })
        .collect();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (dir, url, files) = (dir.path(), &url, &files);
                s.spawn(move || {
                    // Each writer ingests every file, starting at a different one.
                    let mut order: Vec<&str> = files.iter().map(String::as_str).collect();
                    order.rotate_left(w);
                    let mut args = vec!["ingest"];
                    args.extend(order);
                    fanout(dir, url, &args)
                })
            })
            .collect();
        let reader = s.spawn(|| {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let out = fanout(dir.path(), &url, &["list", "--json"]);
                let err = common::text(&out.stderr);
                if out.status.code() == Some(0) {
                    reads += 1;
                } else {
                    assert!(err.contains("no fanout schema"), "{err}");
                }
            }
            reads
        });
        for w in writers {
            let out = w.join().unwrap();
            common::ok(&out);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
    });
    assert_eq!(count(&url, "SELECT count(*) FROM spans"), 50 * 6);
    assert_eq!(
        count(&url, "SELECT count(DISTINCT trace_id) FROM spans"),
        50
    );
    assert_eq!(count(&url, "SELECT count(*) FROM sources"), 4);
    assert_eq!(count(&url, "SELECT count(*) FROM resources"), 50);
    let list = common::ok(&fanout(dir.path(), &url, &["list", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 50);
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["span_count"] == 6));
}

#[test]
fn two_receivers_write_into_one_database_while_a_reader_reads() {
    let Some(pg) = PgServer::start("two_receivers_write_into_one_database_while_a_reader_reads")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.new_database();
    let start = |_: u32| {
        fanout::serve::Receiver::start(
            fanout::serve::ServeConfig {
                db: PathBuf::from(&url),
                http: Some("127.0.0.1:0".parse().unwrap()),
                grpc: None,
                token: None,
                follow: None,
                limits: fanout::serve::Limits::default(),
                catalog: Default::default(),
            },
            Box::new(|_| {}),
        )
        .expect("receiver starts")
    };
    let receivers = [start(0), start(1)];
    let addrs: Vec<_> = receivers.iter().map(|r| r.bound().http.unwrap()).collect();
    // Twenty requests of 5 traces x 4 spans; each is sent to both receivers (an exporter that
    // retried against another replica), so every span arrives twice.
    send_to_each(&addrs, 4, 5, 0, 4, || {
        common::ok(&fanout(dir.path(), &url, &["list", "--json"]));
    });
    for r in receivers {
        r.shutdown().unwrap();
    }
    assert_eq!(count(&url, "SELECT count(*) FROM spans"), 100 * 4);
    assert_eq!(
        count(&url, "SELECT count(DISTINCT trace_id) FROM spans"),
        100
    );
    let list = common::ok(&fanout(dir.path(), &url, &["list", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 100);
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["span_count"] == 4));
}

/// `clients` threads each send `requests` requests of 5 generated traces of `spans` spans (trace
/// numbers from `base`) to every receiver in `addrs`, as an exporter retrying against another
/// replica would, while another thread reads with `read` four times.
fn send_to_each(
    addrs: &[std::net::SocketAddr],
    clients: u32,
    requests: u32,
    base: u32,
    spans: u32,
    read: impl Fn() + Sync,
) {
    std::thread::scope(|s| {
        for client in 0..clients {
            s.spawn(move || {
                for r in 0..requests {
                    let first = base + (client * requests + r) * 5;
                    let body = generated(first..first + 5, spans);
                    for addr in addrs {
                        let reply =
                            serve::post(*addr, "/v1/traces", &[serve::JSON], body.as_bytes());
                        assert_eq!(
                            reply.status,
                            200,
                            "{}",
                            String::from_utf8_lossy(&reply.body)
                        );
                    }
                }
            });
        }
        s.spawn(|| (0..4).for_each(|_| read()));
    });
}

/// A free loopback port (bound, then released for the process about to take it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `addr`.
fn wait_listening(addr: std::net::SocketAddr, child: &mut std::process::Child) {
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("fanout serve exited early: {status}");
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "fanout serve did not listen on {addr}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn two_serve_processes_write_into_one_database_while_a_reader_reads() {
    let Some(pg) =
        PgServer::start("two_serve_processes_write_into_one_database_while_a_reader_reads")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.new_database();
    let mut children = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..2 {
        let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fanout"))
            .args([
                "serve",
                "--quiet",
                "--grpc",
                "off",
                "--http",
                &addr.to_string(),
                "--db",
                &url,
            ])
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("FANOUT_DB")
            .spawn()
            .expect("start fanout serve");
        wait_listening(addr, &mut child);
        children.push(child);
        addrs.push(addr);
    }
    // Each request goes to both processes, as an exporter retrying against another replica.
    send_to_each(&addrs, 3, 4, 1_000, 3, || {
        common::ok(&fanout(dir.path(), &url, &["list", "--json"]));
    });
    // SIGTERM: each process stops accepting, drains and exits 0.
    for mut child in children {
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "fanout serve exited with {status}");
    }
    assert_eq!(count(&url, "SELECT count(*) FROM spans"), 60 * 3);
    assert_eq!(
        count(&url, "SELECT count(DISTINCT trace_id) FROM spans"),
        60
    );
    let rows: serde_json::Value =
        serde_json::from_str(&common::ok(&fanout(dir.path(), &url, &["list", "--json"]))).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 60);
}

#[test]
fn passwords_are_never_shown() {
    // No server needed: nothing listens on port 1, with TLS asked for or not.
    let dir = tempfile::tempdir().unwrap();
    let tls = "postgres://fanout:s3cret@127.0.0.1:1/x?sslmode=require";
    let out = fanout(dir.path(), tls, &["list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(err.contains("cannot connect"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    // The error names the database, without the password.
    let out = fanout(
        dir.path(),
        "postgresql://fanout:s3cret@127.0.0.1:1/x",
        &["ingest", &common::sample("lost_update.otlp.json")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(
        err.contains("cannot connect") && err.contains("fanout:***@127.0.0.1:1/x"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
}

/// One file of more traces than PostgreSQL's shared lock table holds (64 per connection by
/// default, 6,400 in all) is one transaction; its traces share a bounded set of locks, so it is
/// stored whole and analysed.
#[test]
fn a_file_of_ten_thousand_traces_is_one_transaction() {
    let Some(pg) = PgServer::start("a_file_of_ten_thousand_traces_is_one_transaction") else {
        return;
    };
    let url = pg.new_database();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "many.json", &generated(0..10_000, 1));
    let out = fanout(
        dir.path(),
        &url,
        &["ingest", "--json", file.to_str().unwrap()],
    );
    let report: serde_json::Value = serde_json::from_str(&common::ok(&out)).unwrap();
    assert_eq!(report["spans_stored"], 10_000, "{report}");
    assert_eq!(report["analysis"]["traces"], 10_000, "{report}");
    assert_eq!(count(&url, "SELECT COUNT(*) FROM runs"), 10_000);
}
