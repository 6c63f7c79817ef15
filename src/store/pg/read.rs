//! Reading spans and the trace list back from PostgreSQL. A trace is loaded from one snapshot
//! (joining the caller's, when one is open).

use std::collections::HashMap;
use std::sync::Arc;

use postgres::Row;

use super::super::read::{
    attach_records, parse_json, summary_of, trace_id_of, RawSummary, TraceSummary,
};
use super::super::{from_sql_nanos, Error};
use super::{text_of, u32_of, Pg};
use crate::model::{
    LogRecord, Resource, Scope, Span, SpanEvent, SpanId, SpanKind, SpanLink, Status, StatusCode,
    Trace, TraceId,
};

fn corrupt_span_id() -> Error {
    Error::Corrupt("a stored span id is not 8 bytes".into())
}

impl Pg {
    pub fn trace_ids(&self) -> Result<Vec<TraceId>, Error> {
        let rows = self
            .client()
            .query("SELECT DISTINCT trace_id FROM spans ORDER BY trace_id", &[])?;
        rows.into_iter().map(|r| trace_id_of(r.get(0))).collect()
    }

    pub fn trace_source_names(&self, id: TraceId) -> Result<Vec<String>, Error> {
        let rows = self.client().query(
            "SELECT s.name FROM trace_sources t JOIN sources s ON s.digest = t.digest \
             WHERE t.trace_id = $1 ORDER BY s.seq",
            &[&&id.0[..]],
        )?;
        Ok(rows.into_iter().map(|r| text_of(r.get(0))).collect())
    }

    pub fn load_trace(&self, id: TraceId) -> Result<Option<Trace>, Error> {
        self.snapshot(|| self.load_trace_now(id))
    }

    fn load_trace_now(&self, id: TraceId) -> Result<Option<Trace>, Error> {
        let key = &id.0[..];
        let rows = self.client().query(
            "SELECT span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, trace_state, flags, \
             status_code, status_message, attributes, dropped_attributes_count, events, dropped_events_count, \
             links, dropped_links_count, resource_id, scope_id FROM spans WHERE trace_id = $1",
            &[&key],
        )?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut resources: HashMap<i64, Arc<Resource>> = HashMap::new();
        let mut scopes: HashMap<i64, Arc<Scope>> = HashMap::new();
        for row in &rows {
            resources.insert(row.get(16), Arc::default());
            scopes.insert(row.get(17), Arc::default());
        }
        let ids: Vec<i64> = resources.keys().copied().collect();
        for r in self.client().query(
            "SELECT id, attributes, dropped_attributes_count, schema_url FROM resources WHERE id = ANY($1)",
            &[&ids],
        )? {
            let attrs: String = r.get(1);
            resources.insert(
                r.get(0),
                Arc::new(Resource {
                    attributes: parse_json(&attrs, "resource attributes")?,
                    dropped_attributes_count: u32_of(r.get(2)),
                    schema_url: text_of(r.get(3)),
                }),
            );
        }
        let ids: Vec<i64> = scopes.keys().copied().collect();
        for s in self.client().query(
            "SELECT id, name, version, attributes, dropped_attributes_count, schema_url FROM scopes WHERE id = ANY($1)",
            &[&ids],
        )? {
            let attrs: String = s.get(3);
            scopes.insert(
                s.get(0),
                Arc::new(Scope {
                    name: text_of(s.get(1)),
                    version: text_of(s.get(2)),
                    attributes: parse_json(&attrs, "scope attributes")?,
                    dropped_attributes_count: u32_of(s.get(4)),
                    schema_url: text_of(s.get(5)),
                }),
            );
        }
        let mut spans = Vec::with_capacity(rows.len());
        for row in &rows {
            let resource = Arc::clone(&resources[&row.get::<_, i64>(16)]);
            let scope = Arc::clone(&scopes[&row.get::<_, i64>(17)]);
            spans.push(span_from_row(id, row, resource, scope)?);
        }
        let logs = self.client().query(
            "SELECT span_id, time_unix_nano, observed_time_unix_nano, severity_number, severity_text, event_name, \
             body, attributes, dropped_attributes_count, flags FROM logs WHERE trace_id = $1 ORDER BY id",
            &[&key],
        )?;
        let mut records = Vec::new();
        for row in &logs {
            let Some(span_id) = row.get::<_, Option<&[u8]>>(0).and_then(SpanId::from_bytes) else {
                continue;
            };
            if !spans.iter().any(|s| s.span_id == span_id) {
                continue;
            }
            let body = decode(row.get(6), "log body")?
                .into_iter()
                .next()
                .map(|kv| kv.value)
                .unwrap_or_default();
            records.push(LogRecord {
                trace_id: id,
                span_id: Some(span_id),
                time_unix_nano: from_sql_nanos(row.get(1)),
                observed_time_unix_nano: from_sql_nanos(row.get(2)),
                severity_number: row.get(3),
                severity_text: text_of(row.get(4)),
                event_name: text_of(row.get(5)),
                body,
                attributes: decode(row.get(7), "log attributes")?,
                dropped_attributes_count: u32_of(row.get(8)),
                flags: u32_of(row.get(9)),
                resource: Arc::default(),
                scope: Arc::default(),
            });
        }
        attach_records(&mut spans, records);
        Ok(Some(Trace::new(id, spans)))
    }

