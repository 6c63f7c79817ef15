//! `fanout serve` over OTLP/HTTP with hand-made requests: every answer the OTLP specification
//! asks for (success, partial success, 400, 401, 413, 415, 429/503 with Retry-After), gzip and
//! deflate bodies, acknowledgement only after commit, merging of one trace sent in pieces, and a
//! clean shutdown that finishes the request in flight. What is about storing (commit before
//! the answer, merging, logs) runs on SQLite and on PostgreSQL (`common::stores`).

mod common;
#[path = "support/serve.rs"]
mod serve;

use common::stores::{each_store, TestDb};

use std::io::Write as _;
use std::time::Duration;

use fanout::serve::Limits;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use serve::{fixture, post, start, JSON, PROTO, PYDANTIC_JSONL, PYDANTIC_PB};

fn pydantic_request() -> ExportTraceServiceRequest {
    ExportTraceServiceRequest::decode(&fixture(PYDANTIC_PB)[..]).unwrap()
}

fn span_count(r: &ExportTraceServiceRequest) -> u64 {
    r.resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len() as u64)
        .sum()
}

#[test]
fn protobuf_export_is_committed_before_the_success_answer() {
    each_store(
        "protobuf_export_is_committed_before_the_success_answer",
        committed_before_the_answer,
    );
}

fn committed_before_the_answer(db: &TestDb) {
    let r = serve::start_at(&db.db, Limits::default(), None);
    let body = fixture(PYDANTIC_PB);
    let expected = span_count(&pydantic_request());
    let reply = post(r.http, "/v1/traces", &[PROTO], &body);
    assert_eq!(
        reply.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("content-type"), Some("application/x-protobuf"));
    let answer = ExportTraceServiceResponse::decode(&reply.body[..]).unwrap();
    assert_eq!(answer.partial_success, None, "full success leaves it unset");
    // Read by another connection right after the answer: already there.
    assert_eq!(r.counts(), (expected, 1));
}

#[test]
fn json_gzip_and_deflate_bodies_are_read_and_answered_in_json() {
    let r = start(Limits::default(), None);
    let body = fixture(PYDANTIC_JSONL);
    let gz = serve::gzip(&body);
    let reply = post(
        r.http,
        "/v1/traces",
        &[JSON, ("Content-Encoding", "gzip")],
        &gz,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), serde_json::json!({}));
    let (spans, traces) = r.counts();
    assert_eq!((spans, traces), (span_count(&pydantic_request()), 1));
    let reply = post(
        r.http,
        "/v1/traces",
        &[PROTO, ("Content-Encoding", "deflate")],
        &serve::zlib(&fixture(PYDANTIC_PB)),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        r.counts(),
        (spans, traces),
        "the same spans again change nothing"
    );
}

#[test]
fn invalid_spans_are_rejected_one_by_one_and_counted_in_partial_success() {
    let r = start(Limits::default(), None);
    let mut request = pydantic_request();
    let total = span_count(&request);
    request.resource_spans[0].scope_spans[0].spans[0].trace_id = vec![1, 2, 3];
    let reply = post(r.http, "/v1/traces", &[PROTO], &request.encode_to_vec());
    assert_eq!(reply.status, 200);
    let partial = ExportTraceServiceResponse::decode(&reply.body[..])
        .unwrap()
        .partial_success
        .expect("partial success");
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial.error_message.contains("traceId"),
        "{}",
        partial.error_message
    );
    assert_eq!(r.counts().0, total - 1);

    // The same in OTLP/JSON: one span with a bad id, the rest kept.
    let mut doc: serde_json::Value = serde_json::from_slice(
        fixture(PYDANTIC_JSONL)
            .split(|b| *b == b'\n')
            .next()
            .unwrap(),
    )
    .unwrap();
    let spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array_mut()
        .unwrap();
    let n = spans.len();
    spans[0]["spanId"] = serde_json::json!("zz");
    // A new trace id for all, so what is stored is counted apart from the first request.
    for s in spans.iter_mut() {
        s["traceId"] = serde_json::json!("0123456789abcdef0123456789abcdef");
    }
    let reply = post(r.http, "/v1/traces", &[JSON], doc.to_string().as_bytes());
    assert_eq!(reply.status, 200);
    let json = reply.json();
    assert_eq!(json["partialSuccess"]["rejectedSpans"], "1");
    assert!(json["partialSuccess"]["errorMessage"]
        .as_str()
        .unwrap()
        .contains("spanId"));
    assert_eq!(r.counts(), (total - 1 + n as u64 - 1, 2));
}

