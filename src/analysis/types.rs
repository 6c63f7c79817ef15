//! What analysis produces for one run: resource accesses with evidence, sibling conflicts
//! (findings), data flow, the backward path from the final answer, latency figures and swimlane
//! lanes. Plain data shared by the TUI, export and audit; serde names are part of the public JSON.

use serde::{Deserialize, Serialize};

/// How a tool call touched a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessMode {
    Read,
    Write,
    /// Read-modify-write: reads the prior state and writes a new one.
    ReadWrite,
}

impl AccessMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::ReadWrite => "read_write",
        }
    }

    /// The short mark used in matrices: `R`, `W`, `RW`.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Read => "R",
            Self::Write => "W",
            Self::ReadWrite => "RW",
        }
    }

    pub fn reads(self) -> bool {
        matches!(self, Self::Read | Self::ReadWrite)
    }

    pub fn writes(self) -> bool {
        matches!(self, Self::Write | Self::ReadWrite)
    }
}

/// Where an access was learned from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// Explicit attribute on the tool span (e.g. `fanout.resource.writes`).
    SpanAttribute,
    /// Access event recorded on the tool span.
    SpanEvent,
    /// The user's tool catalog (`fanout.toml`).
    Catalog,
    /// A child span of the tool (HTTP, DB, file).
    ChildSpan,
    /// Tool definition or MCP annotations found in the trace.
    ToolDefinition,
    /// A value in the call's arguments.
    Argument,
    /// A value in the call's result.
    Result,
    /// The tool's name or description verb: the weakest signal.
    ToolName,
}

impl EvidenceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SpanAttribute => "span_attribute",
            Self::SpanEvent => "span_event",
            Self::Catalog => "catalog",
            Self::ChildSpan => "child_span",
            Self::ToolDefinition => "tool_definition",
            Self::Argument => "argument",
            Self::Result => "result",
            Self::ToolName => "tool_name",
        }
    }
}

/// How sure fanout is of an access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// The words of these enums in every output are their serialized names.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(
    AccessMode,
    EvidenceSource,
    Confidence,
    FindingKind,
    Severity
);

/// One resource access of one tool call, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// Normalized resource name (`account:acc-1001`, `file:db/accounts/a.json`, `sqlite://shop.db/accounts/ACC-1001`...).
    pub resource: String,
    pub mode: AccessMode,
    pub source: EvidenceSource,
    pub confidence: Confidence,
    /// One line for people: what was seen, e.g. `argument account_id="ACC-1001"; verb 'deposit' writes`.
    pub evidence: String,
}

/// The seed article's three failure modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    SharedStateMutation,
    ContextDependency,
    ExecutionTimingDependency,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SharedStateMutation => "shared_state_mutation",
            Self::ContextDependency => "context_dependency",
            Self::ExecutionTimingDependency => "execution_timing_dependency",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::SharedStateMutation => "shared-state mutation",
            Self::ContextDependency => "context dependency",
            Self::ExecutionTimingDependency => "execution-timing dependency",
        }
    }
}

/// How strongly the evidence shows the conflict happened. Ordered: `Info < Latent < Observed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The runner serialized the calls: no race possible.
    Info,
    /// Same batch, did not overlap, order not guaranteed.
    Latent,
    /// The executions overlapped in time, or results prove the interleaving.
    Observed,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Latent => "latent",
            Self::Observed => "observed",
        }
    }
}

/// A conflict between siblings of one batch on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub resource: String,
    /// Index into `Run::batches`.
    pub batch: usize,
    /// Indices into `Run::tool_calls`: the first is the one that wrote or was meant to go first.
    pub calls: Vec<usize>,
    /// One or two sentences, e.g. "lost update on account:acc-1001: both read 100".
    pub explanation: String,
    /// The signals the finding rests on, e.g. `["argument account_id", "result previous_balance=100 twice", "overlap 140ms"]`.
    pub signals: Vec<String>,
}

/// Where a value from a tool result reappeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "index")]
pub enum FlowTarget {
    ToolCall(usize),
    ModelCall(usize),
    FinalAnswer,
}

/// A data-flow edge: `value` from the result of tool call `from_call` reappears at `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowEdge {
    pub from_call: usize,
    pub to: FlowTarget,
    pub value: String,
}

/// One step of the backward path from the final answer, in the order a user walks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum WhyStep {
    /// The answer and the value in it that was traced.
    Answer { text: String, value: Option<String> },
    /// The tool call whose result produced the value.
    Call { call: usize, value: Option<String> },
    /// The batch that call ran in.
    Batch { batch: usize },
    /// A finding in that batch and the sibling the call collided with.
    Finding {
        finding: usize,
        sibling: Option<usize>,
    },
}

/// The backward slice from the final answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WhyPath {
    pub steps: Vec<WhyStep>,
}

/// Latency figures of one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchLatency {
    pub batch: usize,
    /// First start to last end of its calls.
    pub wall_nanos: Option<u64>,
    /// Sum of its calls' durations: what running them one after another would take.
    pub sum_nanos: Option<u64>,
    /// `sum / wall`: what parallelism bought (1.0 = nothing).
    pub speedup: Option<f64>,
    /// Whether any two siblings overlapped in time.
    pub overlapped: bool,
}

/// Latency figures of one run; `None` everywhere for untimed transcripts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Whole run: first start to last end.
    pub total_nanos: Option<u64>,
    /// Time when at least one tool ran (union of tool intervals).
    pub tool_nanos: Option<u64>,
    /// `tool_nanos / total_nanos`.
    pub tool_share: Option<f64>,
    /// Model calls plus the longest call of each batch along the run.
    pub critical_path_nanos: Option<u64>,
    /// What fully sequential tool execution would have cost: total - sum(wall) + sum(sum).
    pub sequential_nanos: Option<u64>,
    pub batches: Vec<BatchLatency>,
}

/// Swimlane layout of one batch: `lanes[i]` is the lane of `Batch::calls[i]`; overlapping calls
/// never share a lane.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BatchLanes {
    pub batch: usize,
    pub lanes: Vec<usize>,
    pub lane_count: usize,
}

/// Everything analysis knows about one run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Analysis {
    /// `accesses[i]` belongs to `Run::tool_calls[i]`.
    pub accesses: Vec<Vec<Access>>,
    pub findings: Vec<Finding>,
    pub flow: Vec<FlowEdge>,
    /// Batch indices ranked most likely first: batches that fed the answer, those with findings first.
    pub suspects: Vec<usize>,
    pub why: WhyPath,
    pub latency: Latency,
    /// One entry per batch, same order as `Run::batches`.
    pub lanes: Vec<BatchLanes>,
}

impl Analysis {
    /// The worst severity of any finding.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Findings that involve a tool call.
    pub fn findings_of_call(&self, call: usize) -> impl Iterator<Item = (usize, &Finding)> {
        self.findings
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.calls.contains(&call))
    }
}
