//! OTLP/JSON reader: one `ExportTraceServiceRequest` document (pretty-printed or not), or JSON
//! Lines of them as the Collector's file exporter writes.
//!
//! Accepts what real receivers accept: hex ids (any case; base64 ids from old exporters), int64 as
//! decimal strings or numbers, camelCase or snake_case keys, enums as integers or names, every
//! AnyValue variant, and the deprecated `instrumentationLibrarySpans`. Unknown fields are
//! ignored. Errors name the file, the line, and the field path.

use std::borrow::Cow;
use std::io::BufRead;
use std::sync::Arc;

use serde::Deserialize;

use super::lenient::{enum_any, u32_any, u64_any, EnumRepr};
use super::{IngestError, Location, OnInvalid, ReadError, ReadStats, Sink};
use crate::model::{
    KeyValue, LogRecord, Resource, Scope, Span, SpanEvent, SpanId, SpanKind, SpanLink, Status,
    StatusCode, TraceId,
};

/// Spans are handed to the sink in chunks of about this many.
const CHUNK: usize = 1024;

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(default, alias = "resource_spans", borrow)]
    #[serde(rename = "resourceSpans")]
    resource_spans: Option<Vec<ResourceSpansJ<'a>>>,
    #[serde(default, rename = "resourceLogs", alias = "resource_logs", borrow)]
    resource_logs: Option<Vec<ResourceLogsJ<'a>>>,
}

#[derive(Deserialize)]
struct ResourceLogsJ<'a> {
    #[serde(default)]
    resource: ResourceJ,
    #[serde(
        default,
        rename = "scopeLogs",
        alias = "scope_logs",
        alias = "instrumentationLibraryLogs",
        alias = "instrumentation_library_logs",
        borrow
    )]
    scope_logs: Vec<ScopeLogsJ<'a>>,
    #[serde(default, rename = "schemaUrl", alias = "schema_url")]
    schema_url: String,
}

#[derive(Deserialize)]
struct ScopeLogsJ<'a> {
    #[serde(
        default,
        alias = "instrumentationLibrary",
        alias = "instrumentation_library"
    )]
    scope: ScopeJ,
    #[serde(default, rename = "logRecords", alias = "log_records", borrow)]
    log_records: Vec<LogRecordJ<'a>>,
    #[serde(default, rename = "schemaUrl", alias = "schema_url")]
    schema_url: String,
}

#[derive(Deserialize)]
struct LogRecordJ<'a> {
    #[serde(
        default,
        rename = "timeUnixNano",
        alias = "time_unix_nano",
        deserialize_with = "u64_any"
    )]
    time: u64,
    #[serde(
        default,
        rename = "observedTimeUnixNano",
        alias = "observed_time_unix_nano",
        deserialize_with = "u64_any"
    )]
    observed_time: u64,
    #[serde(
        default,
        rename = "severityNumber",
        alias = "severity_number",
        deserialize_with = "enum_any"
    )]
    severity_number: EnumRepr,
    #[serde(default, rename = "severityText", alias = "severity_text")]
    severity_text: String,
    #[serde(default)]
    body: crate::model::AnyValue,
    #[serde(default)]
    attributes: Vec<KeyValue>,
    #[serde(
        default,
        rename = "droppedAttributesCount",
        alias = "dropped_attributes_count",
        deserialize_with = "u32_any"
    )]
    dropped_attributes_count: u32,
    #[serde(default, deserialize_with = "u32_any")]
    flags: u32,
    #[serde(default, rename = "traceId", alias = "trace_id", borrow)]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "spanId", alias = "span_id", borrow)]
    span_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "eventName", alias = "event_name")]
    event_name: String,
}

#[derive(Deserialize)]
struct ResourceSpansJ<'a> {
    #[serde(default)]
    resource: ResourceJ,
    #[serde(
        default,
        rename = "scopeSpans",
        alias = "scope_spans",
        alias = "instrumentationLibrarySpans",
        alias = "instrumentation_library_spans",
        borrow
    )]
    scope_spans: Vec<ScopeSpansJ<'a>>,
    #[serde(default, rename = "schemaUrl", alias = "schema_url")]
    schema_url: String,
}

