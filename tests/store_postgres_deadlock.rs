//! Two PostgreSQL writers storing the same spans in opposite orders, forced into a real
//! deadlock: each stores its first span, both wait at a barrier, then each stores the span the
//! other holds uncommitted. PostgreSQL breaks the cycle by cancelling one transaction (its server
//! log says `deadlock detected`); the store replays the cancelled file's writes, so both files
//! commit and every span is stored exactly once. Through the store's own write path
//! (`Store::begin_file`, `FileTx::insert_spans`, `FileTx::commit`). An input larger than what
//! the store keeps to replay fails whole instead, saying to run it again. Says SKIPPED without
//! the PostgreSQL binaries (and fails under CI=true).

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::pg::PgServer;
use fanout::model::Span;
use fanout::store::Store;

/// Three spans of one resource and scope, each in a trace of its own.
fn three_spans(dir: &Path) -> Vec<Span> {
    let span = |trace: u32, id: u32| {
        format!(
            r#"{{"traceId":"{trace:032x}","spanId":"{id:016x}","name":"s{id}","kind":1,"startTimeUnixNano":"1000","endTimeUnixNano":"2000"}}"#
        )
    };
    let doc = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"scope":{{"name":"lib"}},"spans":[{},{},{}]}}]}}]}}"#,
        span(1, 1),
        span(2, 2),
        span(3, 3)
    );
    let path = dir.join("two.json");
    std::fs::write(&path, doc).unwrap();
    let mut spans = fanout::ingest::load_path(&path).unwrap();
    spans.sort_by_key(|s| s.trace_id);
    assert_eq!(spans.len(), 3);
    spans
}

/// Ends every session on `url` after `limit` unless `done` says otherwise first: a test that
/// waits forever (a writer blocked before the barrier) fails instead of hanging.
fn watchdog(pg: &PgServer, url: &str, limit: Duration) -> std::sync::mpsc::Sender<()> {
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let db = url.rsplit('/').next().unwrap().to_owned();
    let mut admin = pg.admin_client();
    std::thread::spawn(move || {
        if wait.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
            let _ = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&db],
            );
        }
    });
    done
}

/// How many times the server log says it broke a deadlock.
fn deadlocks_logged(pg: &PgServer) -> usize {
    std::fs::read_to_string(pg.dir().join("server.log"))
        .unwrap_or_default()
        .matches("deadlock detected")
        .count()
}

#[test]
fn a_forced_deadlock_is_retried_and_every_span_is_stored_once() {
    let Some(pg) = PgServer::start("a_forced_deadlock_is_retried_and_every_span_is_stored_once")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spans = three_spans(dir.path());
    for round in 0..3 {
        let url = pg.new_database();
        // The resource and scope rows exist, committed, before the race: the writers then
        // meet only on the spans.
        let mut store = Store::open(Path::new(&url)).unwrap();
        let mut tx = store.begin_file().unwrap();
        tx.insert_spans(&spans[2..]).unwrap();
        tx.commit(false).unwrap();
        drop(store);
        let done = watchdog(&pg, &url, Duration::from_secs(60));
        let before = deadlocks_logged(&pg);
        let barrier = Arc::new(Barrier::new(2));
        let writer = |first: Span, second: Span| {
            let (url, barrier) = (url.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut store = Store::open(Path::new(&url)).unwrap();
                let mut tx = store.begin_file().unwrap();
                tx.insert_spans(std::slice::from_ref(&first)).unwrap();
                // Both now hold one span uncommitted; each next asks for the other's.
                barrier.wait();
                tx.insert_spans(std::slice::from_ref(&second))
                    .map_err(|e| e.to_string())?;
                tx.commit(false).map_err(|e| e.to_string())
            })
        };
        let a = writer(spans[0].clone(), spans[1].clone());
        let b = writer(spans[1].clone(), spans[0].clone());
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        let _ = done.send(());
        assert_eq!(
            deadlocks_logged(&pg),
            before + 1,
            "round {round}: PostgreSQL broke exactly one deadlock"
        );
        let a = a.unwrap_or_else(|e| panic!("round {round}: writer A failed: {e}"));
        let b = b.unwrap_or_else(|e| panic!("round {round}: writer B failed: {e}"));
        // Between them they stored both spans once: the survivor both, the replayed one none
        // (they were committed by then), whichever PostgreSQL chose.
        assert_eq!(a.new_spans + b.new_spans, 2, "round {round}: {a:?} {b:?}");
        assert_eq!(a.traces.len(), 2);
        assert_eq!(b.traces.len(), 2);
        let mut client = PgServer::client(&url);
        let rows: i64 = client
            .query_one("SELECT count(*) FROM spans", &[])
            .unwrap()
            .get(0);
        let distinct: i64 = client
            .query_one(
                "SELECT count(*) FROM (SELECT DISTINCT trace_id, span_id FROM spans) d",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!((rows, distinct), (3, 3), "round {round}");
        let store = Store::open_read_only(Path::new(&url)).unwrap();
        for s in &spans {
            let trace = store.load_trace(s.trace_id).unwrap().unwrap();
            assert_eq!(trace.spans, vec![s.clone()], "round {round}");
        }
    }
}

