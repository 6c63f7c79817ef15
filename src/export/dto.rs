//! The versioned audit/export JSON contract (`schema_version` 1), as export's own serde types.
//!
//! These types are kept apart from the model and analysis types on purpose: the model may change
//! shape, this contract may only grow (new optional fields). `docs/json-schema.md` documents it and
//! `assets/fanout-report.schema.json` is its JSON Schema; a test keeps the three in step.
//!
//! Every other export format (Markdown, Perfetto, SVG, SARIF, JUnit, terminal text) renders from
//! a [`TraceReport`], so all formats carry the same annotations and `--batch` is applied once
//! ([`TraceReport::restrict_to_batch`]). Building a report is pure and never panics on odd runs
//! (dangling indices are skipped). Text is copied as recorded; renderers escape or sanitize it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::{
    AccessMode, AnalyzedTrace, Confidence, EvidenceSource, FindingKind, FlowTarget, Severity,
    WhyStep,
};
use crate::model::{CallStatus, Run, Timing};

/// The version of this contract. Bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The top-level document: `{"schema_version": 1, "traces": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub traces: Vec<TraceReport>,
}

impl Report {
    /// A report over several analysed traces, in the order given.
    pub fn new<'a>(traces: impl IntoIterator<Item = &'a AnalyzedTrace>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            traces: traces.into_iter().map(TraceReport::from_analyzed).collect(),
        }
    }
}

/// One trace: its batches, findings, final answer and suspects, plus latency, timing,
/// conventions and degradations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceReport {
    pub trace_id: String,
    /// The input files the trace was read from (absent when unknown: traces stored before
    /// inputs were linked to traces).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// `recorded`; `recovered` for coding-agent logs (times from line timestamps, upper bounds);
    /// or `absent` for chat transcripts: then every time below is `null`.
    pub timing: Timing,
    /// Instrumentation conventions detected, e.g. `genai`, `openinference`.
    pub conventions: Vec<String>,
    /// Why parts of the run could not be rebuilt (content not captured, ...).
    pub degradations: Vec<DegradationDto>,
    /// Where the run was recorded, when the trace states it (agent, version, session id,
    /// project folder and branch of a coding-agent session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionDto>,
    /// Set when the export was restricted to one batch (`--batch`).
    pub scope_batch_id: Option<String>,
    pub model_calls: Vec<ModelCallDto>,
    pub batches: Vec<BatchDto>,
    pub findings: Vec<FindingDto>,
    pub final_answer: Option<FinalAnswerDto>,
    /// Batches that fed the final answer, most likely culprit first.
    pub suspect_batch_ids: Vec<String>,
    /// The backward path from the final answer, in the order a person walks it.
    pub why: Vec<WhyStepDto>,
    /// Values from tool results that reappeared later.
    pub flow: Vec<FlowDto>,
    pub latency: LatencyDto,
    /// Where each call sits in `batches`, by run index: a lookup cache, not part of the contract.
    #[serde(skip)]
    call_index: CallIndex,
}

/// (batch position, call position) by run index. Always equal to another, so reports compare by
/// content; empty after deserializing, when lookups fall back to a scan.
#[derive(Debug, Clone, Default)]
struct CallIndex(HashMap<usize, (usize, usize)>);

impl PartialEq for CallIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl CallIndex {
    fn of(batches: &[BatchDto]) -> Self {
        let mut m = HashMap::new();
        for (bi, b) in batches.iter().enumerate() {
            for (ci, c) in b.calls.iter().enumerate() {
                m.entry(c.index).or_insert((bi, ci));
            }
        }
        Self(m)
    }
}

/// The context a run was recorded in; every field is absent when the trace does not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_call_id: Option<String>,
}

