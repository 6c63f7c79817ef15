//! `update` driven with plain actions on the fixture runs; each test checks the state it leaves.

use crate::tui::action::{Action, Effect, InputKey};
use crate::tui::app::{FindingFilter, Focus, Level, Screen, SortKey, View};
use crate::tui::fixtures::{self, feed, trace_app};
use crate::tui::source::{ExportRequest, ExportScope};
use crate::tui::trace_model::Item;

use super::update;

fn selected(app: &crate::tui::app::App) -> Item {
    app.trace.as_ref().unwrap().selected
}

fn trace(app: &crate::tui::app::App) -> &crate::tui::app::TraceState {
    app.trace.as_ref().unwrap()
}

#[test]
fn list_is_sorted_newest_first_and_enter_asks_the_worker_for_the_trace() {
    let mut app = fixtures::app(100, 20);
    let ids: Vec<_> = app
        .list
        .visible
        .iter()
        .map(|i| app.list.all[*i].summary.trace_id)
        .collect();
    assert_eq!(
        ids,
        vec![
            fixtures::trace_id(3),
            fixtures::trace_id(1),
            fixtures::trace_id(2)
        ]
    );
    update(&mut app, Action::MoveDown);
    assert_eq!(
        update(&mut app, Action::Open),
        vec![Effect::LoadTrace(fixtures::trace_id(1))]
    );
    assert_eq!(app.loading, Some(fixtures::trace_id(1)));
    assert_eq!(
        app.screen,
        Screen::List,
        "stays on the list until the trace arrives"
    );
}

#[test]
fn list_filters_by_text_by_findings_and_sorts() {
    let mut app = fixtures::app(100, 20);
    feed(
        &mut app,
        [
            Action::Search,
            Action::Input(InputKey::Char('b')),
            Action::Input(InputKey::Char('a')),
        ],
    );
    assert_eq!(
        app.list.visible.len(),
        1,
        "filters as you type: only bank-agent"
    );
    update(&mut app, Action::Input(InputKey::Cancel));
    assert_eq!(app.list.visible.len(), 3);
    update(&mut app, Action::CycleFindingFilter);
    assert_eq!(app.list.filter, FindingFilter::WithFindings);
    assert_eq!(app.list.visible.len(), 2);
    update(&mut app, Action::CycleFindingFilter);
    assert_eq!(
        app.list.filter,
        FindingFilter::Kind(crate::analysis::FindingKind::SharedStateMutation)
    );
    assert_eq!(app.list.visible.len(), 2);
    update(&mut app, Action::CycleFindingFilter);
    assert_eq!(app.list.visible.len(), 0, "no context-dependency findings");
    feed(
        &mut app,
        [
            Action::CycleFindingFilter,
            Action::CycleFindingFilter,
            Action::CycleSort,
        ],
    );
    assert_eq!(app.list.filter, FindingFilter::All);
    assert_eq!(app.list.sort, SortKey::Slowest);
    let first = &app.list.all[app.list.visible[0]].summary;
    assert_eq!(first.service.as_deref(), Some("bank-agent"));
}

#[test]
fn without_known_kinds_the_finding_filter_skips_the_kind_filters() {
    let mut app = fixtures::app(100, 20);
    let mut entries = fixtures::summaries();
    entries.iter_mut().for_each(|e| e.finding_kinds.clear());
    update(&mut app, Action::SummariesLoaded(entries));
    update(&mut app, Action::CycleFindingFilter);
    assert_eq!(app.list.filter, FindingFilter::WithFindings);
    update(&mut app, Action::CycleFindingFilter);
    assert_eq!(app.list.filter, FindingFilter::All);
}

#[test]
fn a_late_answer_for_an_abandoned_load_is_dropped() {
    let mut app = fixtures::app(100, 20);
    fixtures::open(&mut app, fixtures::lost_update());
    assert_eq!(app.screen, Screen::Trace);
    update(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::List);
    assert!(app.trace.is_none(), "leaving a trace frees it");
    let model = crate::tui::trace_model::TraceModel::build(crate::tui::source::LoadedTrace {
        analyzed: fixtures::lost_update(),
        raw: None,
    });
    update(&mut app, Action::TraceLoaded(Box::new(model)));
    assert_eq!(app.screen, Screen::List);
}

