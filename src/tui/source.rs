//! Where the TUI's data comes from: the [`TraceSource`] trait the worker thread drives, the
//! per-trace summary shown in the list, and the loaded trace.
//!
//! The real source opens the store and runs analysis; tests inject a fake. A source is owned by
//! the worker thread only: nothing on the UI thread ever calls it.

use crate::analysis::{AnalyzedTrace, FindingKind, Severity};
use crate::model::{Trace, TraceId};

/// One row of the trace list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceSummary {
    pub trace_id: TraceId,
    pub service: Option<String>,
    pub root_name: Option<String>,
    pub start_unix_nano: Option<u64>,
    pub duration_nanos: Option<u64>,
    pub span_count: usize,
    pub model_calls: usize,
    pub tool_calls: usize,
    pub parallel_batches: usize,
    pub worst_severity: Option<Severity>,
    pub finding_count: usize,
    /// Kinds of the findings, each once (empty when unknown).
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
    fn summaries(&mut self) -> anyhow::Result<Vec<TraceSummary>>;
    /// `Ok(None)` when no such trace is stored.
    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>>;
    /// Writes an export and returns a line for the status bar (e.g. the file written).
    fn export(&mut self, request: &ExportRequest) -> anyhow::Result<String> {
        let _ = request;
        anyhow::bail!("export is not available from this data source")
    }
}

/// A fixed set of traces in memory: for tests, benchmarks and callers that already hold
/// analysed runs.
#[derive(Debug, Default)]
pub struct MemorySource {
    pub summaries: Vec<TraceSummary>,
    pub traces: Vec<LoadedTrace>,
}

impl TraceSource for MemorySource {
    fn summaries(&mut self) -> anyhow::Result<Vec<TraceSummary>> {
        Ok(self.summaries.clone())
    }

    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>> {
        Ok(self.traces.iter().find(|t| t.analyzed.run.trace_id == id).cloned())
    }
}
