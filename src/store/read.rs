//! Reading spans back into domain types, and the trace list.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{from_sql_nanos, Error, Store};
use crate::analysis::{FindingKind, Severity};
use crate::model::{
    Resource, Scope, Span, SpanEvent, SpanId, SpanKind, SpanLink, Status, StatusCode, Trace,
    TraceId,
};

/// One line of the trace list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceSummary {
    pub trace_id: TraceId,
    pub service: Option<String>,
    pub root_name: Option<String>,
    pub start_unix_nano: Option<u64>,
    pub duration_nanos: Option<u64>,
    pub span_count: u64,
    pub model_calls: u64,
    pub tool_calls: u64,
    pub batches: u64,
    pub parallel_batches: u64,
    pub findings: u64,
    pub worst_severity: Option<Severity>,
    /// `recorded` or `absent` (chat transcripts have no times).
    pub timing: Option<String>,
    pub conventions: Vec<String>,
    /// Kinds of the trace's findings, each once, in a stable order.
    pub finding_kinds: Vec<FindingKind>,
    /// The input the trace was first read from (a file path, `-` for stdin, a session log),
    /// when the store linked one; tells apart two runs that otherwise look alike.
    pub source: Option<String>,
}

pub(super) fn trace_id_of(bytes: Vec<u8>) -> Result<TraceId, Error> {
    TraceId::from_bytes(&bytes)
        .ok_or_else(|| Error::Corrupt("a stored trace id is not 16 bytes".into()))
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::Corrupt(format!("stored {what} is not valid: {e}")))
}

