//! Hand-built analysed runs for export tests: a lost update with an observed shared-state
//! mutation, a read-only batch, a context dependency across two batches and an untimed chat
//! transcript. Test-only; text fields carry markup and escape sequences on purpose.

use serde_json::json;

use crate::analysis::*;
use crate::model::*;
use crate::testkit::batch;

const MS: u64 = 1_000_000;
const T0: u64 = 1_763_700_000_000_000_000;

fn span(n: u64) -> Option<SpanId> {
    SpanId::from_bytes(&n.to_be_bytes())
}

fn trace_id(n: u8) -> TraceId {
    let mut b = [0u8; 16];
    b[0] = 0xab;
    b[15] = n;
    TraceId(b)
}

fn model(
    index: usize,
    emitted: Vec<usize>,
    times: Option<(u64, u64)>,
    finish: &str,
    conv: Convention,
) -> ModelCall {
    ModelCall {
        index,
        span_id: span(100 + index as u64),
        name: "chat gpt-4o".into(),
        model: Some("gpt-4o".into()),
        start_unix_nano: times.map(|t| T0 + t.0 * MS),
        end_unix_nano: times.map(|t| T0 + t.1 * MS),
        finish_reason: Some(finish.into()),
        input: None,
        output_text: None,
        emitted,
        convention: conv,
    }
}

#[allow(clippy::too_many_arguments)]
fn tool(
    index: usize,
    id: &str,
    name: &str,
    args: serde_json::Value,
    result: serde_json::Value,
    by: usize,
    batch: usize,
    times: Option<(u64, u64)>,
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
        span_id: times.and(span(200 + index as u64)),
        start_unix_nano: times.map(|t| T0 + t.0 * MS),
        end_unix_nano: times.map(|t| T0 + t.1 * MS),
        matched_by: if times.is_some() {
            MatchEvidence::CallId
        } else {
            MatchEvidence::SameRecord
        },
        convention: if times.is_some() {
            Convention::GenAi
        } else {
            Convention::OpenAiChatTranscript
        },
    }
}

fn access(resource: &str, mode: AccessMode, evidence: &str) -> Access {
    Access {
        resource: resource.into(),
        mode,
        source: EvidenceSource::Argument,
        confidence: Confidence::High,
        evidence: evidence.into(),
    }
}

fn bl(batch: usize, wall: u64, sum: u64, overlapped: bool) -> BatchLatency {
    BatchLatency {
        batch,
        wall_nanos: Some(wall * MS),
        sum_nanos: Some(sum * MS),
        speedup: Some(sum as f64 / wall as f64),
        overlapped,
    }
}

fn run(
    n: u8,
    timing: Timing,
    conv: Convention,
    model_calls: Vec<ModelCall>,
    tool_calls: Vec<ToolCall>,
    batches: Vec<Batch>,
    answer: &str,
) -> Run {
    let last = model_calls.len().saturating_sub(1);
    Run {
        trace_id: trace_id(n),
        conventions: vec![conv],
        timing,
        final_answer: Some(FinalAnswer {
            text: answer.into(),
            span_id: model_calls.last().and_then(|m| m.span_id),
            model_call: Some(last),
        }),
        model_calls,
        tool_calls,
        batches,
        tool_definitions: Vec::new(),
        degraded: Vec::new(),
        session: None,
    }
}