#[test]
fn load_failure_is_shown_and_keeps_the_list() {
    let mut app = fixtures::app(100, 20);
    app.loading = Some(fixtures::trace_id(7));
    update(
        &mut app,
        Action::LoadFailed {
            id: fixtures::trace_id(7),
            message: "disk on fire".into(),
        },
    );
    assert_eq!(app.loading, None);
    let n = app.notice.as_ref().unwrap();
    assert_eq!(n.level, Level::Error);
    assert!(n.text.contains("disk on fire"));
}

#[test]
fn j_and_k_walk_the_timeline_rows() {
    let mut app = trace_app(120, 30);
    assert_eq!(selected(&app), Item::Model(0));
    let mut seen = vec![];
    for _ in 0..6 {
        update(&mut app, Action::MoveDown);
        seen.push(selected(&app));
    }
    assert_eq!(
        seen,
        vec![
            Item::Batch(0),
            Item::Call(0),
            Item::Model(1),
            Item::Batch(1),
            Item::Call(1),
            Item::Call(2)
        ]
    );
    update(&mut app, Action::MoveUp);
    assert_eq!(selected(&app), Item::Call(1));
    update(&mut app, Action::Last);
    assert_eq!(selected(&app), Item::Answer);
    update(&mut app, Action::First);
    assert_eq!(selected(&app), Item::Model(0));
    assert!(trace(&app)
        .inspector
        .lines
        .iter()
        .any(|l| l.text.contains("model call #1")));
}

#[test]
fn selection_scrolls_into_view_on_a_short_terminal() {
    let mut app = trace_app(60, 10);
    update(&mut app, Action::Last);
    let t = trace(&app);
    let rows = super::trace::timeline_height(app.area, t);
    let pos = t.selected_position().unwrap();
    assert!(
        pos >= t.scroll && pos < t.scroll + rows,
        "pos {pos} scroll {} rows {rows}",
        t.scroll
    );
    update(
        &mut app,
        Action::Resize {
            width: 60,
            height: 30,
        },
    );
    assert_eq!(trace(&app).scroll, 0, "everything fits again");
}

#[test]
fn zoom_centres_on_the_selection_and_pan_stays_in_the_run() {
    let mut app = trace_app(120, 30);
    let full = trace(&app).window;
    assert_eq!((full.start, full.span), (0, 2_900_000_000));
    feed(
        &mut app,
        [Action::NextFinding, Action::ZoomIn, Action::ZoomIn],
    );
    let w = trace(&app).window;
    assert_eq!(w.span, 725_000_000);
    let mid = trace(&app).model.call_span[1].unwrap().mid();
    assert!(
        w.start <= mid && mid < w.start + w.span,
        "selected call stays in view"
    );
    for _ in 0..20 {
        update(&mut app, Action::PanRight);
    }
    let w = trace(&app).window;
    assert_eq!(
        w.start + w.span,
        2_900_000_000,
        "pan stops at the end of the run"
    );
    for _ in 0..20 {
        update(&mut app, Action::PanLeft);
    }
    assert_eq!(trace(&app).window.start, 0);
    for _ in 0..10 {
        update(&mut app, Action::ZoomOut);
    }
    assert_eq!(trace(&app).window, full);
    feed(&mut app, [Action::ZoomIn, Action::ZoomReset]);
    assert_eq!(trace(&app).window, full);
}

#[test]
fn h_and_l_move_along_a_lane_or_pan() {
    let mut app = trace_app(120, 30);
    feed(&mut app, [Action::NextFinding, Action::ZoomIn]);
    update(&mut app, Action::MoveRight);
    assert_eq!(
        selected(&app),
        Item::Call(2),
        "one call per lane: l goes on to the next call in time, in the sibling's lane"
    );
    feed(&mut app, [Action::MoveRight, Action::MoveRight]);
    assert_eq!(selected(&app), Item::Call(4));
    let before = trace(&app).window;
    update(&mut app, Action::MoveRight);
    assert_eq!(
        selected(&app),
        Item::Call(4),
        "the last call: nothing to move to"
    );
    let after = trace(&app).window;
    assert!(
        after.start > before.start || before.start + before.span >= trace(&app).model.axis.length,
        "so it pans"
    );
}

