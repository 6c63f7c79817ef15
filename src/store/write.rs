//! Writing raw spans: one transaction per input file, prepared statements, resources and scopes
//! stored once each. Re-inserting a span that is already stored changes nothing (idempotent), and
//! spans of one trace arriving in several files merge into one trace.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rusqlite::{params, OptionalExtension, Transaction};

use super::{to_sql_nanos, Error, Store};
use crate::ingest::{IngestError, Sink, SinkError};
use crate::model::{KeyValue, LogRecord, Resource, Scope, Span, TraceId};

/// An open per-file transaction. Dropping it without [`FileTx::commit`] stores nothing.
pub struct FileTx<'a> {
    tx: Tx<'a>,
    resources: Interner<Resource>,
    scopes: Interner<Scope>,
    new_spans: usize,
    traces: BTreeSet<TraceId>,
    /// Traces that received spans they did not have: their derived rows are stale.
    changed: BTreeSet<TraceId>,
    skipped: Vec<IngestError>,
    /// Reused buffer for encoded attributes.
    attr_buf: Vec<u8>,
}

/// The backend's transaction.
pub(super) enum Tx<'a> {
    Sqlite(Transaction<'a>),
    Postgres(Box<super::pg::file::PgFile<'a>>),
}

/// What a committed file changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOutcome {
    /// Spans that were not stored before.
    pub new_spans: usize,
    /// Traces that received spans (new or not).
    pub traces: Vec<TraceId>,
    /// Whether this exact input had been ingested before.
    pub already_ingested: bool,
    /// Records skipped under `--skip-invalid`.
    pub skipped: Vec<IngestError>,
}

/// Remembers the row id of the last resource/scope seen (exporters repeat one per request) and
/// of every distinct content, so each is stored once.
pub(super) struct Interner<T> {
    last: Option<(Arc<T>, i64)>,
    by_content: HashMap<String, i64>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Self {
            last: None,
            by_content: HashMap::new(),
        }
    }
}

impl Store {
    /// Starts storing one input file.
    pub fn begin_file(&mut self) -> Result<FileTx<'_>, Error> {
        let tx = match &mut self.backend {
            super::Backend::Sqlite(conn) => Tx::Sqlite(
                conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?,
            ),
            super::Backend::Postgres(pg) => {
                Tx::Postgres(Box::new(super::pg::file::PgFile::begin(pg.client_mut())?))
            }
        };
        Ok(FileTx {
            tx,
            resources: Interner::default(),
            scopes: Interner::default(),
            new_spans: 0,
            traces: BTreeSet::new(),
            changed: BTreeSet::new(),
            skipped: Vec::new(),
            attr_buf: Vec::new(),
        })
    }
}

