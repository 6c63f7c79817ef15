//! Whole-screen tests: insta snapshots of every view drawn into a `TestBackend` (text only, so
//! colours are checked by explicit style assertions), untrusted text, small terminals, and the
//! loop driven end to end with scripted events.

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

use super::action::Action;
use super::app::App;
use super::fixtures::{self, feed, trace_app};
use super::theme::{ColorMode, Theme, ThemeName};
use super::views;

fn draw_with(app: &App, theme: &Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.area.width, app.area.height)).unwrap();
    terminal.draw(|f| views::render(app, theme, f)).unwrap();
    terminal
}

fn draw(app: &App) -> Terminal<TestBackend> {
    draw_with(app, &Theme::default())
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Cells whose symbol is `symbol`.
fn cells<'a>(
    buf: &'a Buffer,
    symbol: &'a str,
) -> impl Iterator<Item = &'a ratatui::buffer::Cell> + 'a {
    buf.content.iter().filter(move |c| c.symbol() == symbol)
}

// ---- snapshots, one per view ----

#[test]
fn trace_list_shows_badges_counts_and_the_selection() {
    insta::assert_snapshot!(draw(&fixtures::app(120, 10)).backend());
}

#[test]
fn trace_list_on_a_narrow_terminal_keeps_the_essentials() {
    insta::assert_snapshot!(draw(&fixtures::app(50, 10)).backend());
}