fn kind_from(s: &str) -> Option<FindingKind> {
    [
        FindingKind::SharedStateMutation,
        FindingKind::ContextDependency,
        FindingKind::ExecutionTimingDependency,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

fn severity_from(s: Option<String>) -> Option<Severity> {
    match s.as_deref() {
        Some("info") => Some(Severity::Info),
        Some("latent") => Some(Severity::Latent),
        Some("observed") => Some(Severity::Observed),
        _ => None,
    }
}

impl TraceSummary {
    /// The list line for a trace analysed in memory: the same figures the derived `runs` row
    /// holds once a writer stores the analysis.
    pub fn from_analysis(trace: &Trace, analyzed: &crate::analysis::AnalyzedTrace) -> Self {
        let run = &analyzed.run;
        let ids: std::collections::HashSet<_> = trace.spans.iter().map(|s| s.span_id).collect();
        let root = trace
            .spans
            .iter()
            .find(|s| s.parent_span_id.is_none_or(|p| !ids.contains(&p)));
        let start = trace.spans.iter().map(|s| s.start_unix_nano).min();
        let end = trace.spans.iter().map(|s| s.end_unix_nano).max();
        let timing = serde_json::to_value(run.timing)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        let untimed = timing.as_deref() == Some("absent");
        let start = start.filter(|s| !untimed && *s > 0);
        let mut finding_kinds: Vec<FindingKind> =
            analyzed.analysis.findings.iter().map(|f| f.kind).collect();
        finding_kinds.sort();
        finding_kinds.dedup();
        TraceSummary {
            trace_id: trace.trace_id,
            service: root
                .and_then(|r| r.resource.service_name())
                .map(str::to_owned),
            root_name: root.map(|r| r.name.clone()),
            start_unix_nano: start,
            duration_nanos: start.map(|s| end.unwrap_or(s).saturating_sub(s)),
            span_count: trace.spans.len() as u64,
            model_calls: run.model_calls.len() as u64,
            tool_calls: run.tool_calls.len() as u64,
            batches: run.batches.len() as u64,
            parallel_batches: run.batches.iter().filter(|b| b.is_parallel()).count() as u64,
            findings: analyzed.analysis.findings.len() as u64,
            worst_severity: analyzed.analysis.worst_severity(),
            timing,
            conventions: run
                .conventions
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            finding_kinds,
            source: None,
        }
    }
}

impl Store {
    /// Every stored trace id, in id order.
    pub fn trace_ids(&self) -> Result<Vec<TraceId>, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.trace_ids(),
        };
        let mut stmt = conn.prepare("SELECT DISTINCT trace_id FROM spans ORDER BY trace_id")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|r| trace_id_of(r?)).collect()
    }

    /// Resolves a full trace id or a unique prefix of its hex form (at least 4 characters).
    pub fn resolve_trace_id(&self, text: &str) -> Result<Result<TraceId, String>, Error> {
        let t = text.trim().to_ascii_lowercase();
        if let Ok(id) = t.parse::<TraceId>() {
            return Ok(Ok(id));
        }
        if t.len() < 4 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Err(format!(
                "'{}' is not a trace id (32 hex characters, or a unique prefix of at least 4)",
                crate::sanitize::sanitize_line(text)
            )));
        }
        let matches: Vec<TraceId> = self
            .trace_ids()?
            .into_iter()
            .filter(|id| id.to_string().starts_with(&t))
            .collect();
        Ok(match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!(
                "no stored trace id starts with '{t}' (see `fanout list`)"
            )),
            many => Err(format!(
                "'{t}' matches {} traces; give more characters",
                many.len()
            )),
        })
    }

    /// Names of the inputs a trace was read from, first ingested first (empty for traces stored
    /// before inputs were linked to traces).
    pub fn trace_source_names(&self, id: TraceId) -> Result<Vec<String>, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.trace_source_names(id),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT s.name FROM trace_sources t JOIN sources s ON s.digest = t.digest \
             WHERE t.trace_id = ?1 ORDER BY s.rowid",
        )?;
        let rows = stmt.query_map([&id.0[..]], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// All spans of a trace, or `None` when it is not stored.
    pub fn load_trace(&self, id: TraceId) -> Result<Option<Trace>, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.load_trace(id),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT s.span_id, s.parent_span_id, s.name, s.kind, s.start_unix_nano, s.end_unix_nano, s.trace_state, \
             s.flags, s.status_code, s.status_message, s.attributes, s.dropped_attributes_count, s.events, \
             s.dropped_events_count, s.links, s.dropped_links_count, s.resource_id, s.scope_id \
             FROM spans s WHERE s.trace_id = ?1",
        )?;
        let mut resources: HashMap<i64, Arc<Resource>> = HashMap::new();
        let mut scopes: HashMap<i64, Arc<Scope>> = HashMap::new();
        let mut spans = Vec::new();
        let mut rows = stmt.query([&id.0[..]])?;
        while let Some(row) = rows.next()? {
            let resource_id: i64 = row.get(16)?;
            let scope_id: i64 = row.get(17)?;
            let resource = match resources.get(&resource_id) {
                Some(r) => Arc::clone(r),
                None => {
                    let r = Arc::new(load_resource(conn, resource_id)?);
                    resources.insert(resource_id, Arc::clone(&r));
                    r
                }
            };
            let scope = match scopes.get(&scope_id) {
                Some(s) => Arc::clone(s),
                None => {
                    let s = Arc::new(load_scope(conn, scope_id)?);
                    scopes.insert(scope_id, Arc::clone(&s));
                    s
                }
            };
            spans.push(span_from_row(id, row, resource, scope)?);
        }
        if !spans.is_empty() {
            attach_logs(conn, id, &mut spans)?;
        }
        Ok((!spans.is_empty()).then(|| Trace::new(id, spans)))
    }

    /// The trace list: raw counts from spans, joined with what analysis derived.
    pub fn trace_summaries(&self) -> Result<Vec<TraceSummary>, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.trace_summaries(),
        };
        // Analysed traces come from their run rows; only the stale ones (listed in
        // `stale_traces`) are counted from their spans, so the list never scans every span.
        let mut stmt = conn.prepare_cached(
            "SELECT trace_id, span_count, start_unix_nano, end_unix_nano, service, root_name, model_calls, \
             tool_calls, batches, parallel_batches, findings, worst_severity, timing, conventions, \
             finding_kinds, source FROM runs \
             UNION ALL \
             SELECT s.trace_id, COUNT(*), MIN(s.start_unix_nano), MAX(s.end_unix_nano), NULL, NULL, NULL, \
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
             (SELECT so.name FROM trace_sources ts JOIN sources so ON so.digest = ts.digest \
              WHERE ts.trace_id = s.trace_id ORDER BY so.rowid LIMIT 1) \
             FROM spans s WHERE s.trace_id IN (SELECT trace_id FROM stale_traces) \
               AND s.trace_id NOT IN (SELECT trace_id FROM runs) \
             GROUP BY s.trace_id \
             ORDER BY 3 DESC, 1",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RawSummary {
                id: r.get(0)?,
                n: r.get(1)?,
                start: r.get(2)?,
                end: r.get(3)?,
                service: r.get(4)?,
                root_name: r.get(5)?,
                counts: [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
                worst: r.get(11)?,
                timing: r.get(12)?,
                conventions: r.get(13)?,
                kinds: r.get(14)?,
                source: r.get(15)?,
            })
        })?;
        let mut out = Vec::new();
        for row in rows {
            out.push(summary_of(row?)?);
        }
        Ok(out)
    }

    /// A number that changes when another connection commits (SQLite's `data_version`;
    /// PostgreSQL's count of rows written, from its statistics views): a viewer polls it to
    /// notice that writers elsewhere stored something.
    pub fn change_marker(&self) -> Result<u64, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.change_marker(),
        };
        Ok(conn.pragma_query_value(None, "data_version", |r| r.get::<_, i64>(0))? as u64)
    }

    /// Number of stored spans and traces.
    pub fn counts(&self) -> Result<(u64, u64), Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.counts(),
        };
        Ok(conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT trace_id) FROM spans",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
    }

    /// Whether a trace has derived rows (was analysed by this schema).
    pub fn is_analyzed(&self, id: TraceId) -> Result<bool, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.is_analyzed(id),
        };
        Ok(conn
            .query_row(
                "SELECT 1 FROM runs WHERE trace_id = ?1",
                params![&id.0[..]],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some())
    }
}