#[test]
fn brackets_step_through_batches_and_braces_through_findings() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::NextBatch);
    assert_eq!(
        selected(&app),
        Item::Batch(2),
        "starts from the suspect batch b2 (index 1)"
    );
    update(&mut app, Action::NextBatch);
    assert_eq!(selected(&app), Item::Batch(2), "stops at the last batch");
    feed(&mut app, [Action::PrevBatch, Action::PrevBatch]);
    assert_eq!(selected(&app), Item::Batch(0));
    assert_eq!(trace(&app).batch, Some(0));
    update(&mut app, Action::NextFinding);
    assert_eq!(selected(&app), Item::Call(1));
    assert_eq!(trace(&app).finding, Some(0));
    assert_eq!(trace(&app).batch, Some(1));
    assert!(app
        .notice
        .as_ref()
        .unwrap()
        .text
        .contains("lost update on account:acc-1001"));
    update(&mut app, Action::PrevFinding);
    assert_eq!(
        trace(&app).finding,
        Some(0),
        "one finding: wraps onto itself"
    );
}

#[test]
fn conflicts_only_keeps_just_the_calls_in_findings() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::ToggleConflictsOnly);
    let t = trace(&app);
    assert!(t.conflicts_only);
    assert_eq!(t.visible_len(), 4, "batch header, two lanes, answer");
    assert_eq!(
        selected(&app),
        Item::Call(1),
        "the selection moved onto a conflict"
    );
    update(&mut app, Action::MoveUp);
    assert_eq!(selected(&app), Item::Batch(1));
    feed(
        &mut app,
        [Action::MoveDown, Action::MoveDown, Action::MoveDown],
    );
    assert_eq!(selected(&app), Item::Answer);
    update(&mut app, Action::ToggleConflictsOnly);
    assert_eq!(trace(&app).visible_len(), 13);
}

#[test]
fn conflicts_only_on_a_clean_trace_says_there_is_nothing() {
    let mut app = fixtures::app(120, 30);
    let mut clean = fixtures::lost_update();
    clean.analysis.findings.clear();
    fixtures::open(&mut app, clean);
    update(&mut app, Action::ToggleConflictsOnly);
    assert!(!trace(&app).conflicts_only);
    assert!(app.notice.as_ref().unwrap().text.contains("no findings"));
}

#[test]
fn a_then_b_walks_back_from_the_answer_to_the_collision() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::JumpToAnswer);
    assert_eq!(selected(&app), Item::Answer);
    assert_eq!(trace(&app).why_step, Some(0));
    assert_eq!(trace(&app).view, View::Timeline);
    update(&mut app, Action::StepBack);
    assert_eq!(trace(&app).view, View::Why);
    assert_eq!(
        selected(&app),
        Item::Call(2),
        "the call whose result produced 125"
    );
    assert_eq!(trace(&app).batch, Some(1));
    update(&mut app, Action::StepBack);
    assert_eq!(selected(&app), Item::Batch(1));
    update(&mut app, Action::StepBack);
    assert_eq!(
        selected(&app),
        Item::Call(1),
        "the sibling it collided with"
    );
    assert_eq!(trace(&app).finding, Some(0));
    update(&mut app, Action::StepBack);
    assert_eq!(trace(&app).why_step, Some(3));
    assert!(app
        .notice
        .as_ref()
        .unwrap()
        .text
        .contains("start of the why path"));
    update(&mut app, Action::StepForward);
    assert_eq!(trace(&app).why_step, Some(2));
    // Enter shows the step's place in the timeline.
    update(&mut app, Action::Open);
    assert_eq!(trace(&app).view, View::Timeline);
    assert_eq!(selected(&app), Item::Batch(1));
}

#[test]
fn b_without_a_why_path_explains_itself() {
    let mut app = fixtures::app(120, 30);
    let mut t = fixtures::lost_update();
    t.analysis.why.steps.clear();
    fixtures::open(&mut app, t);
    update(&mut app, Action::StepBack);
    assert_eq!(trace(&app).view, View::Timeline);
    assert!(app.notice.as_ref().unwrap().text.contains("no why path"));
}

