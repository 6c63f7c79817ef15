//! Writing raw spans into PostgreSQL: one statement per batch of spans (`unnest` over arrays,
//! `ON CONFLICT DO NOTHING`), so concurrent writers storing the same span store it once, and a
//! writer that meets another's uncommitted copy waits for it rather than failing.

use std::collections::BTreeSet;
use std::sync::Arc;

use postgres::GenericClient;

use super::super::write::{json_err, resource_content, scope_content, Interner};
use super::super::{to_sql_nanos, Error};
use crate::model::{LogRecord, Resource, Scope, Span, TraceId};

/// Spans sent in one `INSERT` at most.
pub const SPANS_PER_STATEMENT: usize = 2_000;

/// Derived tables, deleted when their trace gains spans.
pub(super) const DERIVED_TABLES: &[&str] = &["runs", "findings"];

/// Takes the transaction-scoped locks of traces' derived rows: writers that mark a trace stale
/// and writers that store its analysis take turns. A trace's lock is one of [`LOCK_BUCKETS`]
/// (by its id), so a file of any number of traces holds a bounded number of locks (PostgreSQL's
/// lock table is shared and small: one lock per trace ran out of shared memory at 25,000
/// traces). Locks are taken in key order, so two writers never wait for each other in a circle.
pub(super) fn lock_traces(tx: &mut impl GenericClient, ids: &[TraceId]) -> Result<(), Error> {
    let mut keys: Vec<i32> = ids.iter().map(|id| lock_bucket(*id)).collect();
    keys.sort_unstable();
    keys.dedup();
    tx.execute(
        "SELECT count(pg_advisory_xact_lock($2::int4, k)) \
         FROM (SELECT unnest($1::int4[]) AS k ORDER BY 1) AS keys",
        &[&keys, &TRACE_LOCKS],
    )?;
    Ok(())
}

/// How many locks the traces share.
const LOCK_BUCKETS: u32 = 256;
/// The advisory lock space of trace locks (`fnot` in ASCII), apart from the migration lock.
const TRACE_LOCKS: i32 = 0x66_6e_6f_74;

fn lock_bucket(id: TraceId) -> i32 {
    let (hi, lo) = id.0.split_at(8);
    let mixed = u64::from_be_bytes(hi.try_into().unwrap_or([0; 8]))
        ^ u64::from_be_bytes(lo.try_into().unwrap_or([0; 8]));
    (mixed % u64::from(LOCK_BUCKETS)) as i32
}

fn nanos(v: u64) -> i64 {
    to_sql_nanos(v)
}

pub fn intern_resource(
    tx: &mut impl GenericClient,
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
    let digest = blake3::hash(content.as_bytes());
    let digest = &digest.as_bytes()[..];
    let inserted = tx.query_opt(
        "INSERT INTO resources (digest, attributes, dropped_attributes_count, schema_url) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING RETURNING id",
        &[
            &digest,
            &attributes,
            &i64::from(r.dropped_attributes_count),
            &r.schema_url.as_bytes(),
        ],
    )?;
    // Another writer stored it first: its row is committed by now (the insert waited for it),
    // and this new statement sees it.
    let id: i64 = match inserted {
        Some(row) => row.get(0),
        None => tx
            .query_one("SELECT id FROM resources WHERE digest = $1", &[&digest])?
            .get(0),
    };
    cache.remember(r, content, id);
    Ok(id)
}

pub fn intern_scope(
    tx: &mut impl GenericClient,
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
    let digest = blake3::hash(content.as_bytes());
    let digest = &digest.as_bytes()[..];
    let inserted = tx.query_opt(
        "INSERT INTO scopes (digest, name, version, attributes, dropped_attributes_count, schema_url) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (digest) DO NOTHING RETURNING id",
        &[
            &digest,
            &s.name.as_bytes(),
            &s.version.as_bytes(),
            &attributes,
            &i64::from(s.dropped_attributes_count),
            &s.schema_url.as_bytes(),
        ],
    )?;
    let id: i64 = match inserted {
        Some(row) => row.get(0),
        None => tx
            .query_one("SELECT id FROM scopes WHERE digest = $1", &[&digest])?
            .get(0),
    };
    cache.remember(s, content, id);
    Ok(id)
}