    pub fn trace_summaries(&self) -> Result<Vec<TraceSummary>, Error> {
        let rows = self.client().query(
            "SELECT t.trace_id, t.n, t.first_start, t.last_end, r.service, r.root_name, r.model_calls, r.tool_calls, \
             r.batches, r.parallel_batches, r.findings, r.worst_severity, r.timing, r.conventions, \
             (SELECT string_agg(DISTINCT f.kind, ',') FROM findings f WHERE f.trace_id = t.trace_id), \
             (SELECT s.name FROM trace_sources ts JOIN sources s ON s.digest = ts.digest \
              WHERE ts.trace_id = t.trace_id ORDER BY s.seq LIMIT 1) \
             FROM (SELECT trace_id, count(*) AS n, min(start_unix_nano) AS first_start, max(end_unix_nano) AS last_end \
                   FROM spans GROUP BY trace_id) t \
             LEFT JOIN runs r ON r.trace_id = t.trace_id \
             ORDER BY t.first_start DESC, t.trace_id",
            &[],
        )?;
        rows.into_iter()
            .map(|r| {
                summary_of(RawSummary {
                    id: r.get(0),
                    n: r.get(1),
                    start: r.get(2),
                    end: r.get(3),
                    service: r.get::<_, Option<Vec<u8>>>(4).map(text_of),
                    root_name: r.get::<_, Option<Vec<u8>>>(5).map(text_of),
                    counts: [r.get(6), r.get(7), r.get(8), r.get(9), r.get(10)],
                    worst: r.get(11),
                    timing: r.get(12),
                    conventions: r.get(13),
                    kinds: r.get(14),
                    source: r.get::<_, Option<Vec<u8>>>(15).map(text_of),
                })
            })
            .collect()
    }

    pub fn counts(&self) -> Result<(u64, u64), Error> {
        let row = self
            .client()
            .query_one("SELECT count(*), count(DISTINCT trace_id) FROM spans", &[])?;
        let n = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
        Ok((n(0), n(1)))
    }

    pub fn change_marker(&self) -> Result<u64, Error> {
        let row = self.client().query_one(
            "SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int8 \
             FROM pg_stat_user_tables",
            &[],
        )?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    pub fn is_analyzed(&self, id: TraceId) -> Result<bool, Error> {
        Ok(self
            .client()
            .query_opt("SELECT 1 FROM runs WHERE trace_id = $1", &[&&id.0[..]])?
            .is_some())
    }
}

fn decode(bytes: &[u8], what: &str) -> Result<Vec<crate::model::KeyValue>, Error> {
    super::super::codec::decode_attributes(rusqlite::types::ValueRef::Blob(bytes), what)
}

fn span_from_row(
    trace_id: TraceId,
    row: &Row,
    resource: Arc<Resource>,
    scope: Arc<Scope>,
) -> Result<Span, Error> {
    let events: String = row.get(12);
    let links: String = row.get(14);
    Ok(Span {
        trace_id,
        span_id: SpanId::from_bytes(row.get(0)).ok_or_else(corrupt_span_id)?,
        parent_span_id: row.get::<_, Option<&[u8]>>(1).and_then(SpanId::from_bytes),
        name: text_of(row.get(2)),
        kind: SpanKind::from_i32(row.get(3)),
        start_unix_nano: from_sql_nanos(row.get(4)),
        end_unix_nano: from_sql_nanos(row.get(5)),
        trace_state: text_of(row.get(6)),
        flags: u32_of(row.get(7)),
        status: Status {
            code: StatusCode::from_i32(row.get(8)),
            message: text_of(row.get(9)),
        },
        attributes: decode(row.get(10), "span attributes")?,
        dropped_attributes_count: u32_of(row.get(11)),
        events: parse_json::<Vec<SpanEvent>>(&events, "span events")?,
        dropped_events_count: u32_of(row.get(13)),
        links: parse_json::<Vec<SpanLink>>(&links, "span links")?,
        dropped_links_count: u32_of(row.get(15)),
        resource,
        scope,
    })
}