impl FileTx<'_> {
    /// Stores spans; returns how many were new.
    pub fn insert_spans(&mut self, spans: &[Span]) -> Result<usize, Error> {
        let new = match &mut self.tx {
            Tx::Sqlite(tx) => insert_spans_sqlite(
                tx,
                spans,
                &mut self.resources,
                &mut self.scopes,
                &mut self.attr_buf,
                &mut self.changed,
            )?,
            // PostgreSQL keeps its own state: it may replay the file after a deadlock.
            Tx::Postgres(pg) => pg.insert_spans(spans)?,
        };
        self.traces.extend(spans.iter().map(|s| s.trace_id));
        self.new_spans += new;
        Ok(new)
    }

    /// Stores log records (content-addressed, so re-inserting one changes nothing); returns how
    /// many were new. Their traces' derived rows go stale like for new spans.
    pub fn insert_logs(&mut self, logs: &[LogRecord]) -> Result<usize, Error> {
        let tx = match &mut self.tx {
            Tx::Sqlite(tx) => tx,
            Tx::Postgres(pg) => {
                let new = pg.insert_logs(logs)?;
                self.traces.extend(logs.iter().map(|l| l.trace_id));
                return Ok(new);
            }
        };
        let mut new = 0;
        let mut body = Vec::new();
        for log in logs {
            let (resource_id, scope_id) = (
                intern_resource(tx, &mut self.resources, &log.resource)?,
                intern_scope(tx, &mut self.scopes, &log.scope)?,
            );
            super::codec::encode_attributes(&[KeyValue::new("body", log.body.clone())], &mut body)?;
            super::codec::encode_attributes(&log.attributes, &mut self.attr_buf)?;
            let digest = log_digest(log, &body, &self.attr_buf, (resource_id, scope_id));
            let inserted = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO logs (digest, trace_id, span_id, time_unix_nano, observed_time_unix_nano, \
                         severity_number, severity_text, event_name, body, attributes, dropped_attributes_count, flags, \
                         resource_id, scope_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                    )?
                    .execute(params![
                        &digest.as_bytes()[..],
                        &log.trace_id.0[..],
                        log.span_id.map(|s| s.0.to_vec()),
                        to_sql_nanos(log.time_unix_nano),
                        to_sql_nanos(log.observed_time_unix_nano),
                        log.severity_number,
                        log.severity_text,
                        log.event_name,
                        &body[..],
                        &self.attr_buf[..],
                        log.dropped_attributes_count,
                        log.flags,
                        resource_id,
                        scope_id,
                    ])?;
            if inserted > 0 {
                self.changed.insert(log.trace_id);
            }
            self.traces.insert(log.trace_id);
            new += inserted;
        }
        Ok(new)
    }

    /// Records the input by its content digest; returns whether it was already known.
    pub fn record_source(
        &mut self,
        digest: &[u8],
        name: &str,
        format: &str,
        spans: usize,
    ) -> Result<bool, Error> {
        let tx = match &mut self.tx {
            Tx::Sqlite(tx) => tx,
            Tx::Postgres(pg) => return pg.record_source(digest, name, format, spans, &self.traces),
        };
        let known: Option<i64> = tx
            .query_row("SELECT 1 FROM sources WHERE digest = ?1", [digest], |r| {
                r.get(0)
            })
            .optional()?;
        if known.is_none() {
            tx.execute(
                "INSERT INTO sources (digest, name, format, spans) VALUES (?1, ?2, ?3, ?4)",
                params![digest, name, format, spans as i64],
            )?;
        }
        let mut link = tx.prepare_cached(
            "INSERT OR IGNORE INTO trace_sources (trace_id, digest) VALUES (?1, ?2)",
        )?;
        // A run keeps its first source's name; a trace linked to a source only now may have had
        // none when it was analysed.
        let mut first = tx.prepare_cached(
            "UPDATE runs SET source = (SELECT s.name FROM trace_sources ts JOIN sources s \
             ON s.digest = ts.digest WHERE ts.trace_id = ?1 ORDER BY s.rowid LIMIT 1) \
             WHERE trace_id = ?1",
        )?;
        for id in &self.traces {
            if link.execute(params![&id.0[..], digest])? > 0 {
                first.execute([&id.0[..]])?;
            }
        }
        Ok(known.is_some())
    }

    /// Commits the file: everything or nothing.
    pub fn commit(self, already_ingested: bool) -> Result<FileOutcome, Error> {
        let new_spans = match self.tx {
            Tx::Sqlite(tx) => {
                for id in &self.changed {
                    super::derived::mark_stale(&tx, *id)?;
                }
                tx.commit()?;
                self.new_spans
            }
            // After a replay the count is the replay's.
            Tx::Postgres(pg) => pg.commit()?,
        };
        Ok(FileOutcome {
            new_spans,
            traces: self.traces.into_iter().collect(),
            already_ingested,
            skipped: self.skipped,
        })
    }
}

fn insert_spans_sqlite(
    tx: &Transaction<'_>,
    spans: &[Span],
    resources: &mut Interner<Resource>,
    scopes: &mut Interner<Scope>,
    attr_buf: &mut Vec<u8>,
    changed: &mut BTreeSet<TraceId>,
) -> Result<usize, Error> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, name, kind, start_unix_nano, \
         end_unix_nano, trace_state, flags, status_code, status_message, attributes, dropped_attributes_count, \
         events, dropped_events_count, links, dropped_links_count, resource_id, scope_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?;
    let mut new = 0;
    for span in spans {
        let resource_id = intern_resource(tx, resources, &span.resource)?;
        let scope_id = intern_scope(tx, scopes, &span.scope)?;
        super::codec::encode_attributes(&span.attributes, attr_buf)?;
        let events = serde_json::to_string(&span.events).map_err(json_err)?;
        let links = serde_json::to_string(&span.links).map_err(json_err)?;
        let inserted = stmt.execute(params![
            &span.trace_id.0[..],
            &span.span_id.0[..],
            span.parent_span_id.as_ref().map(|p| p.0.to_vec()),
            span.name,
            span.kind.as_i32(),
            to_sql_nanos(span.start_unix_nano),
            to_sql_nanos(span.end_unix_nano),
            span.trace_state,
            span.flags,
            span.status.code.as_i32(),
            span.status.message,
            &attr_buf[..],
            span.dropped_attributes_count,
            events,
            span.dropped_events_count,
            links,
            span.dropped_links_count,
            resource_id,
            scope_id,
        ])?;
        if inserted > 0 {
            changed.insert(span.trace_id);
        }
        new += inserted;
    }
    Ok(new)
}

