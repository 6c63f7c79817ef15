//! The store: migrations from old schemas, refusal of newer ones, idempotent and merging
//! ingest, one transaction per file, and readers that keep working while a writer writes. Each
//! test runs on SQLite and on PostgreSQL (`common::stores`), except the migration from an old
//! SQLite schema, which is SQLite's own (PostgreSQL's migrations are tested in
//! `store_postgres.rs`).

mod common;

use std::path::PathBuf;

use common::stores::{each_store, TestDb};
use common::{ingest_files as ingest, write_file};
use fanout::ingest::OnInvalid;
use fanout::store::{migrations, Store};

const TRACE: &str = "5b8efff798038103d269b633813fc60c";

fn span(id: &str, parent: Option<&str>, start: u64) -> String {
    let parent = parent
        .map(|p| format!(r#""parentSpanId":"{p}","#))
        .unwrap_or_default();
    format!(
        r#"{{"traceId":"{TRACE}","spanId":"{id}",{parent}"name":"s{id}","kind":1,"startTimeUnixNano":"{start}","endTimeUnixNano":"{}","attributes":[{{"key":"k","value":{{"intValue":"7"}}}}],"events":[{{"timeUnixNano":"{start}","name":"e"}}],"status":{{"code":2,"message":"m"}}}}"#,
        start + 10
    )
}

fn doc(spans: &[String]) -> String {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"scope":{{"name":"lib","version":"1"}},"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
}

#[test]
fn an_old_schema_is_migrated_and_keeps_its_spans() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        let mut conn = rusqlite::Connection::open(&db).unwrap();
        migrations::migrate_to(&mut conn, 1).unwrap();
        assert_eq!(migrations::version(&conn).unwrap(), 1);
    }
    // A version-1 database written by the older build: raw tables only.
    {
        let mut conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("INSERT INTO resources (id, content, attributes, dropped_attributes_count, schema_url) VALUES (1, 'r', '[]', 0, '')", []).unwrap();
        conn.execute("INSERT INTO scopes (id, content, name, version, attributes, dropped_attributes_count, schema_url) VALUES (1, 's', 'lib', '', '[]', 0, '')", []).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute(
            "INSERT INTO spans VALUES (?1, ?2, NULL, 'root', 1, 1000, 2000, '', 0, 0, '', '[]', 0, '[]', 0, '[]', 0, 1, 1)",
            rusqlite::params![hex(TRACE), hex("eee19b7ec3c1b174")],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrations::LATEST);
    let trace = store.load_trace(TRACE.parse().unwrap()).unwrap().unwrap();
    assert_eq!(trace.spans.len(), 1);
    assert_eq!(trace.spans[0].name, "root");
    // The old database's spans were never analysed: the migration lists the trace as stale.
    assert_eq!(
        store.unanalyzed_trace_ids().unwrap(),
        vec![TRACE.parse().unwrap()]
    );
    assert_eq!(store.trace_summaries().unwrap()[0].span_count, 1);
    // Migrating again is a no-op.
    drop(store);
    assert_eq!(
        Store::open(&db).unwrap().schema_version().unwrap(),
        migrations::LATEST
    );
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn a_database_from_a_newer_fanout_is_refused_and_left_alone() {
    each_store(
        "a_database_from_a_newer_fanout_is_refused_and_left_alone",
        |db| {
            drop(db.open());
            db.mark_schema_version(99);
            let before = db.dump();
            let err = Store::open(db.path())
                .err()
                .expect("newer schema must be refused")
                .to_string();
            assert!(err.contains("newer fanout") && err.contains("99"), "{err}");
            assert_eq!(db.dump(), before, "the database must not be modified");
            assert!(Store::open_read_only(db.path()).is_err());
        },
    );
}

#[test]
fn ingesting_the_same_file_twice_leaves_the_database_unchanged() {
    each_store(
        "ingesting_the_same_file_twice_leaves_the_database_unchanged",
        |db| {
            let file = write_file(
                db.dir.path(),
                "a.jsonl",
                &doc(&[
                    span("0000000000000002", Some("0000000000000001"), 20),
                    span("0000000000000001", None, 10),
                ]),
            );
            let mut store = db.open();
            let first = ingest(&mut store, std::slice::from_ref(&file));
            assert_eq!(first[0].as_ref().unwrap().new_spans, 2);
            let before = db.dump();
            let second = ingest(&mut store, &[file]);
            let second = second[0].as_ref().unwrap();
            assert_eq!(second.new_spans, 0);
            assert!(second.already_ingested);
            assert_eq!(db.dump(), before);
        },
    );
}

#[test]
fn spans_of_one_trace_in_several_files_merge_children_first() {
    each_store(
        "spans_of_one_trace_in_several_files_merge_children_first",
        |db| {
            let child = write_file(
                db.dir.path(),
                "1.jsonl",
                &doc(&[span("0000000000000002", Some("0000000000000001"), 20)]),
            );
            let parent = write_file(
                db.dir.path(),
                "2.jsonl",
                &doc(&[span("0000000000000001", None, 10)]),
            );
            let mut store = db.open();
            ingest(&mut store, &[child, parent]);
            assert_eq!(store.trace_ids().unwrap().len(), 1);
            let trace = store.load_trace(TRACE.parse().unwrap()).unwrap().unwrap();
            assert_eq!(trace.spans.len(), 2);
            assert_eq!(
                trace.spans[0].name, "s0000000000000001",
                "spans come back in start order"
            );
            assert_eq!(trace.spans[1].parent_span_id, Some(trace.spans[0].span_id));
        },
    );
}

#[test]
fn every_field_survives_the_round_trip() {
    each_store("every_field_survives_the_round_trip", |db| {
        let file = write_file(
            db.dir.path(),
            "a.jsonl",
            &doc(&[span("0000000000000001", None, 10)]),
        );
        let mut store = db.open();
        ingest(&mut store, std::slice::from_ref(&file));
        let stored = store
            .load_trace(TRACE.parse().unwrap())
            .unwrap()
            .unwrap()
            .spans;
        let read = fanout::ingest::load_path(&file).unwrap();
        assert_eq!(stored, read);
    });
}

#[test]
fn a_file_with_a_bad_record_stores_nothing() {
    each_store("a_file_with_a_bad_record_stores_nothing", |db| {
        let text = format!(
            "{}\n{{\"resourceSpans\": 5}}\n",
            doc(&[span("0000000000000001", None, 10)])
        );
        let file = write_file(db.dir.path(), "bad.jsonl", &text);
        let mut store = db.open();
        let res = ingest(&mut store, &[file]);
        let err = res[0].as_ref().unwrap_err();
        assert!(err.contains("bad.jsonl:2: resourceSpans"), "{err}");
        assert_eq!(store.counts().unwrap(), (0, 0));
    });
}

#[test]
fn a_reader_keeps_reading_while_a_writer_holds_a_transaction() {
    each_store(
        "a_reader_keeps_reading_while_a_writer_holds_a_transaction",
        |db| {
            let file = write_file(
                db.dir.path(),
                "a.jsonl",
                &doc(&[span("0000000000000001", None, 10)]),
            );
            let mut writer = db.open();
            ingest(&mut writer, &[file]);
            let reader = db.open_read_only();
            let spans = fanout::ingest::load_path(&write_file(
                db.dir.path(),
                "b.jsonl",
                &doc(&[span("0000000000000009", None, 90)]),
            ))
            .unwrap();
            let mut tx = writer.begin_file().unwrap();
            tx.insert_spans(&spans).unwrap();
            // Uncommitted: the reader sees the committed state and is not blocked.
            assert_eq!(reader.counts().unwrap(), (1, 1));
            tx.commit(false).unwrap();
            assert_eq!(reader.counts().unwrap(), (2, 1));
        },
    );
}

#[test]
fn the_whole_corpus_ingests_with_its_manifest_counts() {
    let Some(root) = common::corpus_dir() else {
        return common::skip_without_corpus("the_whole_corpus_ingests");
    };
    let files: Vec<_> = common::corpus_files(&root)
        .into_iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    each_store("the_whole_corpus_ingests_with_its_manifest_counts", |db| {
        let mut store = db.open();
        for r in ingest(&mut store, &paths) {
            r.unwrap();
        }
        let summaries = store.trace_summaries().unwrap();
        for f in &files {
            let s = summaries
                .iter()
                .find(|s| s.trace_id.to_string() == f.trace_id)
                .unwrap_or_else(|| panic!("{} missing", f.id));
            assert_eq!(s.span_count as usize, f.span_count, "{}", f.id);
        }
    });
}

#[test]
fn a_trace_that_gains_spans_is_analysed_again() {
    each_store("a_trace_that_gains_spans_is_analysed_again", gains_spans);
}

fn gains_spans(db: &TestDb) {
    let dir = &db.dir;
    let first = write_file(
        dir.path(),
        "1.jsonl",
        &doc(&[span("0000000000000001", None, 10)]),
    );
    let second = write_file(
        dir.path(),
        "2.jsonl",
        &doc(&[span("0000000000000002", Some("0000000000000001"), 20)]),
    );
    let mut store = db.open();
    let catalog = fanout::analysis::Catalog::default();
    ingest(&mut store, &[first]);
    fanout::pipeline::ensure_analyzed(&mut store, &catalog).unwrap();
    let id = TRACE.parse().unwrap();
    assert!(store.is_analyzed(id).unwrap());
    let listed = |store: &Store| {
        let rows = store.trace_summaries().unwrap();
        assert_eq!(rows.len(), 1, "one row per trace, stale or not");
        (
            rows[0].span_count,
            rows[0].start_unix_nano,
            rows[0].service.clone(),
        )
    };
    assert_eq!(listed(&store), (1, Some(10), Some("svc".to_owned())));
    ingest(&mut store, std::slice::from_ref(&second));
    assert!(
        !store.is_analyzed(id).unwrap(),
        "new spans make the derived rows stale"
    );
    assert_eq!(store.unanalyzed_trace_ids().unwrap(), vec![id]);
    // A stale trace is listed from its spans (both of them), without its analysis.
    assert_eq!(listed(&store), (2, Some(10), None));
    assert_eq!(
        fanout::pipeline::ensure_analyzed(&mut store, &catalog)
            .unwrap()
            .traces,
        1
    );
    assert!(store.is_analyzed(id).unwrap());
    assert_eq!(store.unanalyzed_trace_ids().unwrap(), vec![]);
    assert_eq!(listed(&store), (2, Some(10), Some("svc".to_owned())));
    // A full reindex marks every trace stale first, then analyses it again.
    store.clear_derived().unwrap();
    assert_eq!(store.unanalyzed_trace_ids().unwrap(), vec![id]);
    assert_eq!(listed(&store), (2, Some(10), None));
    fanout::pipeline::ensure_analyzed(&mut store, &catalog).unwrap();
    // Re-ingesting what is already stored changes nothing, so nothing goes stale.
    ingest(&mut store, &[second]);
    assert!(store.is_analyzed(id).unwrap());
}

#[test]
fn a_run_lists_the_first_file_that_held_it_even_when_analysed_before() {
    each_store(
        "a_run_lists_the_first_file_that_held_it_even_when_analysed_before",
        first_source,
    );
}

fn first_source(db: &TestDb) {
    let dir = &db.dir;
    let text = doc(&[span("0000000000000001", None, 10)]);
    let first = write_file(dir.path(), "first.jsonl", &text);
    let again = write_file(dir.path(), "again.jsonl", &format!("{text}\n"));
    let mut store = db.open();
    let catalog = fanout::analysis::Catalog::default();
    // Stored as a receiver stores it (no file), then analysed: no source yet.
    let mut tx = store.begin_file().unwrap();
    fanout::ingest::read_any("live", text.as_bytes(), None, OnInvalid::Fail, &mut tx).unwrap();
    tx.commit(false).unwrap();
    fanout::pipeline::ensure_analyzed(&mut store, &catalog).unwrap();
    let source = |store: &Store| store.trace_summaries().unwrap()[0].source.clone();
    assert_eq!(source(&store), None);
    // A file holding the same spans adds nothing, but names where the trace came from.
    ingest(&mut store, std::slice::from_ref(&first));
    let id = TRACE.parse().unwrap();
    assert!(
        store.is_analyzed(id).unwrap(),
        "no new spans, nothing stale"
    );
    assert_eq!(source(&store).as_deref(), Some(first.to_str().unwrap()));
    // A later file keeps the first one's name.
    ingest(&mut store, &[again]);
    assert_eq!(source(&store).as_deref(), Some(first.to_str().unwrap()));
}
