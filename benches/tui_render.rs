//! Render benchmark for the TUI: a synthetic 100,000-span trace (1,000 model calls, each
//! emitting a batch of 99 concurrent tool calls, so 99,000 tool calls and 100,000 timeline rows,
//! with an access per call and a finding per batch) drawn into a 200x50 `TestBackend`.
//!
//! - `first_frame`: from the analysed run to the first drawn frame (layout precomputation, state,
//!   draw). Target: under 300 ms.
//! - `redraw_*`: one keypress (update) plus the redraw. Target: under 16 ms.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

use fanout::analysis::{
    Access, AccessMode, Analysis, AnalyzedTrace, BatchLanes, Confidence, EvidenceSource, Finding,
    FindingKind, Severity, WhyPath, WhyStep,
};
use fanout::model::{
    Batch, CallStatus, Convention, FinalAnswer, MatchEvidence, ModelCall, Run, Timing, ToolCall,
    TraceId,
};
use fanout::tui::action::Action;
use fanout::tui::app::App;
use fanout::tui::source::LoadedTrace;
use fanout::tui::theme::Theme;
use fanout::tui::trace_model::TraceModel;
use fanout::tui::{keymap::Keymap, update::update, views};

const MODEL_CALLS: usize = 1_000;
const PER_BATCH: usize = 99;
const MS: u64 = 1_000_000;

fn synthetic() -> AnalyzedTrace {
    let mut model_calls = Vec::with_capacity(MODEL_CALLS);
    let mut tool_calls = Vec::with_capacity(MODEL_CALLS * PER_BATCH);
    let mut batches = Vec::with_capacity(MODEL_CALLS);
    let mut accesses = Vec::with_capacity(MODEL_CALLS * PER_BATCH);
    let mut findings = Vec::new();
    let mut lanes = Vec::new();
    let t0 = 1_700_000_000_000_000_000u64;
    for m in 0..MODEL_CALLS {
        let start = t0 + m as u64 * 1_000 * MS;
        let calls: Vec<usize> = (0..PER_BATCH).map(|i| m * PER_BATCH + i).collect();
        model_calls.push(ModelCall {
            index: m,
            span_id: None,
            name: "chat".into(),
            model: Some("gpt-4o".into()),
            start_unix_nano: Some(start),
            end_unix_nano: Some(start + 500 * MS),
            finish_reason: Some("tool_calls".into()),
            input: None,
            output_text: None,
            emitted: calls.clone(),
            convention: Convention::GenAi,
        });
        for (i, &c) in calls.iter().enumerate() {
            let s = start + 500 * MS + i as u64 * MS;
            tool_calls.push(ToolCall {
                index: c,
                call_id: Some(format!("call_{c}")),
                name: if i % 2 == 0 {
                    "deposit".into()
                } else {
                    "get_balance".into()
                },
                arguments: Some(
                    serde_json::json!({ "account_id": format!("ACC-{}", i % 50), "amount": i }),
                ),
                result: Some(serde_json::json!({ "ok": true, "balance": i * 10 })),
                error: None,
                status: CallStatus::Ok,
                emitted_by: Some(m),
                batch: Some(m),
                span_id: None,
                start_unix_nano: Some(s),
                end_unix_nano: Some(s + 400 * MS),
                matched_by: MatchEvidence::CallId,
                convention: Convention::GenAi,
            });
            accesses.push(vec![Access {
                resource: format!("account:acc-{}", i % 50),
                mode: if i % 2 == 0 {
                    AccessMode::ReadWrite
                } else {
                    AccessMode::Read
                },
                source: EvidenceSource::Argument,
                confidence: Confidence::Medium,
                evidence: "argument account_id".into(),
            }]);
        }
        findings.push(Finding {
            kind: FindingKind::SharedStateMutation,
            severity: Severity::Observed,
            resource: "account:acc-0".into(),
            batch: m,
            calls: vec![calls[0], calls[50]],
            explanation: "lost update on account:acc-0".into(),
            signals: vec![],
        });
        lanes.push(BatchLanes {
            batch: m,
            lanes: (0..PER_BATCH).collect(),
            lane_count: PER_BATCH,
        });
        batches.push(Batch {
            index: m,
            id: format!("b{}", m + 1),
            emitted_by: Some(m),
            calls,
        });
    }
    AnalyzedTrace {
        run: Run {
            trace_id: TraceId([7; 16]),
            conventions: vec![Convention::GenAi],
            timing: Timing::Recorded,
            model_calls,
            tool_calls,
            batches,
            final_answer: Some(FinalAnswer {
                text: "done".into(),
                span_id: None,
                model_call: Some(MODEL_CALLS - 1),
            }),
            tool_definitions: vec![],
            degraded: vec![],
            session: None,
        },
        analysis: Analysis {
            accesses,
            findings,
            why: WhyPath {
                steps: vec![
                    WhyStep::Answer {
                        text: "done".into(),
                        value: None,
                    },
                    WhyStep::Call {
                        call: 0,
                        value: None,
                    },
                    WhyStep::Batch { batch: 0 },
                    WhyStep::Finding {
                        finding: 0,
                        sibling: Some(50),
                    },
                ],
            },
            lanes,
            ..Analysis::default()
        },
    }
}

fn open(analyzed: AnalyzedTrace) -> App {
    let mut app = App::new(Rect::new(0, 0, 200, 50), Keymap::defaults().help_lines());
    app.loading = Some(analyzed.run.trace_id);
    let model = TraceModel::build(LoadedTrace {
        analyzed,
        raw: None,
    });
    update(&mut app, Action::TraceLoaded(Box::new(model)));
    app
}

fn bench(c: &mut Criterion) {
    let theme = Theme::default();
    let analyzed = synthetic();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");

    let mut group = c.benchmark_group("tui_100k_spans");
    group.sample_size(10);
    group.bench_function("first_frame", |b| {
        b.iter_batched(
            || analyzed.clone(),
            |a| {
                let app = open(a);
                terminal
                    .draw(|f| views::render(&app, &theme, f))
                    .expect("draw");
                black_box(app)
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();

    let mut app = open(analyzed);
    let mut group = c.benchmark_group("tui_100k_spans_keypress");
    let mut press = |name: &str, make: &dyn Fn() -> Action| {
        group.bench_function(name, |b| {
            b.iter(|| {
                update(&mut app, make());
                terminal
                    .draw(|f| views::render(&app, &theme, f))
                    .expect("draw");
            })
        });
    };
    press("redraw_move_down", &|| Action::MoveDown);
    press("redraw_next_batch", &|| Action::NextBatch);
    press("redraw_zoom_in_out", &|| Action::ZoomOut);
    press("redraw_next_finding", &|| Action::NextFinding);
    press("redraw_conflicts_only", &|| Action::ToggleConflictsOnly);
    press("redraw_page_down", &|| Action::PageDown);
    press("redraw_why_step", &|| Action::StepBack);
    press("redraw_resources_scope", &|| Action::ToggleScope);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