/// Stores one batch of spans in one statement; `ids` holds each span's resource and scope row.
/// Returns how many were new, and marks their traces in `changed`.
pub fn insert_spans(
    tx: &mut impl GenericClient,
    spans: &[Span],
    ids: &[(i64, i64)],
    changed: &mut BTreeSet<TraceId>,
) -> Result<usize, Error> {
    if spans.is_empty() {
        return Ok(0);
    }
    // Key order: two writers storing overlapping batches lock the same rows in the same order.
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| (spans[i].trace_id.0, spans[i].span_id.0));
    let n = spans.len();
    let mut trace_id = Vec::with_capacity(n);
    let mut span_id = Vec::with_capacity(n);
    let mut parent = Vec::with_capacity(n);
    let mut name = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut start = Vec::with_capacity(n);
    let mut end = Vec::with_capacity(n);
    let mut trace_state = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    let mut status_code = Vec::with_capacity(n);
    let mut status_message = Vec::with_capacity(n);
    let mut attributes = Vec::with_capacity(n);
    let mut dropped_attributes = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    let mut dropped_events = Vec::with_capacity(n);
    let mut links = Vec::with_capacity(n);
    let mut dropped_links = Vec::with_capacity(n);
    let mut resource_id = Vec::with_capacity(n);
    let mut scope_id = Vec::with_capacity(n);
    for &i in &order {
        let span = &spans[i];
        let mut attrs = Vec::new();
        super::super::codec::encode_attributes(&span.attributes, &mut attrs)?;
        trace_id.push(&span.trace_id.0[..]);
        span_id.push(&span.span_id.0[..]);
        parent.push(span.parent_span_id.as_ref().map(|p| &p.0[..]));
        name.push(span.name.as_bytes());
        kind.push(span.kind.as_i32());
        start.push(nanos(span.start_unix_nano));
        end.push(nanos(span.end_unix_nano));
        trace_state.push(span.trace_state.as_bytes());
        flags.push(i64::from(span.flags));
        status_code.push(span.status.code.as_i32());
        status_message.push(span.status.message.as_bytes());
        attributes.push(attrs);
        dropped_attributes.push(i64::from(span.dropped_attributes_count));
        events.push(serde_json::to_string(&span.events).map_err(json_err)?);
        dropped_events.push(i64::from(span.dropped_events_count));
        links.push(serde_json::to_string(&span.links).map_err(json_err)?);
        dropped_links.push(i64::from(span.dropped_links_count));
        resource_id.push(ids[i].0);
        scope_id.push(ids[i].1);
    }
    let rows = tx.query(
        "INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, \
         trace_state, flags, status_code, status_message, attributes, dropped_attributes_count, events, \
         dropped_events_count, links, dropped_links_count, resource_id, scope_id) \
         SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[], $5::int4[], $6::int8[], \
         $7::int8[], $8::bytea[], $9::int8[], $10::int4[], $11::bytea[], $12::bytea[], $13::int8[], $14::text[], \
         $15::int8[], $16::text[], $17::int8[], $18::int8[], $19::int8[]) \
         ON CONFLICT (trace_id, span_id) DO NOTHING RETURNING trace_id",
        &[
            &trace_id,
            &span_id,
            &parent,
            &name,
            &kind,
            &start,
            &end,
            &trace_state,
            &flags,
            &status_code,
            &status_message,
            &attributes,
            &dropped_attributes,
            &events,
            &dropped_events,
            &links,
            &dropped_links,
            &resource_id,
            &scope_id,
        ],
    )?;
    for row in &rows {
        let id: &[u8] = row.get(0);
        if let Some(id) = TraceId::from_bytes(id) {
            changed.insert(id);
        }
    }
    Ok(rows.len())
}

/// Stores one log record under its content digest; returns 1 when it was new.
pub fn insert_log(
    tx: &mut impl GenericClient,
    digest: &[u8; 32],
    log: &LogRecord,
    body: &[u8],
    attributes: &[u8],
    (resource_id, scope_id): (i64, i64),
) -> Result<usize, Error> {
    let n = tx.execute(
        "INSERT INTO logs (digest, trace_id, span_id, time_unix_nano, observed_time_unix_nano, severity_number, \
         severity_text, event_name, body, attributes, dropped_attributes_count, flags, resource_id, scope_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (digest) DO NOTHING",
        &[
            &&digest[..],
            &&log.trace_id.0[..],
            &log.span_id.as_ref().map(|s| &s.0[..]),
            &nanos(log.time_unix_nano),
            &nanos(log.observed_time_unix_nano),
            &log.severity_number,
            &log.severity_text.as_bytes(),
            &log.event_name.as_bytes(),
            &body,
            &attributes,
            &i64::from(log.dropped_attributes_count),
            &i64::from(log.flags),
            &resource_id,
            &scope_id,
        ],
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Records the input and links its traces to it; returns whether it was already known.
pub fn record_source(
    tx: &mut impl GenericClient,
    digest: &[u8],
    name: &str,
    format: &str,
    spans: usize,
    traces: &BTreeSet<TraceId>,
) -> Result<bool, Error> {
    let inserted = tx.execute(
        "INSERT INTO sources (digest, name, format, spans) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (digest) DO NOTHING",
        &[
            &digest,
            &name.as_bytes(),
            &format,
            &i64::try_from(spans).unwrap_or(i64::MAX),
        ],
    )?;
    let ids: Vec<&[u8]> = traces.iter().map(|t| &t.0[..]).collect();
    tx.execute(
        "INSERT INTO trace_sources (trace_id, digest) SELECT t, $2 FROM unnest($1::bytea[]) AS t \
         ON CONFLICT DO NOTHING",
        &[&ids, &digest],
    )?;
    Ok(inserted == 0)
}

/// Marks the traces that gained spans stale: their derived rows go.
pub fn mark_stale(tx: &mut impl GenericClient, changed: &BTreeSet<TraceId>) -> Result<(), Error> {
    if !changed.is_empty() {
        let ids: Vec<TraceId> = changed.iter().copied().collect();
        lock_traces(tx, &ids)?;
        let bytes: Vec<&[u8]> = ids.iter().map(|t| &t.0[..]).collect();
        for table in DERIVED_TABLES {
            tx.execute(
                &format!("DELETE FROM {table} WHERE trace_id = ANY($1::bytea[])"),
                &[&bytes],
            )?;
        }
    }
    Ok(())
}
