//! Answers for readers from one consistent snapshot, without writing: the trace list with the
//! traces whose derived rows are missing (stored by a writer that has not analysed them yet)
//! analysed in memory from that same snapshot, and damaged traces set aside by name.

use super::{Error, Store, TraceSummary};
use crate::analysis::AnalyzedTrace;
use crate::model::{Trace, TraceId};

/// The trace list as of one instant.
#[derive(Debug, Default)]
pub struct Summaries {
    pub rows: Vec<TraceSummary>,
    /// Traces that could not be read back (damaged rows), with why; their rows keep only the
    /// raw counts.
    pub damaged: Vec<(TraceId, String)>,
}

impl Store {
    /// Runs `f` inside one read transaction: everything it reads comes from the same snapshot
    /// (WAL readers, and PostgreSQL's
    /// MVCC readers, never wait for nor block a writer).
    pub fn in_snapshot<T>(&self, f: impl FnOnce(&Store) -> Result<T, Error>) -> Result<T, Error> {
        match &self.backend {
            super::Backend::Sqlite(conn) => {
                let tx = conn.unchecked_transaction()?;
                let out = f(self)?;
                tx.finish()?;
                Ok(out)
            }
            // REPEATABLE READ, read only: one snapshot for every statement inside.
            super::Backend::Postgres(pg) => pg.snapshot(|| f(self)),
        }
    }

    /// The trace list from one snapshot; traces without derived rows are analysed in memory
    /// with `analyse` (nothing is written, so a read-only database works).
    pub fn summaries_snapshot(
        &self,
        mut analyse: impl FnMut(&Trace) -> AnalyzedTrace,
    ) -> Result<Summaries, Error> {
        self.in_snapshot(|store| {
            let mut rows = store.trace_summaries()?;
            let stale = store.unanalyzed_trace_ids()?;
            let mut damaged = Vec::new();
            if stale.is_empty() {
                return Ok(Summaries { rows, damaged });
            }
            let index: std::collections::HashMap<TraceId, usize> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.trace_id, i))
                .collect();
            for id in stale {
                match store.load_trace(id) {
                    Ok(Some(trace)) => {
                        let analyzed = analyse(&trace);
                        if let Some(&i) = index.get(&id) {
                            let source = rows[i].source.take();
                            rows[i] = TraceSummary {
                                source,
                                ..TraceSummary::from_analysis(&trace, &analyzed)
                            };
                        }
                    }
                    Ok(None) => {}
                    Err(e) => damaged.push((id, e.to_string())),
                }
            }
            Ok(Summaries { rows, damaged })
        })
    }
}