#[test]
fn search_finds_calls_by_name_and_arguments_and_n_cycles() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::Search);
    for c in "DEPOSIT".chars() {
        update(&mut app, Action::Input(InputKey::Char(c)));
    }
    update(&mut app, Action::Input(InputKey::Submit));
    assert!(app.prompt.is_none());
    assert_eq!(
        trace(&app).search.matches,
        vec![Item::Call(1), Item::Call(2)]
    );
    assert_eq!(selected(&app), Item::Call(1));
    update(&mut app, Action::NextMatch);
    assert_eq!(selected(&app), Item::Call(2));
    update(&mut app, Action::NextMatch);
    assert_eq!(selected(&app), Item::Call(1), "wraps");
    update(&mut app, Action::PrevMatch);
    assert_eq!(selected(&app), Item::Call(2));
    // Arguments are searched too: only the first deposit carries amount 50.
    update(&mut app, Action::Search);
    for _ in 0..7 {
        update(&mut app, Action::Input(InputKey::Backspace));
    }
    for c in "\"amount\":50".chars() {
        update(&mut app, Action::Input(InputKey::Char(c)));
    }
    update(&mut app, Action::Input(InputKey::Submit));
    assert_eq!(trace(&app).search.matches, vec![Item::Call(1)]);
    feed(
        &mut app,
        [
            Action::Search,
            Action::Input(InputKey::Char('z')),
            Action::Input(InputKey::Submit),
        ],
    );
    assert!(app.notice.as_ref().unwrap().text.contains("no match"));
}

#[test]
fn enter_tab_and_esc_move_between_views_and_panes() {
    let mut app = trace_app(120, 30);
    feed(
        &mut app,
        [
            Action::MoveDown,
            Action::MoveDown,
            Action::MoveDown,
            Action::MoveDown,
        ],
    );
    assert_eq!(selected(&app), Item::Batch(1));
    update(&mut app, Action::Open);
    assert_eq!(trace(&app).view, View::Batch);
    update(&mut app, Action::MoveDown);
    assert_eq!(selected(&app), Item::Call(1));
    update(&mut app, Action::MoveDown);
    assert_eq!(selected(&app), Item::Call(2));
    update(&mut app, Action::Open);
    assert_eq!(trace(&app).focus, Focus::Inspector);
    update(&mut app, Action::MoveDown);
    assert_eq!(
        trace(&app).inspector.scroll,
        1,
        "j scrolls the focused inspector"
    );
    assert_eq!(selected(&app), Item::Call(2));
    update(&mut app, Action::NextPane);
    assert_eq!(trace(&app).focus, Focus::Main);
    update(&mut app, Action::NextPane);
    update(&mut app, Action::Back);
    assert_eq!(trace(&app).focus, Focus::Main);
    update(&mut app, Action::Back);
    assert_eq!(trace(&app).view, View::Timeline);
    update(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::List);
}

#[test]
fn resource_view_moves_over_cells_and_switches_scope() {
    let mut app = trace_app(120, 30);
    feed(&mut app, [Action::NextFinding, Action::ShowResources]);
    let t = trace(&app);
    assert_eq!(t.matrix().columns, vec![1, 2]);
    assert_eq!(t.resources.column, 0);
    update(&mut app, Action::MoveRight);
    assert_eq!(selected(&app), Item::Call(2));
    update(&mut app, Action::ToggleScope);
    let t = trace(&app);
    assert_eq!(t.matrix().columns, vec![0, 1, 2, 3, 4]);
    assert_eq!(t.resources.column, 2, "the selected call keeps its column");
}

#[test]
fn help_opens_scrolls_and_closes_without_moving_the_selection() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::Help);
    assert_eq!(app.help, Some(0));
    update(&mut app, Action::MoveDown);
    assert_eq!(app.help, Some(1));
    assert_eq!(selected(&app), Item::Model(0));
    update(&mut app, Action::Back);
    assert_eq!(app.help, None);
    assert_eq!(app.screen, Screen::Trace);
    feed(&mut app, [Action::Help, Action::Help]);
    assert_eq!(app.help, None);
}

