//! `fanout serve` over OTLP/gRPC, driven by tonic's generated OTLP client: export with and
//! without gzip, partial success, the size cap, UNAUTHENTICATED, and the logs service.

#[path = "support/serve.rs"]
mod serve;

use fanout::serve::Limits;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serve::{fixture, start, PYDANTIC_PB};
use tonic::codec::CompressionEncoding;
use tonic::Code;

fn request() -> ExportTraceServiceRequest {
    ExportTraceServiceRequest::decode(&fixture(PYDANTIC_PB)[..]).unwrap()
}

fn spans(r: &ExportTraceServiceRequest) -> u64 {
    r.resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len() as u64)
        .sum()
}

/// Runs `f` on a runtime of its own (the receiver runs its own; they must not nest).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn export_gzip_and_partial_success_over_grpc() {
    let r = start(Limits::default(), None);
    block_on(async {
        let mut client = TraceServiceClient::connect(format!("http://{}", r.grpc))
            .await
            .unwrap()
            .send_compressed(CompressionEncoding::Gzip);
        let answer = client.export(request()).await.unwrap().into_inner();
        assert_eq!(answer.partial_success, None);
        assert_eq!(r.counts(), (spans(&request()), 1));

        let mut bad = request();
        for s in bad.resource_spans[0].scope_spans[0].spans.iter_mut() {
            s.trace_id = vec![5; 16];
        }
        bad.resource_spans[0].scope_spans[0].spans[0].span_id = vec![];
        let answer = client.export(bad.clone()).await.unwrap().into_inner();
        let partial = answer.partial_success.expect("partial success");
        assert_eq!(partial.rejected_spans, 1);
        assert!(
            partial.error_message.contains("spanId"),
            "{}",
            partial.error_message
        );
        assert_eq!(r.counts(), (2 * spans(&request()) - 1, 2));
    });
}

#[test]
fn empty_requests_succeed_and_oversized_ones_are_refused_over_grpc() {
    let r = start(Limits::default(), None);
    let r2 = start(
        Limits {
            max_decoded: 100,
            ..Limits::default()
        },
        None,
    );
    block_on(async {
        let mut client = LogsServiceClient::connect(format!("http://{}", r.grpc))
            .await
            .unwrap();
        // An empty logs request is fine.
        client
            .export(ExportLogsServiceRequest::default())
            .await
            .unwrap();
        // A message over the decoded-size cap is refused before it is decoded.
        let mut small = TraceServiceClient::connect(format!("http://{}", r2.grpc))
            .await
            .unwrap();
        let err = small.export(request()).await.unwrap_err();
        assert!(
            matches!(err.code(), Code::OutOfRange | Code::ResourceExhausted),
            "{err:?}"
        );
        assert_eq!(r2.counts(), (0, 0));
    });
    drop(r);
}

#[test]
fn the_token_is_checked_over_grpc() {
    let r = start(Limits::default(), Some("s3cret"));
    block_on(async {
        let mut client = TraceServiceClient::connect(format!("http://{}", r.grpc))
            .await
            .unwrap();
        let err = client.export(request()).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated);
        assert_eq!(r.counts(), (0, 0));
        let mut with_token = tonic::Request::new(request());
        with_token
            .metadata_mut()
            .insert("authorization", "Bearer s3cret".parse().unwrap());
        client.export(with_token).await.unwrap();
        assert_eq!(r.counts().1, 1);
    });
}