#[test]
fn malformed_bodies_get_400_with_a_status_and_store_nothing() {
    let r = start(Limits::default(), None);
    let reply = post(
        r.http,
        "/v1/traces",
        &[PROTO],
        b"\x0a\xff\xff\xff\x0fnot protobuf",
    );
    assert_eq!(reply.status, 400);
    #[derive(Clone, PartialEq, prost::Message)]
    struct Status {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(string, tag = "2")]
        message: String,
    }
    let status = Status::decode(&reply.body[..]).unwrap();
    assert_eq!(status.code, 3, "INVALID_ARGUMENT");
    assert!(!status.message.is_empty());
    let reply = post(r.http, "/v1/traces", &[JSON], b"{\"resourceSpans\": [");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["code"], 3);
    let reply = post(
        r.http,
        "/v1/traces",
        &[PROTO, ("Content-Encoding", "gzip")],
        b"not gzip",
    );
    assert_eq!(reply.status, 400);
    let reply = post(
        r.http,
        "/v1/traces",
        &[("Content-Type", "text/plain")],
        b"hi",
    );
    assert_eq!(reply.status, 415);
    let reply = post(
        r.http,
        "/v1/traces",
        &[PROTO, ("Content-Encoding", "br")],
        b"x",
    );
    assert_eq!(reply.status, 415);
    assert_eq!(r.counts(), (0, 0));
    // An empty request is a success.
    assert_eq!(post(r.http, "/v1/traces", &[PROTO], b"").status, 200);
}

#[test]
fn bodies_over_the_limits_get_413_before_and_after_decompression() {
    let r = start(
        Limits {
            max_body: 16 * 1024,
            max_decoded: 64 * 1024,
            ..Limits::default()
        },
        None,
    );
    let big = fixture("python__langgraph__lost_update_prebuilt_send.otlp.pb");
    assert!(big.len() > 16 * 1024);
    let reply = post(r.http, "/v1/traces", &[PROTO], &big);
    assert_eq!(reply.status, 413);
    // A small gzip body that expands past the decompressed cap (a "zip bomb").
    let bomb = serve::gzip(&vec![0u8; 1024 * 1024]);
    assert!(bomb.len() <= 16 * 1024);
    let reply = post(
        r.http,
        "/v1/traces",
        &[PROTO, ("Content-Encoding", "gzip")],
        &bomb,
    );
    assert_eq!(reply.status, 413);
    assert_eq!(r.counts(), (0, 0));
}

#[test]
fn the_token_is_required_when_set() {
    let r = start(Limits::default(), Some("s3cret"));
    let body = fixture(PYDANTIC_PB);
    assert_eq!(post(r.http, "/v1/traces", &[PROTO], &body).status, 401);
    let wrong = post(
        r.http,
        "/v1/traces",
        &[PROTO, ("Authorization", "Bearer nope")],
        &body,
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(r.counts(), (0, 0));
    let right = post(
        r.http,
        "/v1/traces",
        &[PROTO, ("Authorization", "Bearer s3cret")],
        &body,
    );
    assert_eq!(right.status, 200);
}

#[test]
fn saturation_is_answered_429_or_503_with_retry_after_instead_of_buffered() {
    // One request in flight at most: a second one while the first is still sending is refused.
    let r = start(
        Limits {
            max_in_flight: 1,
            ..Limits::default()
        },
        None,
    );
    let body = fixture(PYDANTIC_PB);
    let mut slow = serve::connect(r.http);
    serve::write_head(&mut slow, "/v1/traces", &[PROTO], body.len());
    slow.write_all(&body[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let refused = post(r.http, "/v1/traces", &[PROTO], &body);
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), Some("1"));
    slow.write_all(&body[10..]).unwrap();
    assert_eq!(serve::read_reply(&mut slow).status, 200);
    drop(r);

    // The writer is stuck behind another process's write lock and its queue (one request) is
    // full: the next request gets 503 at once.
    let r = start(
        Limits {
            queue: 1,
            ..Limits::default()
        },
        None,
    );
    let lock = rusqlite::Connection::open(&r.db).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let addr = r.http;
    let pending: Vec<_> = (0..2)
        .map(|i| {
            let mut req = pydantic_request();
            for s in req
                .resource_spans
                .iter_mut()
                .flat_map(|rs| &mut rs.scope_spans)
                .flat_map(|ss| &mut ss.spans)
            {
                s.trace_id[0] = i;
            }
            let bytes = req.encode_to_vec();
            let t = std::thread::spawn(move || post(addr, "/v1/traces", &[PROTO], &bytes).status);
            std::thread::sleep(Duration::from_millis(300));
            t
        })
        .collect();
    let refused = post(r.http, "/v1/traces", &[PROTO], &body);
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("1"));
    lock.execute_batch("COMMIT").unwrap();
    let statuses: Vec<u16> = pending.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        statuses,
        [200, 200],
        "the queued ones commit once the lock goes"
    );
}