#[test]
fn export_asks_where_then_sends_the_view_in_front_of_the_user() {
    let mut app = trace_app(120, 30);
    let id = fixtures::trace_id(1);
    assert_eq!(update(&mut app, Action::Export), vec![]);
    let prompt = app.prompt.clone().expect("a path prompt");
    assert_eq!(prompt.text, "fanout-5b5b5b5b.md");
    assert_eq!(
        update(&mut app, Action::Input(InputKey::Submit)),
        vec![Effect::Export(ExportRequest {
            trace_id: id,
            scope: ExportScope::Trace,
            path: "fanout-5b5b5b5b.md".into()
        })]
    );
    feed(
        &mut app,
        [Action::NextFinding, Action::ShowBatch, Action::Export],
    );
    assert_eq!(app.prompt.as_ref().unwrap().text, "fanout-5b5b5b5b-b2.md");
    for _ in 0..2 {
        update(&mut app, Action::Input(InputKey::Backspace));
    }
    for c in "svg".chars() {
        update(&mut app, Action::Input(InputKey::Char(c)));
    }
    assert_eq!(
        update(&mut app, Action::Input(InputKey::Submit)),
        vec![Effect::Export(ExportRequest {
            trace_id: id,
            scope: ExportScope::Batch(1),
            path: "fanout-5b5b5b5b-b2.svg".into()
        })]
    );
    feed(&mut app, [Action::Export, Action::Input(InputKey::Cancel)]);
    assert!(app.prompt.is_none());
    update(&mut app, Action::ExportFinished(Err("disk full".into())));
    assert_eq!(app.notice.as_ref().unwrap().level, Level::Error);
}

#[test]
fn clicks_select_and_the_wheel_scrolls() {
    let mut app = trace_app(120, 30);
    let main = crate::tui::views::main_area(&app).unwrap();
    let lanes = crate::tui::views::timeline::lanes_area(main);
    // Row 5 is the first deposit's lane (M0 B0 L M1 B1 L…); click on its label.
    update(
        &mut app,
        Action::Click {
            column: lanes.x + 2,
            row: lanes.y + 5,
        },
    );
    assert_eq!(selected(&app), Item::Call(1));
    let mut small = trace_app(120, 10);
    update(
        &mut small,
        Action::ScrollDown {
            column: lanes.x + 2,
            row: lanes.y,
        },
    );
    assert_eq!(trace(&small).scroll, 3);
    assert_eq!(
        selected(&small),
        Item::Model(0),
        "the wheel scrolls without selecting"
    );
    // In the batch view, a click on a lane selects its call.
    feed(&mut app, [Action::NextFinding, Action::ShowBatch]);
    let inner = crate::tui::views::inner(crate::tui::views::main_area(&app).unwrap());
    update(
        &mut app,
        Action::Click {
            column: inner.x + 3,
            row: inner.y + 1,
        },
    );
    assert_eq!(selected(&app), Item::Call(2));
    let mut list = fixtures::app(100, 20);
    let body = crate::tui::views::inner(crate::tui::views::screen_areas(list.area).body);
    update(
        &mut list,
        Action::Click {
            column: 5,
            row: body.y + 2,
        },
    );
    assert_eq!(list.list.selected, 1);
    assert_eq!(
        update(
            &mut list,
            Action::Click {
                column: 5,
                row: body.y + 2
            }
        ),
        vec![Effect::LoadTrace(fixtures::trace_id(1))],
        "clicking the selected trace opens it"
    );
}

#[test]
fn transcript_runs_zoom_in_steps() {
    let mut app = fixtures::app(120, 30);
    fixtures::open(&mut app, fixtures::transcript());
    feed(&mut app, [Action::ZoomIn, Action::ZoomIn, Action::ZoomIn]);
    assert_eq!(trace(&app).window.span, 4, "never narrower than four steps");
}

#[test]
fn reload_asks_the_worker_for_the_list_and_the_open_trace_again() {
    let mut app = fixtures::app(100, 20);
    assert!(matches!(
        update(&mut app, Action::Reload).as_slice(),
        [Effect::LoadSummaries]
    ));

    let mut app = trace_app(120, 30);
    let id = trace(&app).model.run().trace_id;
    let effects = update(&mut app, Action::Reload);
    assert!(
        matches!(effects.as_slice(), [Effect::LoadSummaries, Effect::LoadTrace(t)] if *t == id)
    );
    assert_eq!(app.loading, Some(id));
}