/// `n` copies of `template`, each a span of its own in trace `trace` (ids from `first`).
fn copies(template: &Span, trace: u32, first: u64, n: u64) -> Vec<Span> {
    (first..first + n)
        .map(|i| {
            let mut s = template.clone();
            s.trace_id = format!("{trace:032x}").parse().unwrap();
            s.span_id = format!("{i:016x}").parse().unwrap();
            s
        })
        .collect()
}

#[test]
fn an_input_too_large_to_replay_fails_whole_and_says_to_run_it_again() {
    let Some(pg) =
        PgServer::start("an_input_too_large_to_replay_fails_whole_and_says_to_run_it_again")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spans = three_spans(dir.path());
    let url = pg.new_database();
    let mut store = Store::open(Path::new(&url)).unwrap();
    let mut tx = store.begin_file().unwrap();
    tx.insert_spans(&spans[2..]).unwrap();
    tx.commit(false).unwrap();
    drop(store);
    let done = watchdog(&pg, &url, Duration::from_secs(120));
    // Each writer first stores more spans of its own than fanout keeps to replay.
    let limit = fanout::store::PG_REPLAY_SPANS as u64;
    let barrier = Arc::new(Barrier::new(2));
    let writer = |first: Span, second: Span, filler: Vec<Span>| {
        let (url, barrier) = (url.clone(), Arc::clone(&barrier));
        std::thread::spawn(move || {
            let mut store = Store::open(Path::new(&url)).unwrap();
            let mut tx = store.begin_file().unwrap();
            tx.insert_spans(&filler).unwrap();
            tx.insert_spans(std::slice::from_ref(&first)).unwrap();
            barrier.wait();
            tx.insert_spans(std::slice::from_ref(&second))
                .map_err(|e| e.to_string())?;
            tx.commit(false).map_err(|e| e.to_string())
        })
    };
    let a = writer(
        spans[0].clone(),
        spans[1].clone(),
        copies(&spans[0], 10, 1, limit),
    );
    let b = writer(
        spans[1].clone(),
        spans[0].clone(),
        copies(&spans[0], 11, 1, limit),
    );
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    let _ = done.send(());
    let (ok, err) = match (a, b) {
        (Ok(ok), Err(err)) | (Err(err), Ok(ok)) => (ok, err),
        other => panic!("one writer must fail and one commit: {other:?}"),
    };
    assert!(
        err.contains("deadlock")
            && err.contains("nothing of it was stored")
            && err.contains("run it again"),
        "{err}"
    );
    // The survivor's spans, none of the victim's filler.
    assert_eq!(ok.new_spans as u64, limit + 2);
    let count: i64 = PgServer::client(&url)
        .query_one("SELECT count(*) FROM spans", &[])
        .unwrap()
        .get(0);
    assert_eq!(count as u64, 1 + limit + 2);
}
