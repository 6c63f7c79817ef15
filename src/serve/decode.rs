//! Request bodies into spans and log records: undoing `Content-Encoding` within a size cap, then
//! the OTLP protobuf and JSON readers of [`crate::ingest`] with invalid records skipped, so one
//! bad span is rejected alone and counted for `partial_success`.

use std::io::Read;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use prost::Message;

use crate::ingest::otlp_proto::logs::convert_logs;
use crate::ingest::{otlp_json, otlp_proto, OnInvalid, ReadError, VecSink};
use crate::model::{LogRecord, Span};

/// Name given to request bodies in reader messages.
const SOURCE: &str = "request";

/// Which OTLP signal a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Logs,
}

/// Protobuf or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Proto,
    Json,
}

/// What a request held: the records to store, and those rejected.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub spans: Vec<Span>,
    pub logs: Vec<LogRecord>,
    /// Spans (or log records, for the logs signal) rejected individually.
    pub rejected: usize,
    /// Why, for the first few.
    pub message: String,
}

/// Why a request cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Over the size cap (413 / RESOURCE_EXHAUSTED).
    TooLarge(String),
    /// Not a valid request (400 / INVALID_ARGUMENT; not retryable).
    Malformed(String),
    /// A content encoding this receiver does not read (415).
    Unsupported(String),
}

/// Undoes `content_encoding` (`gzip`, `deflate` or none), refusing output over `max` bytes.
pub(crate) fn decompress(
    body: Vec<u8>,
    content_encoding: Option<&str>,
    max: usize,
) -> Result<Vec<u8>, DecodeError> {
    let encoding = content_encoding.map(|e| e.trim().to_ascii_lowercase());
    let out = match encoding.as_deref() {
        None | Some("" | "identity") => return Ok(body),
        Some("gzip" | "x-gzip") => read_capped(flate2::read::MultiGzDecoder::new(&body[..]), max),
        // HTTP's "deflate" is zlib-wrapped; some clients send raw deflate.
        Some("deflate") => {
            read_capped(flate2::read::ZlibDecoder::new(&body[..]), max).or_else(|e| match e {
                DecodeError::Malformed(_) => {
                    read_capped(flate2::read::DeflateDecoder::new(&body[..]), max)
                }
                other => Err(other),
            })
        }
        Some(other) => {
            return Err(DecodeError::Unsupported(format!(
                "Content-Encoding {other:?} is not supported (use gzip, deflate or none)"
            )))
        }
    }?;
    Ok(out)
}

fn read_capped(reader: impl Read, max: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Malformed(format!("cannot decompress the body: {e}")))?;
    if out.len() > max {
        return Err(DecodeError::TooLarge(format!(
            "the body decompresses to more than {max} bytes"
        )));
    }
    Ok(out)
}

/// Decodes an uncompressed body.
pub(crate) fn decode(
    signal: Signal,
    encoding: Encoding,
    body: Vec<u8>,
) -> Result<Decoded, DecodeError> {
    match (signal, encoding) {
        (Signal::Traces, Encoding::Proto) => traces_proto(body),
        (Signal::Logs, Encoding::Proto) => logs_proto(&body),
        (_, Encoding::Json) => json(&body),
    }
}

fn traces_proto(body: Vec<u8>) -> Result<Decoded, DecodeError> {
    let empty = body.is_empty();
    let mut sink = VecSink::default();
    let stats = otlp_proto::read_owned(SOURCE, body, OnInvalid::Skip, &mut sink)
        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if stats.records == 0 && !empty {
        let why = sink.skipped.first().map_or_else(
            || "not an OTLP trace request".to_owned(),
            ToString::to_string,
        );
        return Err(DecodeError::Malformed(why));
    }
    let messages: Vec<String> = sink.skipped.iter().map(ToString::to_string).collect();
    Ok(Decoded {
        spans: sink.spans,
        logs: sink.logs,
        rejected: messages.len(),
        message: summarize(&messages),
    })
}