fn type_text(app: &mut crate::tui::app::App, s: &str) {
    for c in s.chars() {
        update(app, Action::Input(InputKey::Char(c)));
    }
}

#[test]
fn search_starts_empty_and_finds_resources_and_finding_text() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::Search);
    type_text(&mut app, "deposit");
    update(&mut app, Action::Input(InputKey::Submit));
    update(&mut app, Action::Search);
    assert_eq!(
        app.prompt.as_ref().unwrap().text,
        "",
        "a new search starts empty"
    );
    // A resource name appears in no argument as typed (arguments say ACC-1001).
    type_text(&mut app, "account:acc-1001");
    update(&mut app, Action::Input(InputKey::Submit));
    let m = &trace(&app).search.matches;
    assert!(
        m.contains(&Item::Call(1)) && m.contains(&Item::Call(2)),
        "{m:?}"
    );
    // Words of the finding's explanation find the calls it involves.
    let explanation = trace(&app).model.analysis().findings[0].explanation.clone();
    let word = explanation
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    update(&mut app, Action::Search);
    type_text(&mut app, &word);
    update(&mut app, Action::Input(InputKey::Submit));
    assert!(
        trace(&app).search.matches.contains(&Item::Call(1)),
        "{word}: {:?}",
        trace(&app).search.matches
    );
}

#[test]
fn prompts_edit_like_readline() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::Search);
    type_text(&mut app, "get balance");
    let p = |app: &crate::tui::app::App| app.prompt.clone().unwrap();
    update(&mut app, Action::Input(InputKey::KillWord));
    assert_eq!(p(&app).text, "get ");
    type_text(&mut app, "accout");
    update(&mut app, Action::Input(InputKey::Left));
    type_text(&mut app, "n");
    assert_eq!(p(&app).text, "get account");
    update(&mut app, Action::Input(InputKey::Home));
    type_text(&mut app, "x");
    update(&mut app, Action::Input(InputKey::End));
    type_text(&mut app, "é");
    assert_eq!(p(&app).text, "xget accounté");
    update(&mut app, Action::Input(InputKey::Left));
    update(&mut app, Action::Input(InputKey::KillToStart));
    assert_eq!(p(&app).text, "é");
    assert_eq!(p(&app).cursor, 0);
    update(&mut app, Action::Input(InputKey::Right));
    update(&mut app, Action::Input(InputKey::Backspace));
    assert_eq!(p(&app).text, "");
}

#[test]
fn a_tilde_in_an_export_path_is_the_home_folder() {
    let home = std::env::var("HOME").unwrap_or_default();
    if home.is_empty() {
        return;
    }
    assert_eq!(
        super::expand_home("~/runs/a.svg"),
        format!("{home}/runs/a.svg")
    );
    assert_eq!(super::expand_home("~"), home);
    assert_eq!(super::expand_home("a~/b.md"), "a~/b.md");
    assert_eq!(super::expand_home("~bob/x"), "~bob/x");
}

