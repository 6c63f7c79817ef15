//! OTLP/gRPC: `TraceService/Export` and `LogsService/Export` (service definitions from
//! `opentelemetry-proto`), gzip accepted. Same decoding, token check, in-flight budget and
//! writer queue as OTLP/HTTP; statuses as the OTLP specification says: INVALID_ARGUMENT for a
//! malformed request (not retried), UNAVAILABLE when saturated (retried), UNAUTHENTICATED
//! without the token.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

use super::decode::{self, DecodeError, Decoded, Encoding, Signal};
use super::writer::Refused;
use super::Shared;

/// HTTP/2 header list cap (bytes).
const MAX_HEADER_LIST: u32 = 64 * 1024;

/// Serves until `stop` turns true, then finishes the calls in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let max = shared.limits.max_decoded;
    let timeout = shared.limits.request_timeout;
    let traces = TraceServiceServer::new(Service(Arc::clone(&shared)))
        .accept_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(max);
    let logs = LogsServiceServer::new(Service(shared))
        .accept_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(max);
    tonic::transport::Server::builder()
        .timeout(timeout)
        .http2_max_header_list_size(MAX_HEADER_LIST)
        .add_service(traces)
        .add_service(logs)
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener),
            super::stopped(stop),
        )
        .await?;
    Ok(())
}

struct Service(Arc<Shared>);

impl Service {
    /// Checks the token and the budget, decodes `body` and waits for its commit.
    async fn export<T>(
        &self,
        request: &Request<T>,
        signal: Signal,
        body: Vec<u8>,
    ) -> Result<(usize, String), Status> {
        let shared = &self.0;
        let authorization = request
            .metadata()
            .get("authorization")
            .map(|v| v.as_bytes());
        if !shared.authorized(authorization) {
            return Err(Status::unauthenticated(
                "a bearer token is required (authorization: Bearer ...)",
            ));
        }
        let Ok(_permit) = Arc::clone(&shared.in_flight).try_acquire_owned() else {
            return Err(Status::unavailable(
                "too many requests in flight; retry later",
            ));
        };
        let decoded =
            tokio::task::spawn_blocking(move || decode::decode(signal, Encoding::Proto, body))
                .await
                .map_err(|_| Status::internal("decoding the request failed"))?;
        let Decoded {
            spans,
            logs,
            rejected,
            message,
        } = match decoded {
            Ok(d) => d,
            Err(DecodeError::TooLarge(m)) => return Err(Status::resource_exhausted(m)),
            Err(DecodeError::Malformed(m) | DecodeError::Unsupported(m)) => {
                return Err(Status::invalid_argument(m))
            }
        };
        if !spans.is_empty() || !logs.is_empty() {
            let answer = match shared.writer.submit(spans, logs) {
                Ok(a) => a,
                Err(Refused::Busy) => {
                    return Err(Status::unavailable(
                        "the receiver is behind on writing; retry later",
                    ))
                }
                Err(Refused::Closed) => {
                    return Err(Status::unavailable("the receiver is shutting down"))
                }
            };
            match answer.await {
                Ok(Ok(())) => {}
                Ok(Err(m)) => return Err(Status::unavailable(m)),
                Err(_) => return Err(Status::unavailable("the receiver is shutting down")),
            }
        }
        Ok((rejected, message))
    }
}

#[tonic::async_trait]
impl TraceService for Service {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        // The readers take the encoded request (they point errors at byte offsets).
        let body = request.get_ref().encode_to_vec();
        let (rejected, message) = Service::export(self, &request, Signal::Traces, body).await?;
        let rejected = i64::try_from(rejected).unwrap_or(i64::MAX);
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: (rejected > 0).then_some(ExportTracePartialSuccess {
                rejected_spans: rejected,
                error_message: message,
            }),
        }))
    }
}

#[tonic::async_trait]
impl LogsService for Service {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let body = request.get_ref().encode_to_vec();
        let (rejected, message) = Service::export(self, &request, Signal::Logs, body).await?;
        let rejected = i64::try_from(rejected).unwrap_or(i64::MAX);
        Ok(Response::new(ExportLogsServiceResponse {
            partial_success: (rejected > 0).then_some(ExportLogsPartialSuccess {
                rejected_log_records: rejected,
                error_message: message,
            }),
        }))
    }
}