#[derive(Deserialize, Default)]
struct ResourceJ {
    #[serde(default)]
    attributes: Vec<KeyValue>,
    #[serde(
        default,
        rename = "droppedAttributesCount",
        alias = "dropped_attributes_count",
        deserialize_with = "u32_any"
    )]
    dropped_attributes_count: u32,
}

#[derive(Deserialize)]
struct ScopeSpansJ<'a> {
    #[serde(
        default,
        alias = "instrumentationLibrary",
        alias = "instrumentation_library"
    )]
    scope: ScopeJ,
    #[serde(default, borrow)]
    spans: Vec<SpanJ<'a>>,
    #[serde(default, rename = "schemaUrl", alias = "schema_url")]
    schema_url: String,
}

impl ResourceJ {
    fn into_resource(self, schema_url: String) -> Arc<Resource> {
        Arc::new(Resource {
            attributes: self.attributes,
            dropped_attributes_count: self.dropped_attributes_count,
            schema_url,
        })
    }
}

impl ScopeJ {
    fn into_scope(self, schema_url: String) -> Arc<Scope> {
        Arc::new(Scope {
            name: self.name,
            version: self.version,
            attributes: self.attributes,
            dropped_attributes_count: self.dropped_attributes_count,
            schema_url,
        })
    }
}

#[derive(Deserialize, Default)]
struct ScopeJ {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    attributes: Vec<KeyValue>,
    #[serde(
        default,
        rename = "droppedAttributesCount",
        alias = "dropped_attributes_count",
        deserialize_with = "u32_any"
    )]
    dropped_attributes_count: u32,
}

#[derive(Deserialize)]
struct SpanJ<'a> {
    #[serde(default, rename = "traceId", alias = "trace_id", borrow)]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "spanId", alias = "span_id", borrow)]
    span_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "parentSpanId", alias = "parent_span_id", borrow)]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "traceState", alias = "trace_state")]
    trace_state: String,
    #[serde(default, deserialize_with = "u32_any")]
    flags: u32,
    #[serde(default)]
    name: String,
    #[serde(default, deserialize_with = "enum_any")]
    kind: EnumRepr,
    #[serde(
        default,
        rename = "startTimeUnixNano",
        alias = "start_time_unix_nano",
        deserialize_with = "u64_any"
    )]
    start: u64,
    #[serde(
        default,
        rename = "endTimeUnixNano",
        alias = "end_time_unix_nano",
        deserialize_with = "u64_any"
    )]
    end: u64,
    #[serde(default)]
    attributes: Vec<KeyValue>,
    #[serde(
        default,
        rename = "droppedAttributesCount",
        alias = "dropped_attributes_count",
        deserialize_with = "u32_any"
    )]
    dropped_attributes_count: u32,
    #[serde(default)]
    events: Vec<EventJ>,
    #[serde(
        default,
        rename = "droppedEventsCount",
        alias = "dropped_events_count",
        deserialize_with = "u32_any"
    )]
    dropped_events_count: u32,
    #[serde(default, borrow)]
    links: Vec<LinkJ<'a>>,
    #[serde(
        default,
        rename = "droppedLinksCount",
        alias = "dropped_links_count",
        deserialize_with = "u32_any"
    )]
    dropped_links_count: u32,
    #[serde(default)]
    status: StatusJ,
}

#[derive(Deserialize)]
struct EventJ {
    #[serde(
        default,
        rename = "timeUnixNano",
        alias = "time_unix_nano",
        deserialize_with = "u64_any"
    )]
    time: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    attributes: Vec<KeyValue>,
    #[serde(
        default,
        rename = "droppedAttributesCount",
        alias = "dropped_attributes_count",
        deserialize_with = "u32_any"
    )]
    dropped_attributes_count: u32,
}