fn span_from_row(
    trace_id: TraceId,
    row: &Row<'_>,
    resource: Arc<Resource>,
    scope: Arc<Scope>,
) -> Result<Span, Error> {
    let span_id: Vec<u8> = row.get(0)?;
    let parent: Option<Vec<u8>> = row.get(1)?;
    let attributes = super::codec::decode_attributes(row.get_ref(10)?, "span attributes")?;
    let events: String = row.get(12)?;
    let links: String = row.get(14)?;
    Ok(Span {
        trace_id,
        span_id: SpanId::from_bytes(&span_id)
            .ok_or_else(|| Error::Corrupt("a stored span id is not 8 bytes".into()))?,
        parent_span_id: parent.and_then(|p| SpanId::from_bytes(&p)),
        name: row.get(2)?,
        kind: SpanKind::from_i32(row.get(3)?),
        start_unix_nano: from_sql_nanos(row.get(4)?),
        end_unix_nano: from_sql_nanos(row.get(5)?),
        trace_state: row.get(6)?,
        flags: row.get(7)?,
        status: Status {
            code: StatusCode::from_i32(row.get(8)?),
            message: row.get(9)?,
        },
        attributes,
        dropped_attributes_count: row.get(11)?,
        events: parse_json::<Vec<SpanEvent>>(&events, "span events")?,
        dropped_events_count: row.get(13)?,
        links: parse_json::<Vec<SpanLink>>(&links, "span links")?,
        dropped_links_count: row.get(15)?,
        resource,
        scope,
    })
}

/// Log records that name a span of the trace become events of that span, in time order.
fn attach_logs(conn: &rusqlite::Connection, id: TraceId, spans: &mut [Span]) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT span_id, time_unix_nano, observed_time_unix_nano, severity_number, severity_text, event_name, \
         body, attributes, dropped_attributes_count, flags FROM logs WHERE trace_id = ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([&id.0[..]])?;
    let mut touched = false;
    while let Some(row) = rows.next()? {
        let Some(span_id) = row
            .get::<_, Option<Vec<u8>>>(0)?
            .and_then(|b| SpanId::from_bytes(&b))
        else {
            continue;
        };
        let Some(span) = spans.iter_mut().find(|s| s.span_id == span_id) else {
            continue;
        };
        let body = super::codec::decode_attributes(row.get_ref(6)?, "log body")?
            .into_iter()
            .next()
            .map(|kv| kv.value)
            .unwrap_or_default();
        let log = crate::model::LogRecord {
            trace_id: id,
            span_id: Some(span_id),
            time_unix_nano: from_sql_nanos(row.get(1)?),
            observed_time_unix_nano: from_sql_nanos(row.get(2)?),
            severity_number: row.get(3)?,
            severity_text: row.get(4)?,
            event_name: row.get(5)?,
            body,
            attributes: super::codec::decode_attributes(row.get_ref(7)?, "log attributes")?,
            dropped_attributes_count: row.get(8)?,
            flags: row.get(9)?,
            resource: Arc::default(),
            scope: Arc::default(),
        };
        span.events.push(log.to_event());
        touched = true;
    }
    if touched {
        for span in spans.iter_mut() {
            span.events.sort_by_key(|e| e.time_unix_nano);
        }
    }
    Ok(())
}

