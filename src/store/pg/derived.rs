//! Writing the derived tables into PostgreSQL. A trace's analysis is stored under the trace's
//! advisory lock and only when the trace still has the spans it was computed from: a writer that
//! stored more spans meanwhile has marked it stale, and the next reader or writer analyses it
//! again.

use super::super::derived::{enum_name, json};
use super::super::{to_sql_nanos, Error};
use super::write::{lock_traces, DERIVED_TABLES};
use super::Pg;
use crate::analysis::AnalyzedTrace;
use crate::model::{Trace, TraceId};

fn count(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Pg {
    pub fn write_analysis(&mut self, trace: &Trace, analyzed: &AnalyzedTrace) -> Result<(), Error> {
        let mut tx = self.client_mut().transaction()?;
        let id = &trace.trace_id.0[..];
        lock_traces(&mut tx, &[trace.trace_id])?;
        let stored: i64 = tx
            .query_one("SELECT count(*) FROM spans WHERE trace_id = $1", &[&id])?
            .get(0);
        if stored != count(trace.spans.len()) {
            // Spans arrived after this analysis loaded the trace: leave it stale.
            return Ok(());
        }
        for table in DERIVED_TABLES {
            tx.execute(&format!("DELETE FROM {table} WHERE trace_id = $1"), &[&id])?;
        }
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
        let final_span = run
            .final_answer
            .as_ref()
            .and_then(|a| a.span_id)
            .map(|s| s.0.to_vec());
        tx.execute(
            "INSERT INTO runs (trace_id, conventions, timing, service, root_name, start_unix_nano, end_unix_nano, \
             span_count, model_calls, tool_calls, batches, parallel_batches, findings, worst_severity, final_answer, \
             final_answer_span_id, degraded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            &[
                &id,
                &conventions.join(","),
                &enum_name(&run.timing)?,
                &root.and_then(|r| r.resource.service_name()).map(str::as_bytes),
                &root.map(|r| r.name.as_bytes()),
                &start.map(to_sql_nanos),
                &end.map(to_sql_nanos),
                &count(trace.spans.len()),
                &count(run.model_calls.len()),
                &count(run.tool_calls.len()),
                &count(run.batches.len()),
                &count(run.batches.iter().filter(|b| b.is_parallel()).count()),
                &count(analysis.findings.len()),
                &analysis.worst_severity().map(|s| s.as_str()),
                &run.final_answer.as_ref().map(|a| a.text.as_bytes()),
                &final_span,
                &json(&run.degraded)?,
            ],
        )?;
        let stmt = tx.prepare(
            "INSERT INTO findings (trace_id, idx, kind, severity, resource, batch_idx, call_idxs, explanation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )?;
        for (i, f) in analysis.findings.iter().enumerate() {
            tx.execute(
                &stmt,
                &[
                    &id,
                    &count(i),
                    &f.kind.as_str(),
                    &f.severity.as_str(),
                    &f.resource.as_bytes(),
                    &count(f.batch),
                    &json(&f.calls)?,
                    &f.explanation.as_bytes(),
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn clear_derived(&mut self) -> Result<(), Error> {
        let mut tx = self.client_mut().transaction()?;
        for table in DERIVED_TABLES {
            tx.execute(&format!("DELETE FROM {table}"), &[])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn unanalyzed_among(&self, ids: &[TraceId]) -> Result<Vec<TraceId>, Error> {
        let bytes: Vec<&[u8]> = ids.iter().map(|t| &t.0[..]).collect();
        let rows = self.client().query(
            "SELECT t FROM unnest($1::bytea[]) AS t \
             WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.trace_id = t) ORDER BY 1",
            &[&bytes],
        )?;
        rows.iter()
            .map(|r| {
                TraceId::from_bytes(r.get::<_, &[u8]>(0))
                    .ok_or_else(|| Error::Corrupt("a stored trace id is not 16 bytes".into()))
            })
            .collect()
    }

    pub fn unanalyzed_trace_ids(&self) -> Result<Vec<TraceId>, Error> {
        let rows = self.client().query(
            "SELECT DISTINCT s.trace_id FROM spans s \
             WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.trace_id = s.trace_id) ORDER BY 1",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                TraceId::from_bytes(r.get::<_, &[u8]>(0))
                    .ok_or_else(|| Error::Corrupt("a stored trace id is not 16 bytes".into()))
            })
            .collect()
    }
}