#[test]
fn the_inspector_shows_a_model_call_as_a_conversation() {
    let mut t = fixtures::lost_update();
    t.run.model_calls[1].input = Some(serde_json::Value::String(
        serde_json::json!([
            {"role": "user", "content": "Deposit 50 and 25 into ACC-1001"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_get", "type": "function",
                 "function": {"name": "get_account", "arguments": "{\"account_id\":\"ACC-1001\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_get", "content": "{\"balance\": 100}"}
        ])
        .to_string(),
    ));
    t.run.tool_definitions = vec![crate::model::ToolDefinition {
        name: "deposit".into(),
        description: Some("adds money".into()),
        parameters: Some(serde_json::json!({"type": "object"})),
        annotations: None,
    }];
    let mut app = fixtures::app(120, 30);
    fixtures::open(&mut app, t);
    let lines = super::inspector_lines(&trace(&app).model, Item::Model(1));
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let all = text.join("\n");
    assert!(all.contains("── user"), "{all}");
    assert!(all.contains("Deposit 50 and 25 into ACC-1001"), "{all}");
    assert!(
        all.contains("→ get_account({\"account_id\":\"ACC-1001\"})"),
        "{all}"
    );
    assert!(all.contains("── tool (answers call_get)"), "{all}");
    assert!(
        all.contains("tools offered") && all.contains("1 (deposit)"),
        "{all}"
    );
    assert!(
        !all.contains("adds money"),
        "definitions stay collapsed: {all}"
    );
    assert!(!all.contains("\\\"role\\\""), "no raw JSON strings: {all}");
}

#[test]
fn h_and_l_walk_every_call_in_time_order() {
    let mut app = trace_app(120, 30);
    update(&mut app, Action::MoveRight);
    assert_eq!(
        selected(&app),
        Item::Call(0),
        "from model call #1 to the first call"
    );
    let mut seen = vec![selected(&app)];
    for _ in 0..4 {
        update(&mut app, Action::MoveRight);
        seen.push(selected(&app));
    }
    assert_eq!(
        seen,
        (0..5).map(Item::Call).collect::<Vec<_>>(),
        "l steps to the next call even across lanes and batches"
    );
    update(&mut app, Action::MoveLeft);
    assert_eq!(selected(&app), Item::Call(3));
}

#[test]
fn a_key_clears_the_last_message_and_reload_says_what_it_found() {
    let mut app = fixtures::app(100, 20);
    app.notify(Level::Warn, "stale".to_owned());
    update(&mut app, Action::MoveDown);
    assert!(app.notice.is_none(), "a stale message does not linger");
    update(&mut app, Action::Reload);
    let mut list = fixtures::summaries();
    let mut extra = list[0].clone();
    extra.summary.trace_id = fixtures::trace_id(8);
    list.push(extra);
    update(&mut app, Action::SummariesLoaded(list));
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "reloaded: 4 traces, 1 new"
    );
}

#[test]
fn switching_to_the_batch_view_selects_a_call_it_shows() {
    let mut app = trace_app(120, 30);
    assert_eq!(selected(&app), Item::Model(0));
    update(&mut app, Action::ShowBatch);
    let b = trace(&app).batch.unwrap();
    let calls = trace(&app).model.run().batches[b].calls.clone();
    assert!(
        matches!(selected(&app), Item::Call(c) if calls.contains(&c)),
        "{:?} is not in batch {b}",
        selected(&app)
    );
}

#[test]
fn y_copies_the_selected_id_and_o_pages_the_selected_call() {
    let mut app = fixtures::app(100, 20);
    let id = app.list.selected_entry().unwrap().summary.trace_id.to_hex();
    assert_eq!(
        update(&mut app, Action::Copy),
        vec![Effect::Copy(id.clone())]
    );
    assert!(app.notice.as_ref().unwrap().text.contains(&id[..20]));
    let mut app = trace_app(120, 30);
    feed(&mut app, [Action::MoveRight]);
    assert_eq!(selected(&app), Item::Call(0));
    assert_eq!(
        update(&mut app, Action::Copy),
        vec![Effect::Copy("call_get".into())]
    );
    let effects = update(&mut app, Action::Page);
    let [Effect::Page(text)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["arguments"]["account_id"], "ACC-1001");
    assert_eq!(v["result"]["balance"], 100);
}

fn typed(text: &str) -> Vec<Action> {
    text.chars()
        .map(|c| Action::Input(InputKey::Char(c)))
        .collect()
}

