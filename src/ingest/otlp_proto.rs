//! OTLP protobuf input: one serialized `ExportTraceServiceRequest` (an OTLP/HTTP body; bodies
//! concatenated in arrival order decode as one merged request), the Collector file exporter's
//! `format: proto` files, where every record is preceded by its length as 4 big-endian bytes, or
//! protobuf's varint-delimited stream of requests.
//!
//! Owns: choosing between those layouts, decoding with the `opentelemetry-proto` prost
//! messages (never by hand), converting every field into [`crate::model::Span`], and pointing
//! errors at a byte offset and field path. It must not interpret GenAI conventions.

mod locate;
pub mod logs;
pub mod stream;

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1 as pc;
use opentelemetry_proto::tonic::trace::v1 as pt;
use prost::bytes::Bytes;
use prost::Message;

use super::{IngestError, Location, OnInvalid, ReadError, ReadStats, Sink};
use crate::model::{
    AnyValue, KeyValue, Resource, Scope, Span, SpanEvent, SpanId, SpanKind, SpanLink, Status,
    StatusCode, TraceId,
};

/// Spans handed to the sink per call.
const CHUNK: usize = 1024;

/// Cheap content check for format detection: `head` (the first bytes of an input, possibly not
/// all of it) starts like an OTLP trace request, either raw or behind a 4-byte or varint length
/// prefix. Decodes at most the first `ResourceSpans`, and only when `head` holds all of it.
pub fn looks_like_otlp_proto(head: &[u8]) -> bool {
    let varint = || {
        let len = prost::decode_length_delimiter(head).ok()?;
        head.get(prost::length_delimiter_len(len)..)
    };
    starts_with_resource_spans(head)
        || split_prefix(head).is_some_and(|(len, rest)| len > 0 && starts_with_resource_spans(rest))
        || varint().is_some_and(starts_with_resource_spans)
}

fn split_prefix(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let head: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some((u32::from_be_bytes(head) as usize, bytes.get(4..)?))
}

/// True when `bytes` open with field 1 (`resource_spans`, length-delimited) whose payload decodes
/// as a `ResourceSpans`; when the payload runs past the end of `bytes`, its first byte must be
/// the key of a `ResourceSpans` field (resource, scope_spans or schema_url).
fn starts_with_resource_spans(bytes: &[u8]) -> bool {
    if bytes.first() != Some(&0x0a) {
        return false;
    }
    let Some(rest) = bytes.get(1..) else {
        return false;
    };
    let Ok(len) = prost::decode_length_delimiter(rest) else {
        return false;
    };
    let Some(payload) = bytes.get(1 + prost::length_delimiter_len(len)..) else {
        return false;
    };
    match payload.get(..len) {
        _ if len == 0 => false,
        Some(whole) => pt::ResourceSpans::decode(whole).is_ok(),
        // Only part of it is here: demand a real head (not a tiny file) whose first field is a
        // length-delimited ResourceSpans field that fits inside the declared length.
        None => {
            payload.len() >= 64
                && matches!(payload.first(), Some(0x0a | 0x12 | 0x1a))
                && payload
                    .get(1..)
                    .and_then(|p| prost::decode_length_delimiter(p).ok())
                    .is_some_and(|inner| inner < len)
        }
    }
}

/// How records are delimited in a file of several requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// 4-byte unsigned big-endian length (the Collector file exporter's `format: proto`).
    Fixed32,
    /// Protobuf varint length (protobuf's "delimited" streams, as `writeDelimitedTo` writes).
    Varint,
}

/// Reads OTLP protobuf `bytes` (named `file` in errors) into `sink`.
///
/// Layouts are tried in turn: 4-byte length-prefixed records that all decode; varint-delimited
/// records that all decode (only when the file cannot be a raw request, which always starts
/// with field 1, byte `0x0a`); else one raw request (concatenated bodies merge). When nothing
/// decodes but the 4-byte prefixes chain exactly, the records are reported one by one; a
/// 4-byte-framed file cut short keeps its whole records and reports where the cut one starts.
pub fn read(
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    read_owned(file, bytes.to_vec(), on_invalid, sink)
}