#[test]
fn trace_list_says_it_is_loading_then_that_the_database_is_empty() {
    let mut app = App::new(ratatui::layout::Rect::new(0, 0, 60, 10), vec![]);
    assert!(text(draw(&app).backend().buffer()).contains("loading traces…"));
    super::update::update(&mut app, Action::SummariesLoaded(vec![]));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn timeline_shows_model_calls_and_batches_as_swimlanes() {
    insta::assert_snapshot!(draw(&trace_app(120, 20)).backend());
}

#[test]
fn timeline_of_a_transcript_shows_order_not_times() {
    let mut app = fixtures::app(100, 18);
    fixtures::open(&mut app, fixtures::transcript());
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn timeline_in_conflicts_only_mode_keeps_the_colliding_calls() {
    let mut app = trace_app(100, 12);
    feed(
        &mut app,
        [Action::ToggleInspector, Action::ToggleConflictsOnly],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn batch_view_marks_the_shared_resource_and_names_the_finding() {
    let mut app = trace_app(100, 14);
    feed(
        &mut app,
        [
            Action::ToggleInspector,
            Action::NextFinding,
            Action::ShowBatch,
        ],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn resource_view_of_the_whole_trace_puts_conflicts_first() {
    let mut app = trace_app(100, 10);
    feed(
        &mut app,
        [
            Action::ToggleInspector,
            Action::ShowResources,
            Action::ToggleScope,
        ],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn why_view_after_a_then_b_shows_both_deposits_and_the_account() {
    // 80x24 is tmux's default size: the inspector is folded away, the path and batch stay.
    let mut app = trace_app(80, 24);
    feed(&mut app, [Action::JumpToAnswer, Action::StepBack]);
    let terminal = draw(&app);
    let screen = text(terminal.backend().buffer());
    assert!(
        screen.contains("call_dep_a") && screen.contains("call_dep_b"),
        "{screen}"
    );
    assert!(screen.contains("account:acc-1001"));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn inspector_takes_the_whole_body_on_a_narrow_terminal() {
    let mut app = trace_app(70, 34);
    feed(&mut app, [Action::NextFinding, Action::NextPane]);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn help_lists_every_key() {
    let mut app = trace_app(100, 48);
    super::update::update(&mut app, Action::Help);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn smallest_supported_terminal_still_shows_the_timeline() {
    let app = trace_app(40, 10);
    let screen = text(draw(&app).backend().buffer());
    assert!(!screen.contains("too small"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn below_40x10_a_too_small_message_replaces_the_screen() {
    for (w, h) in [(39, 10), (40, 9), (12, 3)] {
        let app = trace_app(w, h);
        let screen = text(draw(&app).backend().buffer());
        assert!(screen.contains("too"), "{w}x{h}:\n{screen}");
    }
    insta::assert_snapshot!(draw(&trace_app(39, 10)).backend());
}

// ---- styles that snapshots cannot see ----

#[test]
fn conflicting_calls_are_red_bold_and_patterned_in_both_lanes() {
    let app = trace_app(120, 20);
    let terminal = draw(&app);
    let buf = terminal.backend().buffer();
    let bars: Vec<_> = cells(buf, "▓").collect();
    assert!(bars.len() >= 2);
    for c in &bars {
        assert_eq!(c.fg, Color::Red);
        assert!(c.modifier.contains(Modifier::BOLD));
    }
    // Both deposit lanes carry the pattern on their own rows.
    let rows: std::collections::BTreeSet<u16> = (0..buf.area.height)
        .filter(|y| (0..buf.area.width).any(|x| buf[(x, *y)].symbol() == "▓"))
        .collect();
    assert_eq!(rows.len(), 2);
    // Ordinary calls are solid and not red.
    assert!(cells(buf, "█").all(|c| c.fg != Color::Red));
}

#[test]
fn the_selected_call_is_reversed_in_the_lanes_and_the_label() {
    let mut app = trace_app(120, 20);
    feed(&mut app, [Action::NextFinding]);
    let terminal = draw(&app);
    let buf = terminal.backend().buffer();
    let row = app
        .trace
        .as_ref()
        .unwrap()
        .model
        .row_of(super::trace_model::Item::Call(1))
        .unwrap();
    let lanes = views::timeline::lanes_area(views::main_area(&app).unwrap());
    let y = lanes.y + row as u16;
    let cursor = (0..buf.area.width)
        .find(|x| buf[(*x, y)].symbol() == "▶")
        .expect("cursor on the row");
    assert!(buf[(cursor, y)].modifier.contains(Modifier::REVERSED));
    let selected_bars = (0..buf.area.width)
        .filter(|x| buf[(*x, y)].symbol() == "▓")
        .count();
    assert!(selected_bars > 0);
    assert!((0..buf.area.width)
        .filter(|x| buf[(*x, y)].symbol() == "▓")
        .all(|x| buf[(x, y)].modifier.contains(Modifier::REVERSED)));
    // The sibling's bar is not selected.
    let other = lanes.y
        + app
            .trace
            .as_ref()
            .unwrap()
            .model
            .row_of(super::trace_model::Item::Call(2))
            .unwrap() as u16;
    assert!((0..buf.area.width)
        .filter(|x| buf[(*x, other)].symbol() == "▓")
        .all(|x| !buf[(x, other)].modifier.contains(Modifier::REVERSED)));
}

#[test]
fn resource_matrix_marks_conflict_cells_with_style_and_symbol() {
    let mut app = trace_app(100, 12);
    feed(&mut app, [Action::ToggleInspector, Action::ShowResources]);
    let terminal = draw(&app);
    let buf = terminal.backend().buffer();
    let marks: Vec<_> = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width.saturating_sub(2)).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            buf[(x, y)].symbol() == "R"
                && buf[(x + 1, y)].symbol() == "W"
                && buf[(x + 2, y)].symbol() == "‼"
        })
        .collect();
    assert_eq!(marks.len(), 2, "RW‼ under both deposits");
    // The selected cell is reversed; the other is in the conflict style.
    let (selected, other): (Vec<_>, Vec<_>) = marks
        .iter()
        .partition(|&&(x, y)| buf[(x, y)].modifier.contains(Modifier::REVERSED));
    assert_eq!(selected.len(), 1);
    let (x, y) = other[0];
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
}

#[test]
fn without_colour_meaning_survives_in_symbols_and_modifiers() {
    let theme = Theme::new(ThemeName::Dark, ColorMode::Monochrome);
    let mut app = trace_app(120, 20);
    feed(&mut app, [Action::NextFinding]);
    let terminal = draw_with(&app, &theme);
    let buf = terminal.backend().buffer();
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "no colour at all"
    );
    let bars: Vec<_> = cells(buf, "▓").collect();
    assert!(bars.len() >= 2);
    assert!(bars.iter().all(|c| c.modifier.contains(Modifier::BOLD)));
    assert!(
        bars.iter().any(|c| c.modifier.contains(Modifier::REVERSED)),
        "selection is reversed video"
    );
    assert!(
        bars.iter()
            .any(|c| c.modifier.contains(Modifier::UNDERLINED)),
        "the unselected sibling is underlined"
    );
    assert!(cells(buf, "‼").count() >= 3);
    // Same text as in colour: symbols, not colour, carry the meaning.
    assert_eq!(text(buf), text(draw(&app).backend().buffer()));
}

#[test]
fn light_theme_draws_the_same_screen() {
    let app = trace_app(100, 20);
    let light = Theme::new(ThemeName::Light, ColorMode::Color);
    assert_eq!(
        text(draw_with(&app, &light).backend().buffer()),
        text(draw(&app).backend().buffer())
    );
}

// ---- untrusted text ----

fn hostile() -> crate::analysis::AnalyzedTrace {
    // Escapes and controls, then what desynchronizes a screen by width: soft hyphen, line and
    // paragraph separators, zero-width and tag characters, regional indicators.
    let evil = "x\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\r\n\tbell\u{7}\u{8}\u{202e}end\u{1b}c\
                \u{ad}\u{2028}\u{2029}\u{200b}\u{200d}\u{e0041}\u{1f1fa}\u{1f1f8}\u{fe0f}";
    let mut t = fixtures::lost_update();
    for c in &mut t.run.tool_calls {
        c.name = format!("{}{evil}", c.name);
        c.call_id = Some(format!("id{evil}"));
        c.arguments = Some(serde_json::json!({ "note": evil, evil: 1 }));
        c.result = Some(serde_json::Value::String(format!(
            "result{evil}\nline2{evil}"
        )));
        c.error = Some(evil.into());
    }
    for m in &mut t.run.model_calls {
        m.model = Some(format!("gpt{evil}"));
        m.output_text = Some(evil.into());
    }
    for b in &mut t.run.batches {
        b.id = format!("{}{evil}", b.id);
    }
    if let Some(a) = &mut t.run.final_answer {
        a.text = format!("answer{evil}");
    }
    for accesses in &mut t.analysis.accesses {
        for a in accesses {
            a.resource = format!("{}{evil}", a.resource);
            a.evidence = evil.into();
        }
    }
    for f in &mut t.analysis.findings {
        f.resource = format!("{}{evil}", f.resource);
        f.explanation = format!("lost update{evil}");
        f.signals = vec![evil.into()];
    }
    t
}

fn assert_clean(buf: &Buffer, what: &str) {
    for c in &buf.content {
        assert!(
            super::sanitize::is_clean(c.symbol()),
            "{what}: control character {:?} reached the buffer",
            c.symbol()
        );
    }
}

#[test]
fn control_characters_and_escape_sequences_never_reach_the_buffer() {
    let mut app = fixtures::app(120, 40);
    let mut entries = fixtures::summaries();
    entries[0].summary.service = Some("svc\u{1b}[31mred\u{7}".into());
    entries[0].summary.root_name = Some("root\u{1b}]0;t\u{7}\n".into());
    super::update::update(&mut app, Action::SummariesLoaded(entries));
    assert_clean(draw(&app).backend().buffer(), "trace list");
    fixtures::open(&mut app, hostile());
    let views = [
        vec![],
        vec![Action::NextFinding],
        vec![Action::ShowBatch],
        vec![Action::ShowResources, Action::ToggleScope],
        vec![
            Action::JumpToAnswer,
            Action::StepBack,
            Action::StepBack,
            Action::StepBack,
        ],
        vec![Action::ShowTimeline, Action::Last],
    ];
    for (i, actions) in views.into_iter().enumerate() {
        feed(&mut app, actions);
        let buf = draw(&app).backend().buffer().clone();
        assert_clean(&buf, &format!("view {i}"));
        assert!(
            text(&buf).contains("x"),
            "the text around the escapes is still shown"
        );
    }
    // Every inspector line of every call, whatever its length.
    for c in 0..5 {
        let lines = crate::tui::update::inspector_lines(
            &app.trace.as_ref().unwrap().model,
            super::trace_model::Item::Call(c),
        );
        assert!(lines.iter().all(|l| super::sanitize::is_clean(&l.text)));
    }
    // Search prompt text is user input, but is drawn through the same filter.
    feed(
        &mut app,
        [
            Action::Search,
            Action::Input(super::action::InputKey::Char('\u{1b}')),
        ],
    );
    assert_clean(draw(&app).backend().buffer(), "prompt");
}

// ---- sizes ----

#[test]
fn every_view_survives_every_size_down_to_40x10() {
    let sizes = [
        (40, 10),
        (41, 11),
        (47, 13),
        (60, 15),
        (80, 24),
        (99, 30),
        (100, 30),
        (160, 48),
        (200, 50),
    ];
    let setups: Vec<Vec<Action>> = vec![
        vec![],
        vec![
            Action::NextFinding,
            Action::ZoomIn,
            Action::ZoomIn,
            Action::ZoomIn,
        ],
        vec![Action::ShowBatch],
        vec![Action::ShowResources],
        vec![Action::JumpToAnswer, Action::StepBack],
        vec![Action::NextPane],
        vec![Action::Help],
        vec![Action::ToggleConflictsOnly, Action::Last],
    ];
    for (w, h) in sizes {
        for setup in &setups {
            for analyzed in [fixtures::lost_update(), fixtures::transcript(), hostile()] {
                let mut app = fixtures::app(w, h);
                fixtures::open(&mut app, analyzed);
                feed(&mut app, setup.iter().map(clone_intent));
                let screen = text(draw(&app).backend().buffer());
                assert!(!screen.contains("too small"), "{w}x{h}");
            }
        }
        let app = fixtures::app(w, h);
        draw(&app);
    }
}

fn clone_intent(a: &Action) -> Action {
    // Intents are unit variants: rebuild from the debug name through the keymap vocabulary.
    let name = format!("{a:?}");
    let snake: String = name
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let lower = c.to_ascii_lowercase();
            if c.is_ascii_uppercase() && i > 0 {
                vec!['_', lower]
            } else {
                vec![lower]
            }
        })
        .collect();
    use serde::de::IntoDeserializer;
    use serde::Deserialize;
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        snake.as_str().into_deserializer();
    Action::deserialize(de).unwrap()
}

#[test]
fn resizing_a_live_app_keeps_the_selection_on_screen() {
    let mut app = trace_app(120, 40);
    update_all(&mut app, [Action::Last]);
    for (w, h) in [(40, 10), (200, 50), (45, 12), (39, 9), (80, 24)] {
        super::update::update(
            &mut app,
            Action::Resize {
                width: w,
                height: h,
            },
        );
        let terminal = draw(&app);
        let screen = text(terminal.backend().buffer());
        if w >= 40 && h >= 10 {
            assert!(screen.contains("final answer"), "{w}x{h}:\n{screen}");
        }
    }
}

fn update_all(app: &mut App, actions: impl IntoIterator<Item = Action>) {
    feed(app, actions);
}

// ---- the loop, end to end ----

#[test]
fn the_loop_opens_a_trace_and_walks_back_from_the_answer() {
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use std::sync::mpsc;

    use super::action::{Effect, Msg};
    use super::source::LoadedTrace;
    use super::trace_model::TraceModel;

    let key = |c: char| {
        Msg::Terminal(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    let (tx, rx) = mpsc::channel();
    // A watchdog: if the script stalls, quit instead of hanging the test run.
    let watchdog = tx.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(20));
        let _ = watchdog.send(key('q'));
    });
    let keymap = super::keymap::Keymap::defaults();
    let mut app = App::new(
        ratatui::layout::Rect::new(0, 0, 80, 24),
        keymap.help_lines(),
    );
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let replies = tx.clone();
    let mut asked = vec![];
    super::run_loop(
        &mut terminal,
        &mut app,
        &keymap,
        &Theme::default(),
        &rx,
        vec![Effect::LoadSummaries],
        &std::sync::atomic::AtomicBool::new(false),
        |e| {
            asked.push(e.clone());
            match e {
                Effect::LoadSummaries => {
                    replies
                        .send(Msg::Action(Action::SummariesLoaded(fixtures::summaries())))
                        .unwrap();
                    // Move to the bank trace and open it.
                    replies.send(key('j')).unwrap();
                    replies
                        .send(Msg::Terminal(Event::Key(KeyEvent::new(
                            KeyCode::Enter,
                            KeyModifiers::NONE,
                        ))))
                        .unwrap();
                }
                Effect::LoadTrace(id) => {
                    assert_eq!(id, fixtures::trace_id(1));
                    let model = TraceModel::build(LoadedTrace {
                        analyzed: fixtures::lost_update(),
                        raw: None,
                    });
                    replies
                        .send(Msg::Action(Action::TraceLoaded(Box::new(model))))
                        .unwrap();
                    // The user presses a, then b; a moment later (after the redraw), q.
                    for c in ['a', 'b'] {
                        replies.send(key(c)).unwrap();
                    }
                    let later = replies.clone();
                    std::thread::spawn(move || {
                        std::thread::sleep(std::time::Duration::from_millis(300));
                        let _ = later.send(key('q'));
                    });
                }
                Effect::Export(_)
                | Effect::LoadDiff(..)
                | Effect::Copy(_)
                | Effect::Page(_)
                | Effect::Pull(_) => {}
            }
        },
    )
    .unwrap();
    assert!(app.should_quit);
    assert_eq!(
        asked,
        vec![
            Effect::LoadSummaries,
            Effect::LoadTrace(fixtures::trace_id(1))
        ]
    );
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("why · step 2/4"), "{screen}");
    assert!(
        screen.contains("call_dep_a")
            && screen.contains("call_dep_b")
            && screen.contains("account:acc-1001")
    );
}

#[test]
fn inconsistent_indices_from_upstream_never_panic() {
    use crate::analysis::{BatchLanes, WhyStep};
    let mut t = fixtures::lost_update();
    t.run.batches[1].calls.push(99);
    t.run.batches[2].index = 42;
    t.run.batches[2].emitted_by = Some(77);
    t.run.tool_calls[0].batch = Some(12);
    t.run.model_calls[1].emitted.push(55);
    t.analysis.lanes[1] = BatchLanes {
        batch: 1,
        lanes: vec![0, 5, 9],
        lane_count: 1,
    };
    t.analysis.findings[0].batch = 31;
    t.analysis.findings[0].calls.push(1000);
    t.analysis.accesses.truncate(2);
    t.analysis.why.steps.push(WhyStep::Call {
        call: 500,
        value: None,
    });
    t.analysis.why.steps.push(WhyStep::Batch { batch: 600 });
    t.analysis.why.steps.push(WhyStep::Finding {
        finding: 700,
        sibling: None,
    });
    let mut app = fixtures::app(100, 30);
    fixtures::open(&mut app, t);
    use Action::*;
    for a in [
        MoveDown,
        MoveDown,
        Last,
        First,
        NextBatch,
        NextBatch,
        NextBatch,
        PrevBatch,
        NextFinding,
        ShowBatch,
        MoveDown,
        MoveDown,
        MoveDown,
        ShowResources,
        MoveRight,
        MoveRight,
        ToggleScope,
        MoveRight,
        ToggleConflictsOnly,
        JumpToAnswer,
        StepBack,
        StepBack,
        StepBack,
        StepBack,
        StepBack,
        StepBack,
        StepBack,
        Open,
        ZoomIn,
        PanRight,
        Last,
    ] {
        super::update::update(&mut app, a);
        draw(&app);
    }
}

// ---- call states and untimed batches (issue 14) ----

#[test]
fn failed_and_never_executed_calls_are_marked_on_the_timeline_and_in_the_batch() {
    let mut t = fixtures::lost_update();
    t.run.tool_calls[3].status = crate::model::CallStatus::Error;
    t.run.tool_calls[3].error = Some("timeout".into());
    let c = &mut t.run.tool_calls[4];
    c.status = crate::model::CallStatus::NotExecuted;
    c.start_unix_nano = None;
    c.end_unix_nano = None;
    let mut app = fixtures::app(120, 30);
    fixtures::open(&mut app, t);
    let screen = text(draw(&app).backend().buffer());
    let failed = screen.lines().find(|l| l.contains("get_balance")).unwrap();
    assert!(failed.contains("get_balance ✗"), "{screen}");
    assert!(
        failed.contains("✗█"),
        "the bar itself says it failed: {screen}"
    );
    let never = screen
        .lines()
        .find(|l| l.contains("list_transactions"))
        .unwrap();
    assert!(never.contains("∅"), "{screen}");
    assert!(never.contains("list_transactions ∅"), "{screen}");
    assert!(
        !never.contains('█'),
        "a call that never ran has no bar: {never}"
    );
}

#[test]
fn an_untimed_batch_draws_its_siblings_side_by_side() {
    let mut app = fixtures::app(100, 30);
    fixtures::open(&mut app, fixtures::transcript());
    let screen = text(draw(&app).backend().buffer());
    let start_of_bar = |needle: &str| {
        let line = screen
            .lines()
            .find(|l| l.contains(needle) && (l.contains('█') || l.contains('▓')))
            .unwrap_or_else(|| panic!("no bar for {needle}:\n{screen}"));
        line.chars().position(|c| c == '█' || c == '▓').unwrap()
    };
    assert_eq!(
        start_of_bar("get_balance"),
        start_of_bar("list_transactio"),
        "siblings of one untimed batch start together:\n{screen}"
    );
}

#[test]
fn search_hits_are_highlighted_in_the_timeline() {
    use super::action::InputKey;
    let mut app = trace_app(120, 20);
    let mut actions = vec![Action::Search];
    actions.extend("get_".chars().map(|c| Action::Input(InputKey::Char(c))));
    actions.push(Action::Input(InputKey::Submit));
    feed(&mut app, actions);
    let term = draw(&app);
    let buf = term.backend().buffer();
    // get_account is selected (first hit); get_balance is a hit that is not selected.
    let screen = text(buf);
    let y = screen
        .lines()
        .position(|l| l.contains("get_balance"))
        .unwrap() as u16;
    let x = screen
        .lines()
        .nth(y as usize)
        .unwrap()
        .chars()
        .position(|c| c == 'g')
        .unwrap() as u16;
    assert!(
        buf[(x, y)].modifier.contains(Modifier::UNDERLINED),
        "a hit stands out:\n{screen}"
    );
}

// ---- comparing two runs (issue 14) ----

/// The fixture run beside a rerun where the second deposit saw the first one's balance.
fn diff_app(width: u16, height: u16) -> App {
    let a = fixtures::lost_update();
    let mut b = fixtures::lost_update();
    b.run.trace_id = fixtures::trace_id(3);
    b.run.tool_calls[2].result =
        Some(serde_json::json!({"previous_balance": 150, "new_balance": 175}));
    b.run.final_answer.as_mut().unwrap().text = "Your balance is now 175.".into();
    b.analysis.findings.clear();
    let mut app = fixtures::app(width, height);
    let mut actions = vec![Action::Mark, Action::MoveDown, Action::MoveDown];
    actions.push(Action::Diff);
    feed(&mut app, [Action::First]);
    let mut effects = Vec::new();
    for a in actions {
        effects = super::update::update(&mut app, a);
    }
    let Some(super::action::Effect::LoadDiff(x, y)) = effects.first().cloned() else {
        panic!("D asks the worker to compare: {effects:?}");
    };
    assert_ne!(x, y);
    super::update::update(
        &mut app,
        Action::DiffLoaded(Box::new(super::app::DiffState {
            a: x,
            b: y,
            diff: crate::analysis::diff::diff(&a, &b),
            scroll: 0,
            back: super::app::Screen::List,
        })),
    );
    app
}

#[test]
fn the_diff_view_names_the_first_divergence_and_shows_both_sides() {
    let app = diff_app(110, 20);
    assert_eq!(app.screen, super::app::Screen::Diff);
    let screen = text(draw(&app).backend().buffer());
    assert!(screen.contains("first divergence: batch b2"), "{screen}");
    assert!(screen.contains("deposit result"), "{screen}");
    assert!(
        screen.contains("new_balance=125") && screen.contains("new_balance=175"),
        "{screen}"
    );
    assert!(
        screen.contains("Your balance is now 125.") && screen.contains("Your balance is now 175."),
        "{screen}"
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn d_without_a_mark_compares_with_the_previous_run_of_the_service() {
    let mut app = fixtures::app(100, 12);
    // Only one bank-agent run: nothing earlier to compare with.
    feed(&mut app, [Action::First]);
    let effects = super::update::update(&mut app, Action::Diff);
    assert!(effects.is_empty());
    assert!(app
        .notice
        .as_ref()
        .unwrap()
        .text
        .contains("mark one with m"));
    // Another run of the same service, an hour earlier.
    let mut older = app.list.all[0].clone();
    older.summary.trace_id = fixtures::trace_id(7);
    older.summary.service = app
        .list
        .all
        .iter()
        .find(|e| e.summary.service.as_deref() == Some("weather-agent"))
        .unwrap()
        .summary
        .service
        .clone();
    older.summary.start_unix_nano = Some(1);
    let mut all = app.list.all.clone();
    all.push(older);
    super::update::update(&mut app, Action::SummariesLoaded(all));
    let weather = app
        .list
        .visible
        .iter()
        .position(|i| {
            app.list.all[*i].summary.service.as_deref() == Some("weather-agent")
                && app.list.all[*i].summary.trace_id != fixtures::trace_id(7)
        })
        .unwrap();
    app.list.selected = weather;
    let effects = super::update::update(&mut app, Action::Diff);
    assert_eq!(
        effects,
        vec![super::action::Effect::LoadDiff(
            fixtures::trace_id(7),
            fixtures::trace_id(3)
        )]
    );
}

#[test]
fn trace_list_at_80x24_keeps_start_time_source_and_key_hints() {
    let app = fixtures::app(80, 24);
    let screen = text(draw(&app).backend().buffer());
    assert!(screen.contains("11-21 04:"), "start time: {screen}");
    assert!(
        screen.contains("bank-agent-1.json"),
        "source file: {screen}"
    );
    assert!(screen.contains("5b5b…5b01"), "short id: {screen}");
    assert!(screen.contains("? help"), "key hints: {screen}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn two_copies_of_one_run_do_not_look_identical_in_the_list() {
    let mut app = fixtures::app(80, 12);
    let mut copy = app.list.all[0].clone();
    copy.summary.trace_id = fixtures::trace_id(9);
    copy.summary.source = Some("/tmp/elsewhere/copy-of-run.json".into());
    let mut all = app.list.all.clone();
    all.push(copy.clone());
    super::update::update(&mut app, Action::SummariesLoaded(all));
    let screen = text(draw(&app).backend().buffer());
    // Same service, start, duration and counts: only the id and the source tell them apart.
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("2.90s")).collect();
    assert_eq!(rows.len(), 2, "{screen}");
    let strip = |l: &str| l.replace('▶', " ");
    assert_ne!(strip(rows[0]), strip(rows[1]), "{screen}");
    assert!(screen.contains("copy-of-run.json"), "{screen}");
}

#[test]
fn a_zoomed_timeline_marks_content_off_screen_and_says_where_it_is_scrolled() {
    let mut app = trace_app(100, 12);
    feed(&mut app, [Action::ZoomIn, Action::ZoomIn, Action::ZoomIn]);
    let screen = text(draw(&app).backend().buffer());
    assert!(screen.contains('◂') || screen.contains('▸'), "{screen}");
    assert!(screen.contains("rows 1–"), "scroll position: {screen}");
    assert!(screen.contains("of 13"), "{screen}");
}

#[test]
fn the_footer_follows_the_keymap_in_force() {
    let mut app = fixtures::app(100, 10);
    let default = text(draw(&app).backend().buffer());
    assert!(default.contains("enter open · / filter"), "{default}");
    for l in &mut app.help_lines {
        if l.action == "search" {
            l.keys = "ctrl-f".into();
        }
    }
    let custom = text(draw(&app).backend().buffer());
    assert!(custom.contains("ctrl-f filter"), "{custom}");
    assert!(!custom.contains("/ filter"), "{custom}");
}

#[test]
fn the_pull_prompt_and_the_pull_under_way_show_in_the_status_line() {
    use super::action::InputKey;
    let mut app = fixtures::app(100, 12);
    feed(&mut app, [Action::Pull]);
    feed(
        &mut app,
        "http://tempo:3200 5b8efff7"
            .chars()
            .map(|c| Action::Input(InputKey::Char(c))),
    );
    insta::assert_snapshot!("pull_prompt", draw(&app).backend());
    feed(&mut app, [Action::Input(InputKey::Submit)]);
    insta::assert_snapshot!("pull_running", draw(&app).backend());
    feed(
        &mut app,
        [Action::PullFinished(Err(
            "authentication failed (HTTP 401) at http://tempo:3200/api/echo: pass --token TOKEN"
                .into(),
        ))],
    );
    insta::assert_snapshot!("pull_failed", draw(&app).backend());
    // The URL alone asks for the id next, naming the URL without its password.
    feed(
        &mut app,
        [Action::Pull, Action::Input(InputKey::KillToStart)],
    );
    feed(
        &mut app,
        "https://me:s3cret@tempo:3200"
            .chars()
            .map(|c| Action::Input(InputKey::Char(c))),
    );
    feed(&mut app, [Action::Input(InputKey::Submit)]);
    let screen = text(draw(&app).backend().buffer());
    assert!(
        screen.contains("trace id to pull from https://tempo:3200: "),
        "{screen}"
    );
    assert!(!screen.contains("s3cret"), "{screen}");
}
