//! Pure analysis over domain types: batches' resource accesses, conflicts between siblings,
//! data flow and the backward path from the final answer, latency and swimlane layout.
//!
//! No I/O and no clock: everything here is a function of its arguments, so the TUI, export and
//! audit share one answer and tests run on fixtures. The pipeline of [`analyze`]:
//! [`resources`] (accesses per call, with evidence) → [`conflicts`] (findings per batch) →
//! [`provenance`] (flow edges, suspects, why path); [`latency`] and [`timeline`] read times
//! only. [`catalog`] parses the user's `fanout.toml`; [`catalog_audit`] classifies tools across
//! many analysed runs. How each step decides is described in `docs/analysis.md`.

pub mod catalog;
pub(crate) mod catalog_audit;
pub(crate) mod conflicts;
pub(crate) mod diff;
pub(crate) mod latency;
pub(crate) mod provenance;
pub(crate) mod resources;
#[cfg(test)]
pub(crate) mod test_support;
pub(crate) mod timeline;
pub(crate) mod types;

pub use catalog::Catalog;
pub use types::*;

use crate::model::{Run, Trace};

/// A run together with its analysis: what the TUI, export and audit consume.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnalyzedTrace {
    pub run: Run,
    pub analysis: Analysis,
}

/// Analyses a normalized run of `trace`: accesses per call, sibling conflicts, data flow and
/// suspects, latency and lanes.
pub fn analyze(trace: &Trace, run: &Run, catalog: &Catalog) -> Analysis {
    let index = resources::SpanIndex::new(trace);
    let per_call: Vec<resources::CallResources> = run
        .tool_calls
        .iter()
        .map(|c| resources::infer_call(&index, run, catalog, c))
        .collect();
    let findings = conflicts::find_conflicts(run, &per_call);
    let prov = provenance::provenance(run, &per_call, &findings);
    Analysis {
        accesses: per_call.into_iter().map(|c| c.accesses).collect(),
        findings,
        flow: prov.flow,
        suspects: prov.suspects,
        why: prov.why,
        latency: latency::latency(run),
        lanes: timeline::lanes(run),
    }
}

/// Normalizes `trace` and analyses the run: the one entry point front ends call.
pub fn analyze_trace(trace: &Trace, catalog: &Catalog) -> AnalyzedTrace {
    let run = crate::normalize::normalize(trace);
    let analysis = analyze(trace, &run, catalog);
    AnalyzedTrace { run, analysis }
}