#[test]
fn a_trace_sent_span_by_span_merges_and_its_analysis_follows() {
    each_store(
        "a_trace_sent_span_by_span_merges_and_its_analysis_follows",
        span_by_span,
    );
}

fn span_by_span(db: &TestDb) {
    let mut r = serve::start_at(
        &db.db,
        Limits {
            analysis_quiet: Duration::from_millis(50),
            ..Limits::default()
        },
        None,
    );
    let request = pydantic_request();
    let total = span_count(&request);
    // Children first, as BatchSpanProcessor sends them: one span per request.
    for rs in &request.resource_spans {
        for ss in &rs.scope_spans {
            for span in &ss.spans {
                let mut one = rs.clone();
                one.scope_spans = vec![ss.clone()];
                one.scope_spans[0].spans = vec![span.clone()];
                let body = ExportTraceServiceRequest {
                    resource_spans: vec![one],
                }
                .encode_to_vec();
                assert_eq!(post(r.http, "/v1/traces", &[PROTO], &body).status, 200);
            }
        }
    }
    assert_eq!(r.counts(), (total, 1));
    let stats = r.stop();
    assert_eq!(stats.requests, total);
    assert_eq!(stats.spans_stored, total);
    let lines = r.lines.lock().unwrap().clone();
    let last = lines.last().expect("the trace was analysed");
    assert_eq!(last.spans as u64, total);
    let worst = last.worst.as_ref().expect("the lost update is found");
    assert_eq!(worst.kind, "shared_state_mutation");
    // The stored analysis is current: nothing left for a viewer to redo.
    let store = fanout::store::Store::open_read_only(&r.db).unwrap();
    assert!(store.unanalyzed_trace_ids().unwrap().is_empty());
}

#[test]
fn shutdown_finishes_the_request_in_flight_and_commits_it() {
    let mut r = start(Limits::default(), None);
    let body = fixture(PYDANTIC_PB);
    let mut slow = serve::connect(r.http);
    serve::write_head(&mut slow, "/v1/traces", &[PROTO], body.len());
    slow.write_all(&body[..100]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let receiver = r.receiver.take().unwrap();
    let stopping = std::thread::spawn(move || receiver.shutdown());
    std::thread::sleep(Duration::from_millis(200));
    slow.write_all(&body[100..]).unwrap();
    let reply = serve::read_reply(&mut slow);
    assert_eq!(reply.status, 200);
    let stats = stopping.join().unwrap().expect("clean shutdown");
    assert_eq!(stats.requests, 1);
    assert_eq!(r.counts().0, span_count(&pydantic_request()));
    // Nothing listens any more.
    assert!(std::net::TcpStream::connect(r.http).is_err());
}

#[test]
fn logs_are_stored_in_protobuf_and_json() {
    each_store("logs_are_stored_in_protobuf_and_json", logs_stored);
}

fn logs_stored(db: &TestDb) {
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    let r = serve::start_at(&db.db, Limits::default(), None);
    let record = |trace: Vec<u8>| LogRecord {
        trace_id: trace,
        span_id: vec![7; 8],
        event_name: "gen_ai.choice".into(),
        body: Some(AnyValue {
            value: Some(any_value::Value::StringValue("hello".into())),
        }),
        ..Default::default()
    };
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![record(vec![9; 16]), record(vec![1, 2])],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let reply = post(r.http, "/v1/logs", &[PROTO], &request.encode_to_vec());
    assert_eq!(reply.status, 200);
    let answer =
        opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse::decode(
            &reply.body[..],
        )
        .unwrap();
    assert_eq!(answer.partial_success.unwrap().rejected_log_records, 1);
    let json = r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"09090909090909090909090909090909","spanId":"0707070707070707","body":{"stringValue":"again"}}]}]}]}"#;
    let reply = post(r.http, "/v1/logs", &[JSON], json.as_bytes());
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json(), serde_json::json!({}));
    drop(r);
    let stored = db.count("SELECT COUNT(*) FROM logs");
    assert_eq!(stored, 2, "one valid protobuf record, one JSON record");
}