/// Deposit and withdraw on one account ran concurrently: both read balance 100.
pub fn lost_update() -> AnalyzedTrace {
    let g = Convention::GenAi;
    let run = run(
        1,
        Timing::Recorded,
        g,
        vec![
            model(0, vec![0, 1], Some((0, 100)), "tool_calls", g),
            model(1, vec![], Some((270, 400)), "stop", g),
        ],
        vec![
            tool(
                0,
                "call_dep",
                "deposit",
                json!({"account_id": "ACC-1001", "amount": 50, "memo": "<b>rent</b> & \u{1b}[31mred"}),
                json!({"previous_balance": 100, "new_balance": 150}),
                0,
                0,
                Some((110, 260)),
            ),
            tool(
                1,
                "call_wd",
                "withdraw",
                json!({"account_id": "ACC-1001", "amount": 30}),
                json!({"previous_balance": 100, "new_balance": 70}),
                0,
                0,
                Some((115, 250)),
            ),
        ],
        vec![batch(0, 0, vec![0, 1])],
        "Done: the balance of ACC-1001 is now 70 <ok> & \u{1b}]0;title\u{7}settled.",
    );
    let f = Finding {
        kind: FindingKind::SharedStateMutation,
        severity: Severity::Observed,
        resource: "account:acc-1001".into(),
        batch: 0,
        calls: vec![0, 1],
        explanation: "Lost update on account:acc-1001: deposit and withdraw both read balance 100 and overlapped for 135 ms.".into(),
        signals: vec!["argument account_id".into(), "result previous_balance=100 twice".into(), "overlap 135ms".into()],
    };
    let analysis = Analysis {
        accesses: vec![
            vec![access(
                "account:acc-1001",
                AccessMode::ReadWrite,
                "argument account_id=\"ACC-1001\"; verb 'deposit'",
            )],
            vec![access(
                "account:acc-1001",
                AccessMode::ReadWrite,
                "argument account_id=\"ACC-1001\"; verb 'withdraw'",
            )],
        ],
        findings: vec![f],
        flow: vec![
            FlowEdge {
                from_call: 1,
                to: FlowTarget::FinalAnswer,
                value: "70".into(),
            },
            FlowEdge {
                from_call: 0,
                to: FlowTarget::ModelCall(1),
                value: "150".into(),
            },
        ],
        suspects: vec![0],
        why: crate::testkit::why_path("Done: the balance of ACC-1001 is now 70", "70", 1, 0, 0),
        latency: Latency {
            total_nanos: Some(400 * MS),
            tool_nanos: Some(150 * MS),
            tool_share: Some(0.375),
            critical_path_nanos: Some(380 * MS),
            sequential_nanos: Some(535 * MS),
            batches: vec![bl(0, 150, 285, true)],
        },
        lanes: vec![BatchLanes {
            batch: 0,
            lanes: vec![0, 1],
            lane_count: 2,
        }],
    };
    AnalyzedTrace { run, analysis }
}

/// Two lookups in one batch: reads only, no finding.
pub fn read_only() -> AnalyzedTrace {
    let g = Convention::OpenInference;
    let run = run(
        2,
        Timing::Recorded,
        g,
        vec![
            model(0, vec![0, 1], Some((0, 50)), "tool_calls", g),
            model(1, vec![], Some((200, 260)), "stop", g),
        ],
        vec![
            tool(
                0,
                "call_a",
                "get_balance",
                json!({"account_id": "ACC-1"}),
                json!({"balance": 10}),
                0,
                0,
                Some((60, 180)),
            ),
            tool(
                1,
                "call_b",
                "get_balance",
                json!({"account_id": "ACC-2"}),
                json!({"balance": 20}),
                0,
                0,
                Some((61, 150)),
            ),
        ],
        vec![batch(0, 0, vec![0, 1])],
        "ACC-1 has 10 and ACC-2 has 20.",
    );
    let analysis = Analysis {
        accesses: vec![
            vec![access("account:acc-1", AccessMode::Read, "verb 'get'")],
            vec![access("account:acc-2", AccessMode::Read, "verb 'get'")],
        ],
        findings: vec![],
        flow: vec![],
        suspects: vec![0],
        why: WhyPath::default(),
        latency: Latency {
            total_nanos: Some(260 * MS),
            tool_nanos: Some(120 * MS),
            tool_share: Some(120.0 / 260.0),
            critical_path_nanos: Some(230 * MS),
            sequential_nanos: Some(349 * MS),
            batches: vec![bl(0, 120, 209, true)],
        },
        lanes: vec![BatchLanes {
            batch: 0,
            lanes: vec![0, 1],
            lane_count: 2,
        }],
    };
    AnalyzedTrace { run, analysis }
}