fn logs_proto(body: &[u8]) -> Result<Decoded, DecodeError> {
    let request = ExportLogsServiceRequest::decode(body)
        .map_err(|e| DecodeError::Malformed(format!("not an OTLP logs request: {e}")))?;
    let (logs, rejected) = convert_logs(&request);
    Ok(Decoded {
        spans: Vec::new(),
        logs,
        rejected: rejected.len(),
        message: summarize(&rejected),
    })
}

/// OTLP/JSON: the whole body first; when a record in it is invalid, each span (and the log
/// part) is read on its own so the valid ones are kept.
fn json(body: &[u8]) -> Result<Decoded, DecodeError> {
    let mut sink = VecSink::default();
    match otlp_json::read(SOURCE, body, OnInvalid::Fail, &mut sink) {
        Ok(_) => Ok(Decoded {
            spans: sink.spans,
            logs: sink.logs,
            rejected: 0,
            message: String::new(),
        }),
        Err(ReadError::Invalid(first)) => json_one_by_one(body, &first.to_string()),
        Err(e) => Err(DecodeError::Malformed(e.to_string())),
    }
}

fn json_one_by_one(body: &[u8], first: &str) -> Result<Decoded, DecodeError> {
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return Err(DecodeError::Malformed(first.to_owned()));
    };
    let mut decoded = Decoded::default();
    let mut messages = Vec::new();
    let mut parts = Vec::new();
    let groups = |camel: &str, snake: &str| {
        doc.get(camel)
            .or_else(|| doc.get(snake))
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default()
    };
    for rs in groups("resourceSpans", "resource_spans") {
        split_group(&rs, "resourceSpans", "scopeSpans", "spans", &mut parts);
    }
    for rl in groups("resourceLogs", "resource_logs") {
        split_group(&rl, "resourceLogs", "scopeLogs", "logRecords", &mut parts);
    }
    if parts.is_empty() {
        return Err(DecodeError::Malformed(first.to_owned()));
    }
    for part in parts {
        let text = part.to_string();
        let mut sink = VecSink::default();
        match otlp_json::read(SOURCE, text.as_bytes(), OnInvalid::Fail, &mut sink) {
            Ok(_) => {
                decoded.spans.append(&mut sink.spans);
                decoded.logs.append(&mut sink.logs);
            }
            Err(e) => {
                decoded.rejected += 1;
                messages.push(e.to_string());
            }
        }
    }
    decoded.message = summarize(&messages);
    Ok(decoded)
}

/// Splits one resource group into single-record requests keeping resource and scope.
fn split_group(
    group: &serde_json::Value,
    top: &str,
    scopes_key: &str,
    records_key: &str,
    out: &mut Vec<serde_json::Value>,
) {
    let snake = |k: &str| {
        let mut s = String::new();
        for c in k.chars() {
            if c.is_ascii_uppercase() {
                s.push('_');
                s.push(c.to_ascii_lowercase());
            } else {
                s.push(c);
            }
        }
        s
    };
    let get = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .or_else(|| v.get(snake(k)))
            .and_then(|x| x.as_array())
            .cloned()
            .unwrap_or_default()
    };
    let mut shell = group.clone();
    if let Some(o) = shell.as_object_mut() {
        o.remove(scopes_key);
        o.remove(&snake(scopes_key));
    }
    for scope in get(group, scopes_key) {
        let mut scope_shell = scope.clone();
        if let Some(o) = scope_shell.as_object_mut() {
            o.remove(records_key);
            o.remove(&snake(records_key));
        }
        for record in get(&scope, records_key) {
            let mut s = scope_shell.clone();
            let mut g = shell.clone();
            if let (Some(so), Some(go)) = (s.as_object_mut(), g.as_object_mut()) {
                so.insert(
                    records_key.to_owned(),
                    serde_json::Value::Array(vec![record]),
                );
                go.insert(scopes_key.to_owned(), serde_json::Value::Array(vec![s]));
            }
            out.push(serde_json::json!({ top: [g] }));
        }
    }
}

/// The first three messages, and how many more.
fn summarize(messages: &[String]) -> String {
    let mut text = messages
        .iter()
        .take(3)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if messages.len() > 3 {
        text.push_str(&format!("; and {} more", messages.len() - 3));
    }
    text
}
