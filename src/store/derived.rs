//! Writing the derived tables (a run's summary, its findings) from an analysed trace: what the
//! trace list and `audit --db` read without re-analysing. They are a cache of normalization and analysis, rebuilt by `fanout reindex`.

use rusqlite::params;

use super::{to_sql_nanos, Error, Store};
use crate::analysis::AnalyzedTrace;
use crate::model::{Trace, TraceId};

const DERIVED_TABLES: &[&str] = &["runs", "findings"];
/// One trace's rows in each derived table.
const DELETE_DERIVED: &[&str] = &[
    "DELETE FROM runs WHERE trace_id = ?1",
    "DELETE FROM findings WHERE trace_id = ?1",
];

pub(super) fn json(v: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(format!("cannot encode derived data: {e}")))
}

pub(super) fn enum_name(v: &impl serde::Serialize) -> Result<String, Error> {
    Ok(json(v)?.trim_matches('"').to_owned())
}

/// Deletes one trace's derived rows (they are stale once the trace gains spans).
fn delete_derived(conn: &rusqlite::Connection, id: TraceId) -> Result<(), Error> {
    for sql in DELETE_DERIVED {
        conn.prepare_cached(sql)?.execute([&id.0[..]])?;
    }
    Ok(())
}

/// Marks a trace that changed as needing analysis: its derived rows go, and it is listed in
/// `stale_traces` (when it has spans; logs alone make no run).
pub(super) fn mark_stale(conn: &rusqlite::Connection, id: TraceId) -> Result<(), Error> {
    delete_derived(conn, id)?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO stale_traces (trace_id) \
         SELECT ?1 WHERE EXISTS (SELECT 1 FROM spans WHERE trace_id = ?1)",
    )?
    .execute([&id.0[..]])?;
    Ok(())
}

/// The distinct kinds of a run's findings, comma-separated (`None` without findings).
fn finding_kinds(analyzed: &AnalyzedTrace) -> Option<String> {
    let kinds: std::collections::BTreeSet<&str> = analyzed
        .analysis
        .findings
        .iter()
        .map(|f| f.kind.as_str())
        .collect();
    (!kinds.is_empty()).then(|| kinds.into_iter().collect::<Vec<_>>().join(","))
}

impl Store {
    /// Replaces the derived rows of one trace with `analyzed`.
    pub fn write_analysis(&mut self, trace: &Trace, analyzed: &AnalyzedTrace) -> Result<(), Error> {
        let conn = match &mut self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.write_analysis(trace, analyzed),
        };
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let id = &trace.trace_id.0[..];
        delete_derived(&tx, trace.trace_id)?;
        tx.prepare_cached("DELETE FROM stale_traces WHERE trace_id = ?1")?
            .execute([id])?;
        let run = &analyzed.run;
        let analysis = &analyzed.analysis;
        let ids: std::collections::HashSet<_> = trace.spans.iter().map(|s| s.span_id).collect();
        let root = trace
            .spans
            .iter()
            .find(|s| s.parent_span_id.is_none_or(|p| !ids.contains(&p)));
        let start = trace.spans.iter().map(|s| s.start_unix_nano).min();
        let end = trace.spans.iter().map(|s| s.end_unix_nano).max();
        let conventions: Vec<&str> = run.conventions.iter().map(|c| c.as_str()).collect();
        tx.prepare_cached(
            "INSERT INTO runs (trace_id, conventions, timing, service, root_name, start_unix_nano, end_unix_nano, \
             span_count, model_calls, tool_calls, batches, parallel_batches, findings, worst_severity, final_answer, \
             final_answer_span_id, degraded, finding_kinds, source) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
             (SELECT s.name FROM trace_sources ts JOIN sources s ON s.digest = ts.digest \
              WHERE ts.trace_id = ?1 ORDER BY s.rowid LIMIT 1))",
        )?
        .execute(params![
                id,
                conventions.join(","),
                enum_name(&run.timing)?,
                root.and_then(|r| r.resource.service_name()),
                root.map(|r| r.name.as_str()),
                start.map(to_sql_nanos),
                end.map(to_sql_nanos),
                trace.spans.len() as i64,
                run.model_calls.len() as i64,
                run.tool_calls.len() as i64,
                run.batches.len() as i64,
                run.batches.iter().filter(|b| b.is_parallel()).count() as i64,
                analysis.findings.len() as i64,
                analysis.worst_severity().map(|s| s.as_str()),
                run.final_answer.as_ref().map(|a| a.text.as_str()),
                run.final_answer.as_ref().and_then(|a| a.span_id).map(|s| s.0.to_vec()),
                json(&run.degraded)?,
                finding_kinds(analyzed),
            ])?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO findings (trace_id, idx, kind, severity, resource, batch_idx, call_idxs, explanation) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (i, f) in analysis.findings.iter().enumerate() {
                stmt.execute(params![
                    id,
                    i as i64,
                    f.kind.as_str(),
                    f.severity.as_str(),
                    f.resource,
                    f.batch as i64,
                    json(&f.calls)?,
                    f.explanation,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes every derived row (before a full `reindex`).
    pub fn clear_derived(&mut self) -> Result<(), Error> {
        let conn = match &mut self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.clear_derived(),
        };
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for table in DERIVED_TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        tx.execute(
            "INSERT OR IGNORE INTO stale_traces (trace_id) SELECT DISTINCT trace_id FROM spans",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Which of `ids` have no derived rows, or out-of-date ones (without reading the others).
    pub fn unanalyzed_among(&self, ids: &[TraceId]) -> Result<Vec<TraceId>, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.unanalyzed_among(ids),
        };
        let mut stale = conn.prepare_cached("SELECT 1 FROM stale_traces WHERE trace_id = ?1")?;
        let mut out = Vec::new();
        for id in ids {
            if stale.exists([&id.0[..]])? {
                out.push(*id);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Trace ids that have spans but no derived rows (or out-of-date ones).
    pub fn unanalyzed_trace_ids(&self) -> Result<Vec<TraceId>, Error> {
        let conn = match &self.backend {
            super::Backend::Sqlite(conn) => conn,
            super::Backend::Postgres(pg) => return pg.unanalyzed_trace_ids(),
        };
        let mut stmt =
            conn.prepare_cached("SELECT trace_id FROM stale_traces ORDER BY trace_id")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|r| {
            TraceId::from_bytes(&r?)
                .ok_or_else(|| Error::Corrupt("a stored trace id is not 16 bytes".into()))
        })
        .collect()
    }
}
