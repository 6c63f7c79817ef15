//! Hand-built analysed runs for the TUI's tests: small, with every field the views read set to
//! a known value, so a snapshot shows exactly what a user would see on that run.
//!
//! - [`lost_update`]: a model call, a single lookup, a batch of two deposits that overlap on
//!   `account:acc-1001` (an observed shared-state mutation), a read-only batch, a final answer
//!   and the why path from it back to the collision.
//! - [`transcript`]: the same shape without any timing, as a chat transcript gives it.

use serde_json::json;

use crate::analysis::{
    Access, AccessMode, Analysis, AnalyzedTrace, BatchLanes, BatchLatency, Confidence,
    EvidenceSource, Finding, FindingKind, FlowEdge, FlowTarget, Latency, Severity,
};
use crate::model::{
    CallStatus, Convention, FinalAnswer, MatchEvidence, ModelCall, Run, SpanId, Timing, ToolCall,
    TraceId,
};
use crate::testkit::batch;

use super::source::{TraceEntry, TraceSummary};

pub const BASE: u64 = 1_763_700_000_000_000_000;
const MS: u64 = 1_000_000;

pub fn trace_id(n: u8) -> TraceId {
    let mut b = [0x5b; 16];
    b[15] = n;
    TraceId(b)
}

fn span(n: u8) -> Option<SpanId> {
    SpanId::from_bytes(&[0, 0, 0, 0, 0, 0, 0, n])
}

fn model(index: usize, t: Option<(u64, u64)>, emitted: Vec<usize>, finish: &str) -> ModelCall {
    ModelCall {
        index,
        span_id: span(10 + index as u8),
        name: "chat gpt-4o".into(),
        model: Some("gpt-4o".into()),
        start_unix_nano: t.map(|t| BASE + t.0 * MS),
        end_unix_nano: t.map(|t| BASE + t.1 * MS),
        finish_reason: Some(finish.into()),
        input: None,
        output_text: None,
        emitted,
        convention: Convention::GenAi,
    }
}

#[allow(clippy::too_many_arguments)]
fn call(
    index: usize,
    id: &str,
    name: &str,
    args: serde_json::Value,
    result: serde_json::Value,
    by: usize,
    batch: usize,
    t: Option<(u64, u64)>,
) -> ToolCall {
    ToolCall {
        index,
        call_id: Some(id.into()),
        name: name.into(),
        arguments: Some(args),
        result: Some(result),
        error: None,
        status: CallStatus::Ok,
        emitted_by: Some(by),
        batch: Some(batch),
        span_id: span(20 + index as u8),
        start_unix_nano: t.map(|t| BASE + t.0 * MS),
        end_unix_nano: t.map(|t| BASE + t.1 * MS),
        matched_by: MatchEvidence::CallId,
        convention: Convention::GenAi,
    }
}

fn access(resource: &str, mode: AccessMode, evidence: &str) -> Access {
    Access {
        resource: resource.into(),
        mode,
        source: EvidenceSource::Argument,
        confidence: Confidence::Medium,
        evidence: evidence.into(),
    }
}

/// The lost-update run (timed).
pub fn lost_update() -> AnalyzedTrace {
    build(true)
}

/// The same run as an untimed chat transcript.
pub fn transcript() -> AnalyzedTrace {
    let mut t = build(false);
    t.run.trace_id = trace_id(2);
    t.run.timing = Timing::Absent;
    t.run.conventions = vec![Convention::OpenAiChatTranscript];
    t.analysis.latency = Latency::default();
    t
}

