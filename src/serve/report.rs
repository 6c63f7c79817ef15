//! What the receiver tells its front end: spans stored, and one line per trace each time its
//! analysis is refreshed (service, root span, spans, batches, worst finding), as text or JSON.

use std::collections::HashSet;

use serde::Serialize;

use super::writer::Stats;
use crate::analysis::AnalyzedTrace;
use crate::model::{Trace, TraceId};
use crate::sanitize::sanitize_line;

/// Something the receiver did, reported from its writer thread.
#[derive(Debug, Clone)]
pub enum ReceiverEvent {
    /// A group of requests was committed.
    Stored {
        new_spans: usize,
        traces: Vec<TraceId>,
        stats: Stats,
    },
    /// A trace's analysis was brought up to date.
    Analyzed(TraceLine),
    /// Something a person should know (a followed file had a bad line).
    Warning(String),
}

/// One trace as the receiver last analysed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceLine {
    pub trace_id: TraceId,
    pub service: Option<String>,
    pub root: Option<String>,
    pub spans: usize,
    pub model_calls: usize,
    pub tool_calls: usize,
    pub batches: usize,
    pub parallel_batches: usize,
    pub findings: usize,
    /// The most severe finding: severity, kind and explanation.
    pub worst: Option<WorstFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorstFinding {
    pub severity: &'static str,
    pub kind: &'static str,
    pub explanation: String,
}

/// Summarizes an analysed trace (root and service found as the store finds them).
pub fn trace_line(trace: &Trace, analyzed: &AnalyzedTrace) -> TraceLine {
    let ids: HashSet<_> = trace.spans.iter().map(|s| s.span_id).collect();
    let root = trace
        .spans
        .iter()
        .filter(|s| s.parent_span_id.is_none_or(|p| !ids.contains(&p)))
        .min_by_key(|s| (s.start_unix_nano, s.span_id));
    let run = &analyzed.run;
    let worst = analyzed
        .analysis
        .findings
        .iter()
        .max_by_key(|f| f.severity)
        .map(|f| WorstFinding {
            severity: f.severity.as_str(),
            kind: f.kind.as_str(),
            explanation: f.explanation.clone(),
        });
    TraceLine {
        trace_id: trace.trace_id,
        service: root
            .and_then(|r| r.resource.service_name())
            .map(str::to_owned),
        root: root.map(|r| r.name.clone()),
        spans: trace.spans.len(),
        model_calls: run.model_calls.len(),
        tool_calls: run.tool_calls.len(),
        batches: run.batches.len(),
        parallel_batches: run.batches.iter().filter(|b| b.is_parallel()).count(),
        findings: analyzed.analysis.findings.len(),
        worst,
    }
}

impl TraceLine {
    /// One line for people, sanitized (trace contents are untrusted).
    pub fn text(&self) -> String {
        let id = self.trace_id.to_string();
        let short = id.get(..12).unwrap_or(&id);
        let worst = match &self.worst {
            Some(w) => format!(
                "{} {}: {}",
                w.severity,
                w.kind.replace('_', " "),
                sanitize_line(&w.explanation)
            ),
            None => "no findings".to_owned(),
        };
        format!(
            "{short}  {}  {}  {} spans, {} model calls, {} tool calls, {} batches ({} parallel)  {worst}",
            sanitize_line(self.service.as_deref().unwrap_or("-")),
            sanitize_line(self.root.as_deref().unwrap_or("-")),
            self.spans,
            self.model_calls,
            self.tool_calls,
            self.batches,
            self.parallel_batches,
        )
    }

    /// One JSON object (JSON escaping keeps control characters inert).
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}