impl SessionDto {
    /// One line for people, the same words as the viewer's.
    pub fn summary(&self) -> String {
        crate::model::SessionInfo {
            agent: self.agent.clone(),
            agent_version: self.agent_version.clone(),
            session_id: self.session_id.clone(),
            project: self.project.clone(),
            git_branch: self.git_branch.clone(),
            parent_session_id: self.parent_session_id.clone(),
            parent_call_id: self.parent_call_id.clone(),
        }
        .summary()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DegradationDto {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCallDto {
    /// Position among the run's model calls (0-based).
    pub index: usize,
    pub span_id: Option<String>,
    pub name: String,
    pub model: Option<String>,
    pub start_unix_nano: Option<u64>,
    pub end_unix_nano: Option<u64>,
    pub finish_reason: Option<String>,
    /// Ids of the tool calls this response emitted, in emission order.
    pub emitted_call_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchDto {
    /// `b1`, `b2`, ... in order of the emitting model calls.
    pub batch_id: String,
    pub emitted_by_span_id: Option<String>,
    /// Index of the emitting model call in `model_calls`.
    pub emitted_by_model_call: Option<usize>,
    /// More than one sibling: the calls may have run concurrently.
    pub parallel: bool,
    /// Swimlanes needed so that overlapping siblings never share one.
    pub lane_count: usize,
    pub wall_nanos: Option<u64>,
    pub sum_nanos: Option<u64>,
    pub speedup: Option<f64>,
    pub overlapped: bool,
    pub calls: Vec<CallDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallDto {
    /// The model's tool-call id, else `#<index>`.
    pub call_id: String,
    /// Position among the run's tool calls (0-based); unique where call ids might not be.
    pub index: usize,
    pub tool: String,
    pub span_id: Option<String>,
    pub start_unix_nano: Option<u64>,
    pub end_unix_nano: Option<u64>,
    pub duration_nanos: Option<u64>,
    /// `ok`, `error`, `unknown` or `not_executed`.
    pub status: CallStatus,
    pub error: Option<String>,
    /// How the executed span was tied to the emitted call (`call_id`, `order`, ...).
    pub matched_by: String,
    /// Swimlane within its batch (0-based).
    pub lane: usize,
    /// Arguments as recorded (`null` when not captured).
    pub arguments: Option<Value>,
    /// Result as recorded (`null` when not captured).
    pub result: Option<Value>,
    pub accesses: Vec<AccessDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDto {
    pub resource: String,
    /// `read`, `write` or `read_write`.
    pub mode: AccessMode,
    /// One line for people: what was seen.
    pub evidence: String,
    /// Where it was learned (`span_attribute`, `catalog`, `argument`, ... `tool_name`).
    pub source: EvidenceSource,
    /// `high`, `medium` or `low`.
    pub confidence: Confidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingDto {
    /// `shared_state_mutation`, `context_dependency` or `execution_timing_dependency`.
    pub kind: FindingKind,
    /// `observed`, `latent` or `info`.
    pub severity: Severity,
    pub resource: String,
    /// The calls involved; the first wrote or was meant to go first.
    pub call_ids: Vec<String>,
    /// Same calls as positions among the run's tool calls.
    pub call_indexes: Vec<usize>,
    pub batch_id: String,
    pub explanation: String,
    /// The signals the finding rests on.
    pub signals: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalAnswerDto {
    pub text: String,
    pub span_id: Option<String>,
    pub model_call: Option<usize>,
}

/// One step of the why-path; `step` tells which fields are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyStepDto {
    /// `answer`, `call`, `batch` or `finding`.
    pub step: String,
    pub text: Option<String>,
    pub value: Option<String>,
    pub call_id: Option<String>,
    pub tool: Option<String>,
    pub batch_id: Option<String>,
    /// Index into `findings`.
    pub finding: Option<usize>,
    pub sibling_call_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowDto {
    pub from_call_id: String,
    pub from_call_index: usize,
    /// `tool_call`, `model_call` or `final_answer`.
    pub to_kind: String,
    /// Tool-call or model-call index, `null` for the final answer.
    pub to_index: Option<usize>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LatencyDto {
    pub total_nanos: Option<u64>,
    pub tool_nanos: Option<u64>,
    pub tool_share: Option<f64>,
    pub critical_path_nanos: Option<u64>,
    pub sequential_nanos: Option<u64>,
}

impl TraceReport {
    /// The suspect batches to name in prose and pictures: none for a run without findings (a
    /// clean run's batches fed its answer, but nothing makes them suspect).
    pub fn suspects_to_show(&self) -> &[String] {
        if self.findings.is_empty() {
            &[]
        } else {
            &self.suspect_batch_ids
        }
    }

    /// Builds the report of one analysed trace.
    pub fn from_analyzed(t: &AnalyzedTrace) -> Self {
        let run = &t.run;
        let a = &t.analysis;
        let untimed = run.timing == Timing::Absent;
        let time = |v: Option<u64>| if untimed { None } else { v };
        let call_id = |i: usize| {
            run.tool_calls
                .get(i)
                .map_or_else(|| format!("#{i}"), |c| c.display_id())
        };
        let batch_id = |i: usize| {
            run.batches
                .get(i)
                .map_or_else(|| format!("#{i}"), |b| b.id.clone())
        };

        let model_calls = run
            .model_calls
            .iter()
            .map(|m| ModelCallDto {
                index: m.index,
                span_id: m.span_id.map(|s| s.to_hex()),
                name: m.name.clone(),
                model: m.model.clone(),
                start_unix_nano: time(m.start_unix_nano),
                end_unix_nano: time(m.end_unix_nano),
                finish_reason: m.finish_reason.clone(),
                emitted_call_ids: m.emitted.iter().map(|&i| call_id(i)).collect(),
            })
            .collect();

        let batches: Vec<BatchDto> = run
            .batches
            .iter()
            .map(|b| {
                let lanes = a.lanes.iter().find(|l| l.batch == b.index);
                let lat = a.latency.batches.iter().find(|l| l.batch == b.index);
                let calls = b
                    .calls
                    .iter()
                    .enumerate()
                    .filter_map(|(pos, &ci)| {
                        let c = run.tool_calls.get(ci)?;
                        let lane = lanes.and_then(|l| l.lanes.get(pos).copied()).unwrap_or(pos);
                        Some(CallDto {
                            call_id: c.display_id(),
                            index: ci,
                            tool: c.name.clone(),
                            span_id: c.span_id.map(|s| s.to_hex()),
                            start_unix_nano: time(c.start_unix_nano),
                            end_unix_nano: time(c.end_unix_nano),
                            duration_nanos: if untimed { None } else { c.duration_nanos() },
                            status: c.status,
                            error: c.error.clone(),
                            matched_by: enum_name(&c.matched_by),
                            lane,
                            arguments: c.arguments.clone(),
                            result: c.result.clone(),
                            accesses: a
                                .accesses
                                .get(ci)
                                .into_iter()
                                .flatten()
                                .map(|x| AccessDto {
                                    resource: x.resource.clone(),
                                    mode: x.mode,
                                    evidence: x.evidence.clone(),
                                    source: x.source,
                                    confidence: x.confidence,
                                })
                                .collect(),
                        })
                    })
                    .collect::<Vec<_>>();
                let lane_count = lanes.map_or(calls.len().max(1), |l| l.lane_count.max(1));
                BatchDto {
                    batch_id: b.id.clone(),
                    emitted_by_span_id: b
                        .emitted_by
                        .and_then(|m| run.model_calls.get(m))
                        .and_then(|m| m.span_id)
                        .map(|s| s.to_hex()),
                    emitted_by_model_call: b.emitted_by,
                    parallel: b.is_parallel(),
                    lane_count,
                    wall_nanos: lat.and_then(|l| time(l.wall_nanos)),
                    sum_nanos: lat.and_then(|l| time(l.sum_nanos)),
                    speedup: if untimed {
                        None
                    } else {
                        lat.and_then(|l| l.speedup).and_then(round4)
                    },
                    overlapped: lat.is_some_and(|l| l.overlapped),
                    calls,
                }
            })
            .collect();

        let findings = a
            .findings
            .iter()
            .map(|f| FindingDto {
                kind: f.kind,
                severity: f.severity,
                resource: f.resource.clone(),
                call_ids: f.calls.iter().map(|&i| call_id(i)).collect(),
                call_indexes: f.calls.clone(),
                batch_id: batch_id(f.batch),
                explanation: f.explanation.clone(),
                signals: f.signals.clone(),
            })
            .collect();

        let why = a
            .why
            .steps
            .iter()
            .map(|s| why_step(run, s, &call_id, &batch_id))
            .collect();
        let flow = a
            .flow
            .iter()
            .map(|e| {
                let (to_kind, to_index) = match e.to {
                    FlowTarget::ToolCall(i) => ("tool_call", Some(i)),
                    FlowTarget::ModelCall(i) => ("model_call", Some(i)),
                    FlowTarget::FinalAnswer => ("final_answer", None),
                };
                FlowDto {
                    from_call_id: call_id(e.from_call),
                    from_call_index: e.from_call,
                    to_kind: to_kind.to_owned(),
                    to_index,
                    value: e.value.clone(),
                }
            })
            .collect();

        let l = &a.latency;
        let call_index = CallIndex::of(&batches);
        Self {
            sources: Vec::new(),
            trace_id: run.trace_id.to_hex(),
            timing: run.timing,
            conventions: run
                .conventions
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            degradations: run
                .degraded
                .iter()
                .map(|d| DegradationDto {
                    code: d.code.clone(),
                    message: d.message.clone(),
                })
                .collect(),
            session: run.session.as_ref().map(|s| SessionDto {
                agent: s.agent.clone(),
                agent_version: s.agent_version.clone(),
                session_id: s.session_id.clone(),
                project: s.project.clone(),
                git_branch: s.git_branch.clone(),
                parent_session_id: s.parent_session_id.clone(),
                parent_call_id: s.parent_call_id.clone(),
            }),
            scope_batch_id: None,
            model_calls,
            batches,
            findings,
            final_answer: run.final_answer.as_ref().map(|f| FinalAnswerDto {
                text: f.text.clone(),
                span_id: f.span_id.map(|s| s.to_hex()),
                model_call: f.model_call,
            }),
            suspect_batch_ids: a.suspects.iter().map(|&b| batch_id(b)).collect(),
            why,
            flow,
            latency: LatencyDto {
                total_nanos: time(l.total_nanos),
                tool_nanos: time(l.tool_nanos),
                tool_share: if untimed {
                    None
                } else {
                    l.tool_share.and_then(round4)
                },
                critical_path_nanos: time(l.critical_path_nanos),
                sequential_nanos: time(l.sequential_nanos),
            },
            call_index,
        }
    }

    /// Whether the run's times are missing (a transcript): layouts must go by order.
    pub fn is_untimed(&self) -> bool {
        self.timing == Timing::Absent
    }

    /// Keeps only batch `id`, its findings, flow touching its calls and the model call that
    /// emitted it. Returns `false` (and changes nothing) when the trace has no such batch.
    pub fn restrict_to_batch(&mut self, id: &str) -> bool {
        let Some(batch) = self.batches.iter().find(|b| b.batch_id == id).cloned() else {
            return false;
        };
        let calls: Vec<usize> = batch.calls.iter().map(|c| c.index).collect();
        self.findings.retain(|f| f.batch_id == id);
        self.suspect_batch_ids.retain(|b| b == id);
        self.flow.retain(|e| {
            calls.contains(&e.from_call_index)
                || (e.to_kind == "tool_call" && e.to_index.is_some_and(|i| calls.contains(&i)))
        });
        self.model_calls
            .retain(|m| Some(m.index) == batch.emitted_by_model_call);
        self.batches = vec![batch];
        self.call_index = CallIndex::of(&self.batches);
        self.scope_batch_id = Some(id.to_owned());
        true
    }

    /// A call by its run index.
    pub fn call(&self, index: usize) -> Option<&CallDto> {
        if let Some(&(b, c)) = self.call_index.0.get(&index) {
            return self.batches.get(b).and_then(|b| b.calls.get(c));
        }
        if !self.call_index.0.is_empty() {
            return None;
        }
        self.batches
            .iter()
            .flat_map(|b| &b.calls)
            .find(|c| c.index == index)
    }

    /// The batch holding a call, by the call's run index.
    pub fn batch_of_call(&self, index: usize) -> Option<&BatchDto> {
        if let Some(&(b, _)) = self.call_index.0.get(&index) {
            return self.batches.get(b);
        }
        self.batches
            .iter()
            .find(|b| b.calls.iter().any(|c| c.index == index))
    }

    /// The worst severity among findings (`observed` > `latent` > `info`).
    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// All calls in batch order.
    pub fn calls(&self) -> impl Iterator<Item = &CallDto> {
        self.batches.iter().flat_map(|b| &b.calls)
    }
}

fn why_step(
    run: &Run,
    s: &WhyStep,
    call_id: &dyn Fn(usize) -> String,
    batch_id: &dyn Fn(usize) -> String,
) -> WhyStepDto {
    let mut d = WhyStepDto {
        step: String::new(),
        text: None,
        value: None,
        call_id: None,
        tool: None,
        batch_id: None,
        finding: None,
        sibling_call_id: None,
    };
    match s {
        WhyStep::Answer { text, value } => {
            d.step = "answer".into();
            d.text = Some(text.clone());
            d.value = value.clone();
        }
        WhyStep::Call { call, value } => {
            d.step = "call".into();
            d.call_id = Some(call_id(*call));
            d.tool = run.tool_calls.get(*call).map(|c| c.name.clone());
            d.batch_id = run.batch_of(*call).map(|b| b.id.clone());
            d.value = value.clone();
        }
        WhyStep::Batch { batch } => {
            d.step = "batch".into();
            d.batch_id = Some(batch_id(*batch));
        }
        WhyStep::Finding { finding, sibling } => {
            d.step = "finding".into();
            d.finding = Some(*finding);
            d.sibling_call_id = sibling.map(call_id);
        }
    }
    d
}

/// Ratios keep four decimals, so the JSON stays stable and round-trips exactly.
fn round4(x: f64) -> Option<f64> {
    x.is_finite().then(|| (x * 10_000.0).round() / 10_000.0)
}

/// The serde (snake_case) name of a unit enum variant.
fn enum_name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}