fn build(timed: bool) -> AnalyzedTrace {
    let t = |a: u64, b: u64| timed.then_some((a, b));
    let acc = json!({"account_id": "ACC-1001"});
    let tool_calls = vec![
        call(
            0,
            "call_get",
            "get_account",
            acc.clone(),
            json!({"balance": 100}),
            0,
            0,
            t(800, 900),
        ),
        call(
            1,
            "call_dep_a",
            "deposit",
            json!({"account_id": "ACC-1001", "amount": 50}),
            json!({"previous_balance": 100, "new_balance": 150}),
            1,
            1,
            t(1500, 1640),
        ),
        call(
            2,
            "call_dep_b",
            "deposit",
            json!({"account_id": "ACC-1001", "amount": 25}),
            json!({"previous_balance": 100, "new_balance": 125}),
            1,
            1,
            t(1510, 1650),
        ),
        call(
            3,
            "call_bal",
            "get_balance",
            acc.clone(),
            json!({"balance": 125}),
            2,
            2,
            t(2100, 2180),
        ),
        call(
            4,
            "call_txs",
            "list_transactions",
            acc,
            json!({"transactions": 2}),
            2,
            2,
            t(2105, 2200),
        ),
    ];
    let run = Run {
        trace_id: trace_id(1),
        conventions: vec![Convention::GenAi],
        timing: Timing::Recorded,
        model_calls: vec![
            model(0, t(0, 800), vec![0], "tool_calls"),
            model(1, t(900, 1500), vec![1, 2], "tool_calls"),
            model(2, t(1650, 2100), vec![3, 4], "tool_calls"),
            ModelCall {
                output_text: Some("Your balance is now 125.".into()),
                ..model(3, t(2200, 2900), vec![], "stop")
            },
        ],
        tool_calls,
        batches: vec![
            batch(0, 0, vec![0]),
            batch(1, 1, vec![1, 2]),
            batch(2, 2, vec![3, 4]),
        ],
        final_answer: Some(FinalAnswer {
            text: "Your balance is now 125.".into(),
            span_id: span(13),
            model_call: Some(3),
        }),
        tool_definitions: vec![],
        degraded: vec![],
        session: None,
    };
    let read = |r: &str| {
        vec![access(
            r,
            AccessMode::Read,
            "argument account_id=\"ACC-1001\"",
        )]
    };
    let rw = vec![access(
        "account:acc-1001",
        AccessMode::ReadWrite,
        "argument account_id=\"ACC-1001\"; verb 'deposit' writes",
    )];
    let analysis = Analysis {
        accesses: vec![
            read("account:acc-1001"),
            rw.clone(),
            rw,
            read("account:acc-1001"),
            read("ledger:acc-1001"),
        ],
        findings: vec![Finding {
            kind: FindingKind::SharedStateMutation,
            severity: if timed {
                Severity::Observed
            } else {
                Severity::Latent
            },
            resource: "account:acc-1001".into(),
            batch: 1,
            calls: vec![1, 2],
            explanation: "lost update on account:acc-1001: both read 100".into(),
            signals: vec![
                "argument account_id".into(),
                "result previous_balance=100 twice".into(),
            ],
        }],
        flow: vec![FlowEdge {
            from_call: 2,
            to: FlowTarget::FinalAnswer,
            value: "125".into(),
        }],
        suspects: vec![1],
        why: crate::testkit::why_path("Your balance is now 125.", "125", 2, 1, 1),
        latency: Latency {
            total_nanos: Some(2900 * MS),
            tool_nanos: Some(390 * MS),
            tool_share: Some(390.0 / 2900.0),
            critical_path_nanos: Some(2900 * MS),
            sequential_nanos: Some(3045 * MS),
            batches: vec![
                BatchLatency {
                    batch: 0,
                    wall_nanos: Some(100 * MS),
                    sum_nanos: Some(100 * MS),
                    speedup: Some(1.0),
                    overlapped: false,
                },
                BatchLatency {
                    batch: 1,
                    wall_nanos: Some(150 * MS),
                    sum_nanos: Some(280 * MS),
                    speedup: Some(280.0 / 150.0),
                    overlapped: true,
                },
                BatchLatency {
                    batch: 2,
                    wall_nanos: Some(100 * MS),
                    sum_nanos: Some(175 * MS),
                    speedup: Some(1.75),
                    overlapped: true,
                },
            ],
        },
        lanes: vec![
            BatchLanes {
                batch: 0,
                lanes: vec![0],
                lane_count: 1,
            },
            BatchLanes {
                batch: 1,
                lanes: vec![0, 1],
                lane_count: 2,
            },
            BatchLanes {
                batch: 2,
                lanes: vec![0, 1],
                lane_count: 2,
            },
        ],
    };
    AnalyzedTrace { run, analysis }
}

fn entry(
    n: u8,
    service: &str,
    start: Option<u64>,
    duration_ms: Option<u64>,
    counts: [u64; 5],
    worst: Option<Severity>,
    kinds: Vec<FindingKind>,
) -> TraceEntry {
    let [spans, models, tools, parallel, findings] = counts;
    TraceEntry {
        summary: TraceSummary {
            trace_id: trace_id(n),
            service: Some(service.into()),
            root_name: Some(format!("invoke_agent {service}")),
            start_unix_nano: start,
            duration_nanos: duration_ms.map(|d| d * MS),
            span_count: spans,
            model_calls: models,
            tool_calls: tools,
            batches: parallel + 1,
            parallel_batches: parallel,
            findings,
            worst_severity: worst,
            timing: Some(
                if start.is_some() {
                    "recorded"
                } else {
                    "absent"
                }
                .into(),
            ),
            conventions: vec![],
            finding_kinds: kinds.clone(),
            source: Some(format!("runs/{service}-{n}.json")),
        },
        finding_kinds: kinds,
    }
}

/// List entries for both fixture runs plus a clean one, as the store would list them.
pub fn summaries() -> Vec<TraceEntry> {
    let ssm = || vec![FindingKind::SharedStateMutation];
    vec![
        entry(
            1,
            "bank-agent",
            Some(BASE),
            Some(2900),
            [10, 4, 5, 2, 1],
            Some(Severity::Observed),
            ssm(),
        ),
        entry(
            2,
            "chat-transcript",
            None,
            None,
            [10, 4, 5, 2, 1],
            Some(Severity::Latent),
            ssm(),
        ),
        entry(
            3,
            "weather-agent",
            Some(BASE + 60_000 * MS),
            Some(1200),
            [4, 2, 1, 0, 0],
            None,
            vec![],
        ),
    ]
}

/// A fresh app of the given terminal size, with the default keymap's help.
pub fn app(width: u16, height: u16) -> crate::tui::app::App {
    let help = crate::tui::keymap::Keymap::defaults().help_lines();
    let mut app = crate::tui::app::App::new(ratatui::layout::Rect::new(0, 0, width, height), help);
    crate::tui::update::update(
        &mut app,
        crate::tui::action::Action::SummariesLoaded(summaries()),
    );
    app
}

/// Opens `analyzed` in `app` as if the worker had just loaded it.
pub fn open(app: &mut crate::tui::app::App, analyzed: AnalyzedTrace) {
    use crate::tui::{
        action::Action, source::LoadedTrace, trace_model::TraceModel, update::update,
    };
    app.loading = Some(analyzed.run.trace_id);
    update(
        app,
        Action::TraceLoaded(Box::new(TraceModel::build(LoadedTrace {
            analyzed,
            raw: None,
        }))),
    );
}

/// An app of the given size with the lost-update run open.
pub fn trace_app(width: u16, height: u16) -> crate::tui::app::App {
    let mut a = app(width, height);
    open(&mut a, lost_update());
    a
}

/// Feeds actions to `app` in order.
pub fn feed(
    app: &mut crate::tui::app::App,
    actions: impl IntoIterator<Item = crate::tui::action::Action>,
) {
    for a in actions {
        crate::tui::update::update(app, a);
    }
}