fn load_resource(conn: &rusqlite::Connection, id: i64) -> Result<Resource, Error> {
    let (attrs, dropped, schema_url): (String, u32, String) = conn.query_row(
        "SELECT attributes, dropped_attributes_count, schema_url FROM resources WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(Resource {
        attributes: parse_json(&attrs, "resource attributes")?,
        dropped_attributes_count: dropped,
        schema_url,
    })
}

fn load_scope(conn: &rusqlite::Connection, id: i64) -> Result<Scope, Error> {
    let (name, version, attrs, dropped, schema_url): (String, String, String, u32, String) = conn.query_row(
        "SELECT name, version, attributes, dropped_attributes_count, schema_url FROM scopes WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    Ok(Scope {
        name,
        version,
        attributes: parse_json(&attrs, "scope attributes")?,
        dropped_attributes_count: dropped,
        schema_url,
    })
}

/// One row of the trace-list query, as either backend returns it.
pub(super) struct RawSummary {
    pub id: Vec<u8>,
    pub n: i64,
    pub start: i64,
    pub end: i64,
    pub service: Option<String>,
    pub root_name: Option<String>,
    /// model calls, tool calls, batches, parallel batches, findings
    pub counts: [Option<i64>; 5],
    pub worst: Option<String>,
    pub timing: Option<String>,
    pub conventions: Option<String>,
    /// Finding kinds, comma-separated.
    pub kinds: Option<String>,
    /// The name of the first input the trace was read from.
    pub source: Option<String>,
}

pub(super) fn summary_of(raw: RawSummary) -> Result<TraceSummary, Error> {
    let RawSummary {
        id,
        n,
        start,
        end,
        service,
        root_name,
        counts,
        worst,
        timing,
        conventions,
        kinds,
        source,
    } = raw;
    let mut finding_kinds: Vec<FindingKind> = kinds
        .iter()
        .flat_map(|k| k.split(','))
        .filter_map(kind_from)
        .collect();
    finding_kinds.sort();
    finding_kinds.dedup();
    let untimed = timing.as_deref() == Some("absent");
    let c = |i: usize| counts[i].map_or(0, |v| u64::try_from(v).unwrap_or(0));
    Ok(TraceSummary {
        trace_id: trace_id_of(id)?,
        service,
        root_name,
        start_unix_nano: (!untimed && start > 0).then(|| from_sql_nanos(start)),
        duration_nanos: (!untimed && start > 0).then(|| from_sql_nanos(end.saturating_sub(start))),
        span_count: u64::try_from(n).unwrap_or(0),
        model_calls: c(0),
        tool_calls: c(1),
        batches: c(2),
        parallel_batches: c(3),
        findings: c(4),
        worst_severity: severity_from(worst),
        timing,
        conventions: conventions
            .map(|c| {
                c.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        finding_kinds,
        source,
    })
}

/// Puts each log record on the span it names, as an event, in time order (records naming no
/// stored span are left out).
pub(super) fn attach_records(spans: &mut [Span], records: Vec<crate::model::LogRecord>) {
    let mut touched = false;
    for log in records {
        let Some(span_id) = log.span_id else { continue };
        let Some(span) = spans.iter_mut().find(|s| s.span_id == span_id) else {
            continue;
        };
        span.events.push(log.to_event());
        touched = true;
    }
    if touched {
        for span in spans.iter_mut() {
            span.events.sort_by_key(|e| e.time_unix_nano);
        }
    }
}