impl Sink for FileTx<'_> {
    fn spans(&mut self, spans: Vec<Span>) -> Result<(), SinkError> {
        self.insert_spans(&spans)
            .map(|_| ())
            .map_err(|e| SinkError(e.to_string()))
    }

    fn skipped(&mut self, error: IngestError) {
        self.skipped.push(error);
    }

    fn logs(&mut self, logs: Vec<LogRecord>) -> Result<(), SinkError> {
        self.insert_logs(&logs)
            .map(|_| ())
            .map_err(|e| SinkError(e.to_string()))
    }
}

impl<T> Interner<T> {
    /// The id of `v` when it is the value seen last (same allocation).
    pub(super) fn last(&self, v: &Arc<T>) -> Option<i64> {
        self.last
            .as_ref()
            .filter(|(last, _)| Arc::ptr_eq(last, v))
            .map(|(_, id)| *id)
    }

    pub(super) fn get(&self, content: &str) -> Option<i64> {
        self.by_content.get(content).copied()
    }

    pub(super) fn remember(&mut self, v: &Arc<T>, content: String, id: i64) {
        self.by_content.insert(content, id);
        self.last = Some((Arc::clone(v), id));
    }

    pub(super) fn set_last(&mut self, v: &Arc<T>, id: i64) {
        self.last = Some((Arc::clone(v), id));
    }
}

/// A resource's canonical content (what makes two equal) and its attributes as JSON.
pub(super) fn resource_content(r: &Resource) -> Result<(String, String), Error> {
    let attributes = serde_json::to_string(&r.attributes).map_err(json_err)?;
    let content = format!(
        "{}\u{1f}{}\u{1f}{}",
        attributes, r.dropped_attributes_count, r.schema_url
    );
    Ok((content, attributes))
}

/// A scope's canonical content and its attributes as JSON.
pub(super) fn scope_content(s: &Scope) -> Result<(String, String), Error> {
    let attributes = serde_json::to_string(&s.attributes).map_err(json_err)?;
    let content = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        s.name, s.version, attributes, s.dropped_attributes_count, s.schema_url
    );
    Ok((content, attributes))
}

/// A log record's identity: its fields, encoded body and attributes, and the rows of its
/// resource and scope.
pub(super) fn log_digest(
    log: &LogRecord,
    body: &[u8],
    attributes: &[u8],
    (resource_id, scope_id): (i64, i64),
) -> blake3::Hash {
    let mut digest = blake3::Hasher::new();
    digest.update(&log.trace_id.0);
    digest.update(&log.span_id.map_or([0u8; 8], |s| s.0));
    digest.update(&log.time_unix_nano.to_le_bytes());
    digest.update(&log.observed_time_unix_nano.to_le_bytes());
    digest.update(&log.severity_number.to_le_bytes());
    for part in [
        log.severity_text.as_bytes(),
        log.event_name.as_bytes(),
        body,
        attributes,
    ] {
        digest.update(&(part.len() as u64).to_le_bytes());
        digest.update(part);
    }
    digest.update(&resource_id.to_le_bytes());
    digest.update(&scope_id.to_le_bytes());
    digest.finalize()
}

pub(super) fn json_err(e: serde_json::Error) -> Error {
    Error::Corrupt(format!("cannot encode span data as JSON: {e}"))
}

fn intern_resource(
    tx: &Transaction<'_>,
    cache: &mut Interner<Resource>,
    r: &Arc<Resource>,
) -> Result<i64, Error> {
    if let Some(id) = cache.last(r) {
        return Ok(id);
    }
    let (content, attributes) = resource_content(r)?;
    if let Some(id) = cache.get(&content) {
        cache.set_last(r, id);
        return Ok(id);
    }
    tx.prepare_cached(
        "INSERT OR IGNORE INTO resources (content, attributes, dropped_attributes_count, schema_url) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![content, attributes, r.dropped_attributes_count, r.schema_url])?;
    let id: i64 = tx
        .prepare_cached("SELECT id FROM resources WHERE content = ?1")?
        .query_row([&content], |row| row.get(0))?;
    cache.remember(r, content, id);
    Ok(id)
}

fn intern_scope(
    tx: &Transaction<'_>,
    cache: &mut Interner<Scope>,
    s: &Arc<Scope>,
) -> Result<i64, Error> {
    if let Some(id) = cache.last(s) {
        return Ok(id);
    }
    let (content, attributes) = scope_content(s)?;
    if let Some(id) = cache.get(&content) {
        cache.set_last(s, id);
        return Ok(id);
    }
    tx.prepare_cached(
        "INSERT OR IGNORE INTO scopes (content, name, version, attributes, dropped_attributes_count, schema_url) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![content, s.name, s.version, attributes, s.dropped_attributes_count, s.schema_url])?;
    let id: i64 = tx
        .prepare_cached("SELECT id FROM scopes WHERE content = ?1")?
        .query_row([&content], |row| row.get(0))?;
    cache.remember(s, content, id);
    Ok(id)
}