#[derive(Deserialize)]
struct LinkJ<'a> {
    #[serde(default, rename = "traceId", alias = "trace_id", borrow)]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "spanId", alias = "span_id", borrow)]
    span_id: Option<Cow<'a, str>>,
    #[serde(default, rename = "traceState", alias = "trace_state")]
    trace_state: String,
    #[serde(default)]
    attributes: Vec<KeyValue>,
    #[serde(
        default,
        rename = "droppedAttributesCount",
        alias = "dropped_attributes_count",
        deserialize_with = "u32_any"
    )]
    dropped_attributes_count: u32,
    #[serde(default, deserialize_with = "u32_any")]
    flags: u32,
}

#[derive(Deserialize, Default)]
struct StatusJ {
    #[serde(default)]
    message: String,
    #[serde(default, deserialize_with = "enum_any")]
    code: EnumRepr,
}

/// Reads OTLP/JSON from `reader`: JSON Lines, or one (possibly multi-line) document.
pub fn read(
    file: &str,
    mut reader: impl BufRead,
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    let mut stats = ReadStats::default();
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut logs = Vec::new();
    let mut line = Vec::new();
    let mut scratch = Vec::new();
    let mut line_no = 0usize;
    let mut dups = super::duplicates::DuplicateCheck::default();
    loop {
        line.clear();
        if super::bounded::read_line(file, &mut reader, &mut line, line_no + 1)? == 0 {
            break;
        }
        line_no += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // SIMD-accelerated parse of a scratch copy (simd-json parses in place); on failure the
        // pristine line goes to serde_json, whose errors say exactly what and where.
        scratch.clear();
        // The record without its line end: a line cut inside a string then reads as truncated
        // at this line, not as a control character on the next one.
        let record = line.strip_suffix(b"\n").unwrap_or(&line);
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        scratch.extend_from_slice(record);
        let parsed = match simd_json::serde::from_slice::<Request>(&mut scratch) {
            Ok(req) => Ok(req),
            Err(_) => serde_json::from_slice::<Request>(record),
        };
        match parsed {
            Ok(req) => {
                let (spans_before, logs_before) = (chunk.len(), logs.len());
                let at = Location::Line(line_no);
                let converted = convert(file, at, req, &mut chunk, &mut logs).and_then(|()| {
                    chunk[spans_before..]
                        .iter()
                        .try_for_each(|s| dups.check(file, s, at))
                });
                if let Err(e) = converted {
                    // A record is kept whole or not at all.
                    dups.forget(&chunk[spans_before..], at);
                    chunk.truncate(spans_before);
                    logs.truncate(logs_before);
                    skip_or_fail(e, on_invalid, sink, &mut stats)?;
                    continue;
                }
            }
            Err(e) if e.is_eof() && stats.records == 0 && stats.skipped == 0 => {
                // Not JSON Lines: one document spread over many lines.
                super::bounded::read_rest(file, &mut reader, &mut line, "document")?;
                let start_line = line_no;
                return read_document(file, &line, start_line, sink, stats);
            }
            Err(_) => {
                let err = describe_json_error(file, record, line_no);
                skip_or_fail(err, on_invalid, sink, &mut stats)?;
                continue;
            }
        }
        stats.records += 1;
        if chunk.len() >= CHUNK {
            stats.spans += chunk.len();
            flush(file, sink, &mut chunk)?;
        }
        if logs.len() >= CHUNK {
            flush_logs(file, sink, &mut logs)?;
        }
    }
    stats.spans += chunk.len();
    flush(file, sink, &mut chunk)?;
    flush_logs(file, sink, &mut logs)?;
    if stats.records == 0 && stats.skipped == 0 {
        return Err(IngestError::new(
            file,
            Location::Whole,
            None,
            "empty input: no OTLP/JSON record found",
        )
        .into());
    }
    Ok(stats)
}