#[test]
fn the_pull_prompt_asks_the_worker_then_opens_the_pulled_trace() {
    use crate::tui::action::{PullDone, PullRequest};
    use crate::tui::app::PromptTarget;
    let mut app = fixtures::app(100, 20);
    update(&mut app, Action::Pull);
    assert_eq!(app.prompt.as_ref().unwrap().target, PromptTarget::Pull);
    feed(&mut app, typed("http://tempo:3200 ABC1"));
    let effects = update(&mut app, Action::Input(InputKey::Submit));
    let wanted = "0000000000000000000000000000abc1";
    assert_eq!(
        effects,
        vec![Effect::Pull(PullRequest {
            url: "http://tempo:3200".into(),
            trace_id: wanted.into(),
        })]
    );
    assert!(app.prompt.is_none());
    assert!(app.pull.running.is_some());
    assert_eq!(
        app.pull.running,
        Some(("ABC1".to_owned(), "http://tempo:3200".to_owned()))
    );
    // A second `p` while it runs says so instead of starting another.
    assert_eq!(update(&mut app, Action::Pull), vec![]);
    assert!(app.prompt.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("still pulling"));

    // The worker stored it: the list is read again and the trace opens, its message kept.
    let id = fixtures::trace_id(1);
    let effects = update(
        &mut app,
        Action::PullFinished(Ok(PullDone {
            id,
            message: "pulled trace 00000001 from Tempo (5 spans, 5 new)".into(),
        })),
    );
    assert_eq!(effects, vec![Effect::LoadSummaries, Effect::LoadTrace(id)]);
    assert!(app.pull.running.is_none());
    assert_eq!(app.loading, Some(id));
    fixtures::open(&mut app, fixtures::lost_update());
    assert_eq!(app.screen, Screen::Trace);
    assert!(app.notice.as_ref().unwrap().text.contains("from Tempo"));

    // The next prompt offers the same URL.
    update(&mut app, Action::Pull);
    assert_eq!(app.prompt.as_ref().unwrap().text, "http://tempo:3200 ");
}

#[test]
fn the_pull_prompt_takes_the_url_then_the_id_and_refuses_what_cannot_be_pulled() {
    use crate::tui::app::PromptTarget;
    let mut app = fixtures::app(100, 20);
    feed(&mut app, [Action::Pull]);
    feed(&mut app, typed("https://user:s3cret@jaeger:16686"));
    assert_eq!(update(&mut app, Action::Input(InputKey::Submit)), vec![]);
    assert_eq!(
        app.prompt.as_ref().unwrap().target,
        PromptTarget::PullTraceId
    );
    feed(&mut app, typed("5b8efff798038103d269b633813fc60c"));
    match update(&mut app, Action::Input(InputKey::Submit)).as_slice() {
        [Effect::Pull(req)] => {
            assert_eq!(req.url, "https://user:s3cret@jaeger:16686");
            assert_eq!(req.trace_id, "5b8efff798038103d269b633813fc60c");
        }
        other => panic!("{other:?}"),
    }
    let (_, shown) = app.pull.running.clone().unwrap();
    assert_eq!(shown, "https://jaeger:16686", "credentials are never shown");
    assert_eq!(
        app.pull.url, None,
        "a URL with credentials is not offered again"
    );

    // The worker failed: the error is shown and nothing is loaded.
    let effects = update(
        &mut app,
        Action::PullFinished(Err("trace 5b8e… not found at Jaeger".into())),
    );
    assert_eq!(effects, vec![]);
    let notice = app.notice.clone().unwrap();
    assert_eq!(notice.level, Level::Error);
    assert!(notice.text.starts_with("pull failed: trace"), "{notice:?}");
    assert!(app.pull.running.is_none());

    // Refused before anything is asked: a bad id, a bad URL, too many words.
    for text in [
        "http://tempo:3200 not-hex",
        "ftp://tempo 1234",
        "http://tempo:3200 1 2",
    ] {
        feed(
            &mut app,
            [Action::Pull, Action::Input(InputKey::KillToStart)],
        );
        feed(&mut app, typed(text));
        assert_eq!(
            update(&mut app, Action::Input(InputKey::Submit)),
            vec![],
            "{text}"
        );
        assert_eq!(app.notice.as_ref().unwrap().level, Level::Error, "{text}");
        assert!(app.pull.running.is_none(), "{text}");
    }
}

#[test]
fn a_database_changed_elsewhere_reloads_the_list_unless_a_live_feed_does() {
    let mut app = fixtures::app(100, 20);
    update(&mut app, Action::SummariesLoaded(fixtures::summaries()));
    assert_eq!(
        update(&mut app, Action::DatabaseChanged),
        vec![Effect::LoadSummaries]
    );
    app.live = Some(crate::tui::app::LiveState::default());
    assert_eq!(update(&mut app, Action::DatabaseChanged), vec![]);
}