/// [`read`] for bytes the caller no longer needs: decodes them without another copy.
pub fn read_owned(
    file: &str,
    bytes: Vec<u8>,
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    let mut out = Output::new(file, on_invalid, sink);
    let bytes = Bytes::from(bytes);
    let fixed = frames(&bytes, Prefix::Fixed32).map(decode_records);
    if let Some(records) = fixed.as_ref().filter(|r| all_decoded(r)) {
        out.records(records)?;
        return out.finish();
    }
    if bytes.first() != Some(&0x0a) {
        if let Some(records) = frames(&bytes, Prefix::Varint).map(decode_records) {
            if all_decoded(&records) {
                out.records(&records)?;
                return out.finish();
            }
        }
    }
    match (ExportTraceServiceRequest::decode(bytes.clone()), fixed) {
        (Ok(request), _) => out.request(&request, &bytes, 0)?,
        (Err(_), Some(records)) => out.records(&records)?,
        (Err(_), None) => match truncated_fixed_frames(&bytes) {
            // A length-prefixed file cut short: keep the whole records, report the cut one.
            Some((records, error)) => {
                out.records(&decode_records(records))?;
                out.invalid(IngestError::new(file, error.0, None, error.1))?;
            }
            None => out.invalid(locate::locate_decode_error(file, &bytes, 0))?,
        },
    }
    out.finish()
}

/// When `bytes` are 4-byte length-prefixed records whose first decodes but whose last runs past
/// the end: the whole records, and where and how the last one is cut.
fn truncated_fixed_frames(bytes: &Bytes) -> Option<(Frames, (Location, String))> {
    let mut records = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let available = bytes.len() - pos;
        let declared = split_prefix(bytes.get(pos..)?).map(|(len, _)| len);
        let end = declared.and_then(|len| pos.checked_add(4)?.checked_add(len));
        match (declared, end) {
            (Some(_), Some(end)) if end <= bytes.len() => {
                records.push(((pos + 4) as u64, bytes.slice(pos + 4..end)));
                pos = end;
            }
            _ => {
                let first = records.first()?;
                ExportTraceServiceRequest::decode(first.1.clone()).ok()?;
                let message = match declared {
                    Some(len) => format!(
                        "record {} declares {len} bytes but the file ends {} bytes later (truncated?)",
                        records.len() + 1,
                        available.saturating_sub(4)
                    ),
                    None => format!("{available} stray bytes after the last whole record (truncated?)"),
                };
                return Some((records, (Location::Offset(pos as u64), message)));
            }
        }
    }
    None
}

/// (payload offset, payload) of each record.
type Frames = Vec<(u64, Bytes)>;

/// (payload offset, payload, decoded request) of each record.
type Records = Vec<(
    u64,
    Bytes,
    Result<ExportTraceServiceRequest, prost::DecodeError>,
)>;

fn decode_records(frames: Frames) -> Records {
    frames
        .into_iter()
        .map(|(at, raw)| {
            let request = ExportTraceServiceRequest::decode(raw.clone());
            (at, raw, request)
        })
        .collect()
}

fn all_decoded(records: &Records) -> bool {
    records.iter().all(|(_, _, r)| r.is_ok())
}

/// Splits `bytes` into length-prefixed records when the prefixes chain exactly to the end.
/// Each item is (byte offset of the payload, payload).
fn frames(bytes: &Bytes, prefix: Prefix) -> Option<Frames> {
    let mut records = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let rest = bytes.get(pos..)?;
        let (len, header) = match prefix {
            Prefix::Fixed32 => (split_prefix(rest)?.0, 4),
            Prefix::Varint => {
                let len = prost::decode_length_delimiter(rest).ok()?;
                (len, prost::length_delimiter_len(len))
            }
        };
        let start = pos.checked_add(header)?;
        let end = start.checked_add(len)?;
        if end > bytes.len() {
            return None;
        }
        records.push((start as u64, bytes.slice(start..end)));
        pos = end;
    }
    (!records.is_empty()).then_some(records)
}

struct Output<'a> {
    file: &'a str,
    on_invalid: OnInvalid,
    sink: &'a mut dyn Sink,
    pending: Vec<Span>,
    stats: ReadStats,
    dups: super::duplicates::DuplicateCheck,
}