fn read_document(
    file: &str,
    text: &[u8],
    first_line: usize,
    sink: &mut dyn Sink,
    mut stats: ReadStats,
) -> Result<ReadStats, ReadError> {
    let req = serde_json::from_slice::<Request>(text).map_err(|_| {
        let mut e = describe_json_error(file, text, first_line);
        if let Location::Line(n) = e.location {
            // serde counts lines from the start of `text`.
            e.location = Location::Line(n + first_line - 1);
        }
        e
    })?;
    let mut chunk = Vec::new();
    let mut logs = Vec::new();
    let at = Location::Line(first_line);
    convert(file, at, req, &mut chunk, &mut logs)?;
    let mut dups = super::duplicates::DuplicateCheck::default();
    for s in &chunk {
        dups.check(file, s, at)?;
    }
    flush_logs(file, sink, &mut logs)?;
    stats.records += 1;
    stats.spans += chunk.len();
    flush(file, sink, &mut chunk)?;
    Ok(stats)
}

fn skip_or_fail(
    err: IngestError,
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
    stats: &mut ReadStats,
) -> Result<(), ReadError> {
    match on_invalid {
        OnInvalid::Fail => Err(err.into()),
        OnInvalid::Skip => {
            stats.skipped += 1;
            sink.skipped(err);
            Ok(())
        }
    }
}

fn flush_logs(file: &str, sink: &mut dyn Sink, logs: &mut Vec<LogRecord>) -> Result<(), ReadError> {
    if logs.is_empty() {
        return Ok(());
    }
    sink.logs(std::mem::take(logs))
        .map_err(|source| ReadError::Sink {
            file: file.to_owned(),
            source,
        })
}

fn flush(file: &str, sink: &mut dyn Sink, chunk: &mut Vec<Span>) -> Result<(), ReadError> {
    if chunk.is_empty() {
        return Ok(());
    }
    sink.spans(std::mem::take(chunk))
        .map_err(|source| ReadError::Sink {
            file: file.to_owned(),
            source,
        })
}

/// Re-parses a record that failed to find the field path and the position of the problem.
fn describe_json_error(file: &str, text: &[u8], line_no: usize) -> IngestError {
    let de = &mut serde_json::Deserializer::from_slice(text);
    match serde_path_to_error::deserialize::<_, Request>(de) {
        Ok(_) => IngestError::new(file, Location::Line(line_no), None, "invalid OTLP/JSON"),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            // A problem found at the very start of a line is the previous line's end (a string
            // or value cut short there).
            let at = if inner.column() == 0 && inner.line() > 1 {
                inner.line() - 1
            } else {
                inner.line()
            };
            let line = if line_no == 1 || at > 1 {
                line_no + at - 1
            } else {
                line_no
            };
            let msg = match inner.classify() {
                serde_json::error::Category::Eof => {
                    "truncated JSON: the record ends too early".to_owned()
                }
                serde_json::error::Category::Syntax => format!(
                    "invalid JSON at column {}: {}",
                    inner.column(),
                    strip_position(&inner)
                ),
                _ => strip_position(&inner),
            };
            let field = (path != "." && !path.is_empty()).then_some(path);
            IngestError::new(file, Location::Line(line), field, msg)
        }
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn convert(
    file: &str,
    loc: Location,
    req: Request<'_>,
    out: &mut Vec<Span>,
    logs: &mut Vec<LogRecord>,
) -> Result<(), IngestError> {
    if req.resource_spans.is_none() && req.resource_logs.is_none() {
        // Another kind of JSON (a chat request body, a log line): never read as an empty export.
        return Err(IngestError::new(
            file,
            loc,
            None,
            "not an OTLP/JSON record: it has neither resourceSpans nor resourceLogs",
        ));
    }
    convert_logs(file, loc, req.resource_logs.unwrap_or_default(), logs)?;
    for (ri, rs) in req
        .resource_spans
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let resource = rs.resource.into_resource(rs.schema_url);
        for (si, ss) in rs.scope_spans.into_iter().enumerate() {
            let scope = ss.scope.into_scope(ss.schema_url);
            for (pi, sp) in ss.spans.into_iter().enumerate() {
                let path = |field: &str| {
                    format!("resourceSpans[{ri}].scopeSpans[{si}].spans[{pi}].{field}")
                };
                let bad =
                    |field: &str, msg: String| IngestError::new(file, loc, Some(path(field)), msg);
                out.push(convert_span(sp, &resource, &scope, &bad)?);
            }
        }
    }
    Ok(())
}

