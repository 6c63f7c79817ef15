//! Where the TUI's data comes from: the [`TraceSource`] trait the worker thread drives, the list
//! entries, and the loaded trace. [`StoreSource`] is the real one (the SQLite store plus
//! analysis); tests inject [`MemorySource`]. A source is owned by the worker thread only.

use std::path::Path;

use anyhow::Context as _;

use crate::analysis::{analyze_trace, AnalyzedTrace, Catalog, FindingKind};
use crate::model::{Trace, TraceId};
use crate::store::Store;

pub use crate::store::TraceSummary;

/// One row of the trace list.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    pub summary: TraceSummary,
    /// Kinds of the trace's findings, each once; empty when the source cannot tell.
    pub finding_kinds: Vec<FindingKind>,
}

/// A trace as the TUI opens it: the analysed run, and the raw spans when the source has them
/// (the inspector shows their attributes).
#[derive(Debug, Clone)]
pub struct LoadedTrace {
    pub analyzed: AnalyzedTrace,
    pub raw: Option<Trace>,
}

/// What the user asked to export: the open trace and the view they were looking at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub trace_id: TraceId,
    pub scope: ExportScope,
}

/// The part of the trace an export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    Trace,
    Batch(usize),
    Why,
}

/// The data behind the TUI. Implementations may block (SQLite, analysis): they run on the worker
/// thread.
pub trait TraceSource: Send {
    fn summaries(&mut self) -> anyhow::Result<Vec<TraceEntry>>;
    /// `Ok(None)` when no such trace is stored.
    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>>;
    /// Writes an export and returns a line for the status bar (e.g. the file written).
    fn export(&mut self, request: &ExportRequest) -> anyhow::Result<String> {
        let _ = request;
        anyhow::bail!("export is not available from this data source")
    }
}

/// The store on disk, analysed on load.
pub struct StoreSource {
    store: Store,
    catalog: Catalog,
}

impl StoreSource {
    pub fn open(path: &Path, catalog: Catalog) -> anyhow::Result<Self> {
        let store = Store::open(path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        Ok(Self { store, catalog })
    }
}

impl TraceSource for StoreSource {
    fn summaries(&mut self) -> anyhow::Result<Vec<TraceEntry>> {
        let list = self.store.trace_summaries()?;
        Ok(list
            .into_iter()
            .map(|summary| TraceEntry {
                summary,
                finding_kinds: Vec::new(),
            })
            .collect())
    }

    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>> {
        let Some(trace) = self.store.load_trace(id)? else {
            return Ok(None);
        };
        let analyzed = analyze_trace(&trace, &self.catalog);
        Ok(Some(LoadedTrace {
            analyzed,
            raw: Some(trace),
        }))
    }
}

/// A fixed set of traces in memory: for tests, benchmarks and callers that already hold
/// analysed runs.
#[derive(Debug, Default)]
pub struct MemorySource {
    pub entries: Vec<TraceEntry>,
    pub traces: Vec<LoadedTrace>,
}

impl TraceSource for MemorySource {
    fn summaries(&mut self) -> anyhow::Result<Vec<TraceEntry>> {
        Ok(self.entries.clone())
    }

    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>> {
        Ok(self
            .traces
            .iter()
            .find(|t| t.analyzed.run.trace_id == id)
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_source_lists_and_loads_what_was_ingested() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fanout.db");
        let mut source = StoreSource::open(&db, Catalog::default()).unwrap();
        assert!(source.summaries().unwrap().is_empty());
        let id: TraceId = "5b8efff798038103d269b633813fc60c".parse().unwrap();
        assert!(source.load(id).unwrap().is_none());
    }
}
