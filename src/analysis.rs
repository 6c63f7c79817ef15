//! Pure analysis over domain types: batches' resource accesses, conflicts between siblings,
//! data flow and the backward path from the final answer, latency and swimlane layout.
//!
//! No I/O and no clock: everything here is a function of its arguments, so the TUI, export and
//! audit share one answer and tests run on fixtures.

pub mod catalog;
pub mod types;

pub use catalog::Catalog;
pub use types::*;

use crate::model::{Run, Trace};

/// A run together with its analysis: what the TUI, export and audit consume.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnalyzedTrace {
    pub run: Run,
    pub analysis: Analysis,
}

/// Analyses a normalized run of `trace`.
pub fn analyze(_trace: &Trace, _run: &Run, _catalog: &Catalog) -> Analysis {
    Analysis::default()
}

/// Normalizes `trace` and analyses the run: the one entry point front ends call.
pub fn analyze_trace(trace: &Trace, catalog: &Catalog) -> AnalyzedTrace {
    let run = crate::normalize::normalize(trace);
    let analysis = analyze(trace, &run, catalog);
    AnalyzedTrace { run, analysis }
}