impl<'a> Output<'a> {
    fn new(file: &'a str, on_invalid: OnInvalid, sink: &'a mut dyn Sink) -> Self {
        Self {
            file,
            on_invalid,
            sink,
            pending: Vec::new(),
            stats: ReadStats::default(),
            dups: Default::default(),
        }
    }

    fn records(&mut self, records: &Records) -> Result<(), ReadError> {
        for (at, raw, request) in records {
            match request {
                Ok(request) => self.request(request, raw, *at)?,
                Err(_) => self.invalid(locate::locate_decode_error(self.file, raw, *at))?,
            }
        }
        Ok(())
    }

    fn invalid(&mut self, error: IngestError) -> Result<(), ReadError> {
        match self.on_invalid {
            OnInvalid::Fail => Err(ReadError::Invalid(error)),
            OnInvalid::Skip => {
                self.stats.skipped += 1;
                self.sink.skipped(error);
                Ok(())
            }
        }
    }

    fn push(&mut self, span: Span) -> Result<(), ReadError> {
        self.pending.push(span);
        if self.pending.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ReadError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.pending);
        self.stats.spans += chunk.len();
        self.sink.spans(chunk).map_err(|source| ReadError::Sink {
            file: self.file.to_owned(),
            source,
        })
    }

    fn finish(mut self) -> Result<ReadStats, ReadError> {
        self.flush()?;
        Ok(self.stats)
    }

    /// Converts one decoded request whose encoding is `raw`, starting at byte `base` of the file.
    fn request(
        &mut self,
        request: &ExportTraceServiceRequest,
        raw: &Bytes,
        base: u64,
    ) -> Result<(), ReadError> {
        self.stats.records += 1;
        let offsets = locate::SpanOffsets::of(raw, base);
        for (ri, rs) in request.resource_spans.iter().enumerate() {
            let resource = Arc::new(resource(rs));
            for (si, ss) in rs.scope_spans.iter().enumerate() {
                let scope = Arc::new(scope(ss));
                for (pi, span) in ss.spans.iter().enumerate() {
                    let path = format!("resourceSpans[{ri}].scopeSpans[{si}].spans[{pi}]");
                    let at = offsets.get(ri, si, pi);
                    match convert_span(span, &resource, &scope) {
                        Ok(span) => match self.dups.check(self.file, &span, at) {
                            Ok(()) => self.push(span)?,
                            Err(mut e) => {
                                e.field = Some(format!("{path}.spanId"));
                                self.invalid(e)?
                            }
                        },
                        Err((field, message)) => {
                            let error = IngestError::new(
                                self.file,
                                at,
                                Some(format!("{path}.{field}")),
                                message,
                            );
                            self.invalid(error)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn resource(rs: &pt::ResourceSpans) -> Resource {
    let r = rs.resource.as_ref();
    Resource {
        attributes: r.map(|r| attributes(&r.attributes)).unwrap_or_default(),
        dropped_attributes_count: r.map_or(0, |r| r.dropped_attributes_count),
        schema_url: rs.schema_url.clone(),
    }
}

fn scope(ss: &pt::ScopeSpans) -> Scope {
    let s = ss.scope.as_ref();
    Scope {
        name: s.map(|s| s.name.clone()).unwrap_or_default(),
        version: s.map(|s| s.version.clone()).unwrap_or_default(),
        attributes: s.map(|s| attributes(&s.attributes)).unwrap_or_default(),
        dropped_attributes_count: s.map_or(0, |s| s.dropped_attributes_count),
        schema_url: ss.schema_url.clone(),
    }
}

/// Converts a protobuf `AnyValue`; the profiles-only string-table index becomes `Empty`.
pub fn any_value(v: &pc::AnyValue) -> AnyValue {
    use pc::any_value::Value as V;
    match &v.value {
        None | Some(V::StringValueStrindex(_)) => AnyValue::Empty,
        Some(V::StringValue(s)) => AnyValue::String(s.clone()),
        Some(V::BoolValue(b)) => AnyValue::Bool(*b),
        Some(V::IntValue(i)) => AnyValue::Int(*i),
        Some(V::DoubleValue(d)) => AnyValue::Double(*d),
        Some(V::BytesValue(b)) => AnyValue::Bytes(b.clone()),
        Some(V::ArrayValue(a)) => AnyValue::Array(a.values.iter().map(any_value).collect()),
        Some(V::KvlistValue(kv)) => AnyValue::KvList(attributes(&kv.values)),
    }
}

pub fn attributes(kvs: &[pc::KeyValue]) -> Vec<KeyValue> {
    kvs.iter()
        .map(|kv| {
            KeyValue::new(
                kv.key.clone(),
                kv.value.as_ref().map(any_value).unwrap_or_default(),
            )
        })
        .collect()
}

/// (field, message) of a bad id.
type FieldError = (String, String);

fn trace_id(bytes: &[u8], field: &str) -> Result<TraceId, FieldError> {
    TraceId::from_bytes(bytes).ok_or_else(|| (field.to_owned(), id_problem(bytes, 16)))
}

fn span_id(bytes: &[u8], field: &str) -> Result<SpanId, FieldError> {
    SpanId::from_bytes(bytes).ok_or_else(|| (field.to_owned(), id_problem(bytes, 8)))
}

fn id_problem(bytes: &[u8], expected: usize) -> String {
    if bytes.len() == expected {
        "an all-zero id is invalid".to_owned()
    } else if bytes.is_empty() {
        format!("missing (expected {expected} bytes)")
    } else {
        format!("expected {expected} bytes, got {}", bytes.len())
    }
}

fn convert_span(
    s: &pt::Span,
    resource: &Arc<Resource>,
    scope: &Arc<Scope>,
) -> Result<Span, FieldError> {
    let trace = trace_id(&s.trace_id, "traceId")?;
    let id = span_id(&s.span_id, "spanId")?;
    // Empty means root; an all-zero parent is treated as absent too (OTLP: all-zero = no id),
    // as the OTLP/JSON reader does.
    let parent = match s.parent_span_id.as_slice() {
        p if p.iter().all(|b| *b == 0) => None,
        p => Some(span_id(p, "parentSpanId")?),
    };
    if s.end_time_unix_nano != 0 && s.end_time_unix_nano < s.start_time_unix_nano {
        let message = format!(
            "span ends before it starts (start {}, end {})",
            s.start_time_unix_nano, s.end_time_unix_nano
        );
        return Err(("endTimeUnixNano".into(), message));
    }
    if parent == Some(id) {
        return Err(("parentSpanId".into(), "span is its own parent".to_owned()));
    }
    let events = s
        .events
        .iter()
        .map(|e| SpanEvent {
            time_unix_nano: e.time_unix_nano,
            name: e.name.clone(),
            attributes: attributes(&e.attributes),
            dropped_attributes_count: e.dropped_attributes_count,
        })
        .collect();
    let links = s
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(SpanLink {
                trace_id: trace_id(&l.trace_id, &format!("links[{i}].traceId"))?,
                span_id: span_id(&l.span_id, &format!("links[{i}].spanId"))?,
                trace_state: l.trace_state.clone(),
                attributes: attributes(&l.attributes),
                dropped_attributes_count: l.dropped_attributes_count,
                flags: l.flags,
            })
        })
        .collect::<Result<Vec<_>, FieldError>>()?;
    let status = s.status.as_ref().map_or_else(Status::default, |st| Status {
        code: StatusCode::from_i32(st.code),
        message: st.message.clone(),
    });
    let span = Span {
        trace_id: trace,
        span_id: id,
        parent_span_id: parent,
        trace_state: s.trace_state.clone(),
        flags: s.flags,
        name: s.name.clone(),
        kind: SpanKind::from_i32(s.kind),
        start_unix_nano: s.start_time_unix_nano,
        end_unix_nano: s.end_time_unix_nano,
        attributes: attributes(&s.attributes),
        dropped_attributes_count: s.dropped_attributes_count,
        events,
        dropped_events_count: s.dropped_events_count,
        links,
        dropped_links_count: s.dropped_links_count,
        status,
        resource: Arc::clone(resource),
        scope: Arc::clone(scope),
    };
    match span.too_deep_attribute() {
        Some(field) => Err((field, crate::limits::too_deep())),
        None => Ok(span),
    }
}