/// `save_preference` writes the session while `summarize_session` reads it in the same batch
/// (not overlapping: latent), then a second single-call batch uses the summary.
pub fn context_dependency() -> AnalyzedTrace {
    let g = Convention::PydanticAi;
    let run = run(
        3,
        Timing::Recorded,
        g,
        vec![
            model(0, vec![0, 1], Some((0, 40)), "tool_calls", g),
            model(1, vec![2], Some((150, 190)), "tool_calls", g),
            model(2, vec![], Some((260, 300)), "stop", g),
        ],
        vec![
            tool(
                0,
                "call_save",
                "save_preference",
                json!({"session": "s-9", "theme": "dark"}),
                json!({"ok": true}),
                0,
                0,
                Some((45, 100)),
            ),
            tool(
                1,
                "call_sum",
                "summarize_session",
                json!({"session": "s-9"}),
                json!({"summary": "theme=light"}),
                0,
                0,
                Some((101, 140)),
            ),
            tool(
                2,
                "call_mail",
                "send_email",
                json!({"body": "theme=light"}),
                json!({"sent": true}),
                1,
                1,
                Some((195, 250)),
            ),
        ],
        vec![batch(0, 0, vec![0, 1]), batch(1, 1, vec![2])],
        "I emailed you: theme=light.",
    );
    let f = Finding {
        kind: FindingKind::ContextDependency,
        severity: Severity::Latent,
        resource: "session:s-9".into(),
        batch: 0,
        calls: vec![0, 1],
        explanation: "summarize_session reads session:s-9, which save_preference in the same batch writes; their order is not guaranteed.".into(),
        signals: vec!["argument session".into()],
    };
    let analysis = Analysis {
        accesses: vec![
            vec![access(
                "session:s-9",
                AccessMode::Write,
                "argument session; verb 'save'",
            )],
            vec![access(
                "session:s-9",
                AccessMode::Read,
                "argument session; verb 'summarize'",
            )],
            vec![access("email:outbox", AccessMode::Write, "verb 'send'")],
        ],
        findings: vec![f],
        flow: vec![
            FlowEdge {
                from_call: 1,
                to: FlowTarget::ToolCall(2),
                value: "theme=light".into(),
            },
            FlowEdge {
                from_call: 1,
                to: FlowTarget::FinalAnswer,
                value: "theme=light".into(),
            },
        ],
        suspects: vec![0, 1],
        why: crate::testkit::why_path("I emailed you: theme=light.", "theme=light", 1, 0, 0),
        latency: Latency {
            total_nanos: Some(300 * MS),
            tool_nanos: Some(150 * MS),
            tool_share: Some(0.5),
            critical_path_nanos: Some(300 * MS),
            sequential_nanos: Some(300 * MS),
            batches: vec![bl(0, 95, 94, false), bl(1, 55, 55, false)],
        },
        lanes: vec![
            BatchLanes {
                batch: 0,
                lanes: vec![0, 0],
                lane_count: 1,
            },
            BatchLanes {
                batch: 1,
                lanes: vec![0],
                lane_count: 1,
            },
        ],
    };
    AnalyzedTrace { run, analysis }
}

/// An OpenAI chat transcript: order known, times absent; two writes to one cart in one batch.
pub fn untimed_transcript() -> AnalyzedTrace {
    let c = Convention::OpenAiChatTranscript;
    let mut run = run(
        4,
        Timing::Absent,
        c,
        vec![
            model(0, vec![0, 1], None, "tool_calls", c),
            model(1, vec![], None, "stop", c),
        ],
        vec![
            tool(
                0,
                "call_1",
                "add_item",
                json!({"cart": "c-1", "sku": "A"}),
                json!({"items": 1}),
                0,
                0,
                None,
            ),
            tool(
                1,
                "call_2",
                "add_item",
                json!({"cart": "c-1", "sku": "B"}),
                json!({"items": 1}),
                0,
                0,
                None,
            ),
        ],
        vec![batch(0, 0, vec![0, 1])],
        "Your cart has 1 item.",
    );
    for m in &mut run.model_calls {
        m.span_id = None;
    }
    run.final_answer = Some(FinalAnswer {
        text: "Your cart has 1 item.".into(),
        span_id: None,
        model_call: Some(1),
    });
    run.degraded.push(Degradation {
        code: "timing_absent".into(),
        message: "The transcript records no times: order is known, durations are not.".into(),
    });
    let f = Finding {
        kind: FindingKind::SharedStateMutation,
        severity: Severity::Latent,
        resource: "cart:c-1".into(),
        batch: 0,
        calls: vec![0, 1],
        explanation:
            "Both add_item calls write cart:c-1 and both report 1 item: one addition may be lost."
                .into(),
        signals: vec!["argument cart".into(), "result items=1 twice".into()],
    };
    let analysis = Analysis {
        accesses: vec![
            vec![access("cart:c-1", AccessMode::ReadWrite, "verb 'add'")],
            vec![access("cart:c-1", AccessMode::ReadWrite, "verb 'add'")],
        ],
        findings: vec![f],
        flow: vec![FlowEdge {
            from_call: 1,
            to: FlowTarget::FinalAnswer,
            value: "1".into(),
        }],
        suspects: vec![0],
        why: crate::testkit::why_path("Your cart has 1 item.", "1", 1, 0, 0),
        latency: Latency {
            batches: vec![BatchLatency {
                batch: 0,
                wall_nanos: None,
                sum_nanos: None,
                speedup: None,
                overlapped: false,
            }],
            ..Latency::default()
        },
        lanes: vec![BatchLanes {
            batch: 0,
            lanes: vec![0, 1],
            lane_count: 2,
        }],
    };
    AnalyzedTrace { run, analysis }
}

/// All four fixtures.
pub fn all() -> Vec<AnalyzedTrace> {
    vec![
        lost_update(),
        read_only(),
        context_dependency(),
        untimed_transcript(),
    ]
}