/// Log records tied to a span of a trace; records with no trace id cannot be placed and are
/// left out (they are not part of any agent run).
fn convert_logs(
    file: &str,
    loc: Location,
    groups: Vec<ResourceLogsJ<'_>>,
    out: &mut Vec<LogRecord>,
) -> Result<(), IngestError> {
    for (ri, rl) in groups.into_iter().enumerate() {
        let resource = rl.resource.into_resource(rl.schema_url);
        for (si, sl) in rl.scope_logs.into_iter().enumerate() {
            let scope = sl.scope.into_scope(sl.schema_url);
            for (li, lr) in sl.log_records.into_iter().enumerate() {
                let path = |field: &str| {
                    format!("resourceLogs[{ri}].scopeLogs[{si}].logRecords[{li}].{field}")
                };
                let bad =
                    |field: &str, msg: String| IngestError::new(file, loc, Some(path(field)), msg);
                let trace_id = match lr.trace_id.as_deref().map(str::trim) {
                    None | Some("") => continue,
                    Some(t) if t.bytes().all(|b| b == b'0') => continue,
                    Some(t) => parse_trace_id(t).map_err(|m| bad("traceId", m))?,
                };
                let span_id = optional_span_id(lr.span_id.as_deref(), "spanId", &bad)?;
                let severity_number = match lr.severity_number {
                    EnumRepr::Number(n) => n,
                    EnumRepr::Name(n) => severity_from_name(&n)
                        .ok_or_else(|| bad("severityNumber", format!("unknown severity '{n}'")))?,
                };
                out.push(LogRecord {
                    trace_id,
                    span_id,
                    time_unix_nano: lr.time,
                    observed_time_unix_nano: lr.observed_time,
                    severity_number,
                    severity_text: lr.severity_text,
                    event_name: lr.event_name,
                    body: lr.body,
                    attributes: lr.attributes,
                    dropped_attributes_count: lr.dropped_attributes_count,
                    flags: lr.flags,
                    resource: Arc::clone(&resource),
                    scope: Arc::clone(&scope),
                });
            }
        }
    }
    Ok(())
}

/// `SEVERITY_NUMBER_INFO` → 9, as the log data model numbers them (base of each range).
fn severity_from_name(name: &str) -> Option<i32> {
    let n = name.trim().to_ascii_uppercase();
    let n = n.strip_prefix("SEVERITY_NUMBER_").unwrap_or(&n);
    let (base, rest) = [
        ("TRACE", 1),
        ("DEBUG", 5),
        ("INFO", 9),
        ("WARN", 13),
        ("ERROR", 17),
        ("FATAL", 21),
    ]
    .into_iter()
    .find_map(|(p, b)| n.strip_prefix(p).map(|r| (b, r)))
    .or_else(|| (n == "UNSPECIFIED").then_some((0, "")))?;
    match rest {
        "" => Some(base),
        digit => digit
            .parse::<i32>()
            .ok()
            .filter(|d| (2..=4).contains(d))
            .map(|d| base + d - 1),
    }
}

