//! OTLP/HTTP: `POST /v1/traces` and `POST /v1/logs`, protobuf or JSON, answered in the
//! request's content type. Status codes follow the OTLP specification: 200 once committed (with
//! `partial_success` when spans were rejected), 400 for a malformed body (not retryable), 413
//! over the size limit, 415 for an unknown content type or encoding, 401 without the token,
//! 429/503 with `Retry-After` when the receiver is saturated.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures::StreamExt as _;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;
use tokio::net::TcpListener;

use super::decode::{self, DecodeError, Decoded, Encoding, Signal};
use super::writer::Refused;
use super::Shared;

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";
/// Seconds an exporter should wait before retrying a refused request.
const RETRY_AFTER: &str = "1";

/// Serves until `stop` turns true, then finishes the requests in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/v1/traces", post(traces))
        .route("/v1/logs", post(logs))
        .with_state(shared);
    axum::serve(listener, app)
        .with_graceful_shutdown(super::stopped(stop))
        .await?;
    Ok(())
}

async fn traces(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    export(&shared, Signal::Traces, &headers, body).await
}

async fn logs(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    export(&shared, Signal::Logs, &headers, body).await
}

/// The `google.rpc.Status` OTLP/HTTP puts in error bodies (only its first two fields).
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// gRPC codes used in error bodies.
const INVALID_ARGUMENT: i32 = 3;
const RESOURCE_EXHAUSTED: i32 = 8;
const UNAVAILABLE: i32 = 14;
const UNAUTHENTICATED: i32 = 16;

async fn export(shared: &Shared, signal: Signal, headers: &HeaderMap, body: Body) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let encoding = match content_type.as_deref() {
        Some(PROTOBUF | "application/protobuf") => Encoding::Proto,
        Some(JSON) => Encoding::Json,
        _ => {
            return (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/x-protobuf or application/json\n",
            )
                .into_response()
        }
    };
    let fail = |status, code, message: String| error(encoding, status, code, message);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    if !shared.authorized(authorization) {
        return fail(
            StatusCode::UNAUTHORIZED,
            UNAUTHENTICATED,
            "a bearer token is required (Authorization: Bearer ...)".into(),
        );
    }
    let Ok(_permit) = Arc::clone(&shared.in_flight).try_acquire_owned() else {
        return retry_later(fail(
            StatusCode::TOO_MANY_REQUESTS,
            RESOURCE_EXHAUSTED,
            "too many requests in flight; retry later".into(),
        ));
    };
    let limits = shared.limits;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body as u64) {
        return too_large(encoding, limits.max_body);
    }
    let raw = match tokio::time::timeout(limits.request_timeout, read_body(body, limits.max_body))
        .await
    {
        Err(_) => {
            return fail(
                StatusCode::REQUEST_TIMEOUT,
                INVALID_ARGUMENT,
                "the request body took too long to arrive".into(),
            )
        }
        Ok(Err(BodyError::TooLarge)) => return too_large(encoding, limits.max_body),
        Ok(Err(BodyError::Broken(e))) => {
            return fail(
                StatusCode::BAD_REQUEST,
                INVALID_ARGUMENT,
                format!("cannot read the body: {e}"),
            )
        }
        Ok(Ok(raw)) => raw,
    };
    let content_encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let decoded = tokio::task::spawn_blocking(move || {
        let plain = decode::decompress(raw, content_encoding.as_deref(), limits.max_decoded)?;
        decode::decode(signal, encoding, plain)
    })
    .await;
    let decoded = match decoded {
        Ok(Ok(d)) => d,
        Ok(Err(DecodeError::TooLarge(m))) => {
            return fail(StatusCode::PAYLOAD_TOO_LARGE, RESOURCE_EXHAUSTED, m)
        }
        Ok(Err(DecodeError::Malformed(m))) => {
            return fail(StatusCode::BAD_REQUEST, INVALID_ARGUMENT, m)
        }
        Ok(Err(DecodeError::Unsupported(m))) => {
            return fail(StatusCode::UNSUPPORTED_MEDIA_TYPE, INVALID_ARGUMENT, m)
        }
        Err(_) => {
            return fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                UNAVAILABLE,
                "decoding the request failed".into(),
            )
        }
    };
    let Decoded {
        spans,
        logs,
        rejected,
        message,
    } = decoded;
    if !spans.is_empty() || !logs.is_empty() {
        let unavailable =
            |m: String| retry_later(fail(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE, m));
        let answer = match shared.writer.submit(spans, logs) {
            Ok(answer) => answer,
            Err(Refused::Busy) => {
                return unavailable("the receiver is behind on writing; retry later".into())
            }
            Err(Refused::Closed) => return unavailable("the receiver is shutting down".into()),
        };
        match answer.await {
            Ok(Ok(())) => {}
            Ok(Err(m)) => return unavailable(m),
            Err(_) => return unavailable("the receiver is shutting down".into()),
        }
    }
    success(encoding, signal, rejected, message)
}

enum BodyError {
    TooLarge,
    Broken(axum::Error),
}

/// Reads the body, stopping as soon as it passes `max` bytes.
async fn read_body(body: Body, max: usize) -> Result<Vec<u8>, BodyError> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Broken)?;
        if out.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn success(encoding: Encoding, signal: Signal, rejected: usize, message: String) -> Response {
    let rejected = i64::try_from(rejected).unwrap_or(i64::MAX);
    match encoding {
        Encoding::Proto => {
            let bytes = match signal {
                Signal::Traces => ExportTraceServiceResponse {
                    partial_success: (rejected > 0).then_some(ExportTracePartialSuccess {
                        rejected_spans: rejected,
                        error_message: message,
                    }),
                }
                .encode_to_vec(),
                Signal::Logs => ExportLogsServiceResponse {
                    partial_success: (rejected > 0).then_some(ExportLogsPartialSuccess {
                        rejected_log_records: rejected,
                        error_message: message,
                    }),
                }
                .encode_to_vec(),
            };
            body(StatusCode::OK, PROTOBUF, bytes)
        }
        Encoding::Json => {
            let count = match signal {
                Signal::Traces => "rejectedSpans",
                Signal::Logs => "rejectedLogRecords",
            };
            let value = if rejected > 0 {
                // proto3 JSON writes 64-bit integers as strings.
                serde_json::json!({ "partialSuccess": { count: rejected.to_string(), "errorMessage": message } })
            } else {
                serde_json::json!({})
            };
            body(StatusCode::OK, JSON, value.to_string().into_bytes())
        }
    }
}

fn error(encoding: Encoding, status: StatusCode, code: i32, message: String) -> Response {
    match encoding {
        Encoding::Proto => body(
            status,
            PROTOBUF,
            RpcStatus { code, message }.encode_to_vec(),
        ),
        Encoding::Json => body(
            status,
            JSON,
            serde_json::json!({ "code": code, "message": message })
                .to_string()
                .into_bytes(),
        ),
    }
}

fn too_large(encoding: Encoding, max: usize) -> Response {
    error(
        encoding,
        StatusCode::PAYLOAD_TOO_LARGE,
        RESOURCE_EXHAUSTED,
        format!("the body is larger than {max} bytes; send smaller batches"),
    )
}

fn retry_later(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER));
    response
}

fn body(status: StatusCode, content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response()
}