fn convert_span(
    sp: SpanJ<'_>,
    resource: &Arc<Resource>,
    scope: &Arc<Scope>,
    bad: &dyn Fn(&str, String) -> IngestError,
) -> Result<Span, IngestError> {
    let trace_id = required_id(sp.trace_id.as_deref(), "traceId", bad, parse_trace_id)?;
    let span_id = required_id(sp.span_id.as_deref(), "spanId", bad, parse_span_id)?;
    let parent_span_id = optional_span_id(sp.parent_span_id.as_deref(), "parentSpanId", bad)?;
    if parent_span_id == Some(span_id) {
        return Err(bad("parentSpanId", "span is its own parent".to_owned()));
    }
    if sp.end != 0 && sp.end < sp.start {
        return Err(bad(
            "endTimeUnixNano",
            format!(
                "span ends before it starts (start {}, end {})",
                sp.start, sp.end
            ),
        ));
    }
    let kind = match sp.kind {
        EnumRepr::Number(n) => SpanKind::from_i32(n),
        EnumRepr::Name(n) => SpanKind::from_name(&n)
            .ok_or_else(|| bad("kind", format!("unknown span kind '{n}'")))?,
    };
    let code = match sp.status.code {
        EnumRepr::Number(n) => StatusCode::from_i32(n),
        EnumRepr::Name(n) => StatusCode::from_name(&n)
            .ok_or_else(|| bad("status.code", format!("unknown status code '{n}'")))?,
    };
    let links = sp
        .links
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let field = |f: &str| format!("links[{i}].{f}");
            Ok(SpanLink {
                trace_id: required_id(
                    l.trace_id.as_deref(),
                    &field("traceId"),
                    bad,
                    parse_trace_id,
                )?,
                span_id: required_id(l.span_id.as_deref(), &field("spanId"), bad, parse_span_id)?,
                trace_state: l.trace_state,
                attributes: l.attributes,
                dropped_attributes_count: l.dropped_attributes_count,
                flags: l.flags,
            })
        })
        .collect::<Result<Vec<_>, IngestError>>()?;
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id,
        trace_state: sp.trace_state,
        flags: sp.flags,
        name: sp.name,
        kind,
        start_unix_nano: sp.start,
        end_unix_nano: sp.end,
        attributes: sp.attributes,
        dropped_attributes_count: sp.dropped_attributes_count,
        events: sp
            .events
            .into_iter()
            .map(|e| SpanEvent {
                time_unix_nano: e.time,
                name: e.name,
                attributes: e.attributes,
                dropped_attributes_count: e.dropped_attributes_count,
            })
            .collect(),
        dropped_events_count: sp.dropped_events_count,
        links,
        dropped_links_count: sp.dropped_links_count,
        status: Status {
            code,
            message: sp.status.message,
        },
        resource: Arc::clone(resource),
        scope: Arc::clone(scope),
    })
}

/// A span id that may be absent: missing, empty and all-zero ids all mean "none" (a root span,
/// a log record not tied to a span).
fn optional_span_id(
    raw: Option<&str>,
    field: &str,
    bad: &dyn Fn(&str, String) -> IngestError,
) -> Result<Option<SpanId>, IngestError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.bytes().all(|b| b == b'0') => Ok(None),
        Some(s) => parse_span_id(s).map(Some).map_err(|m| bad(field, m)),
    }
}

fn required_id<T>(
    raw: Option<&str>,
    field: &str,
    bad: &dyn Fn(&str, String) -> IngestError,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, IngestError> {
    match raw.map(str::trim) {
        None | Some("") => Err(bad(field, "missing required id".to_owned())),
        Some(s) => parse(s).map_err(|m| bad(field, m)),
    }
}

/// Parses a hex trace id, or a base64 one (24 characters) as old exporters wrote.
pub fn parse_trace_id(s: &str) -> Result<TraceId, String> {
    parse_id(s, 16, TraceId::from_bytes, |h| {
        h.parse::<TraceId>().map_err(|e| e.to_string())
    })
}

/// Parses a hex span id, or a base64 one (12 characters).
pub fn parse_span_id(s: &str) -> Result<SpanId, String> {
    parse_id(s, 8, SpanId::from_bytes, |h| {
        h.parse::<SpanId>().map_err(|e| e.to_string())
    })
}

fn parse_id<T>(
    s: &str,
    len: usize,
    from_bytes: fn(&[u8]) -> Option<T>,
    from_hex: impl Fn(&str) -> Result<T, String>,
) -> Result<T, String> {
    use base64::Engine as _;
    let b64_len = len.div_ceil(3) * 4;
    if s.len() == b64_len && !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) {
            return from_bytes(&bytes).ok_or_else(|| "an all-zero id is invalid".to_owned());
        }
    }
    from_hex(s).map_err(|e| {
        format!(
            "'{}' is not a valid {}-byte id: {e}",
            crate::sanitize::sanitize(s),
            len
        )
    })
}
