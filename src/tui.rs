//! The terminal UI: the trace list, the timeline of model calls and parallel batches as
//! swimlanes, the batch, resource and why views, and the inspector.
//!
//! The loop is event → action → update → render:
//!
//! ```text
//! crossterm events (input thread) ─┐
//! worker replies (worker thread) ──┴─> Msg ─> Action ─> update(&mut App) ─> Vec<Effect> ─> worker
//!                                                          └─> dirty? ─> draw: views::render(&App)
//! ```
//!
//! All queued messages are handled before one redraw. The worker thread owns the data source
//! (the store, analysis); the UI thread never touches SQLite, analysis or the clock, and drawing
//! is a pure function of [`app::App`]. The terminal is restored on quit, on error (drop guard)
//! and on panic (hook installed by `ratatui::try_init`, plus one that releases the mouse).

pub mod action;
pub mod app;
mod handoff;
pub mod keymap;
pub(crate) mod live;
pub(crate) mod matrix;
pub(crate) mod picker;
pub(crate) mod sanitize;
pub mod source;
pub mod theme;
pub mod trace_model;
pub mod update;
pub mod views;
pub(crate) mod widgets;
pub(crate) mod worker;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::layout::Rect;
use ratatui::{DefaultTerminal, Terminal};

use crate::analysis::Catalog;
use crate::model::TraceId;

use action::{Action, Effect, Msg};
use app::{App, Level};
use keymap::Keymap;
use source::TraceSource;
pub use theme::ThemeName;
use theme::{ColorMode, Theme};
use worker::{Request, Worker};

/// How the CLI opens the TUI.
#[derive(Debug, Clone, PartialEq)]
pub struct TuiOptions {
    /// The database to read.
    pub db: PathBuf,
    /// A trace to open straight away (e.g. the one just ingested by `fanout FILE`).
    pub open: Option<TraceId>,
    pub theme: ThemeName,
    /// The user's keymap file; a missing file means defaults.
    pub keymap: Option<PathBuf>,
    /// The user's tool catalog, used when traces are analysed on load.
    pub catalog: Catalog,
    /// Receive spans (`--listen`) or follow a file (`--follow`) while the viewer runs.
    pub live: Option<crate::serve::ServeConfig>,
}

/// Opens the store at `opts.db` and runs the TUI on it until the user quits. The terminal is
/// restored however it ends.
pub fn run(opts: TuiOptions) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel();
    // The receiver first: it creates the database when there is none yet.
    let feed = match opts.live.clone() {
        Some(config) => Some(live::LiveFeed::start(config, tx.clone())?),
        None => None,
    };
    let source = source::StoreSource::open(&opts.db, opts.catalog.clone())?;
    let live = feed.as_ref().map(|f| f.source.clone());
    let result = run_with_channel(&opts, Box::new(source), tx, rx, live);
    let stopped = feed.map_or(Ok(()), live::LiveFeed::stop);
    result.and(stopped)
}

/// Runs the TUI on any data source until the user quits.
pub fn run_with_source(opts: &TuiOptions, source: Box<dyn TraceSource>) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel();
    run_with_channel(opts, source, tx, rx, None)
}

/// Runs the TUI with a channel other threads (a live feed) may also send on. `live` names the
/// live source, if any.
fn run_with_channel(
    opts: &TuiOptions,
    source: Box<dyn TraceSource>,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    live: Option<String>,
) -> anyhow::Result<()> {
    let (keymap, problems) = Keymap::load(opts.keymap.as_deref());
    let colors = ColorMode::from_env_value(std::env::var_os("NO_COLOR").as_deref());
    let theme = Theme::new(opts.theme, colors);

    let worker = Worker::spawn(source, tx.clone()).context("cannot start the worker thread")?;
    let mut guard = TerminalGuard::enter()?;
    let stop = Arc::new(AtomicBool::new(false));
    let paused = Arc::new(AtomicBool::new(false));
    let notices = tx.clone();
    let input = spawn_input(tx, Arc::clone(&stop), Arc::clone(&paused))?;
    let repaint = AtomicBool::new(false);

    let size = guard
        .terminal
        .size()
        .context("cannot read the terminal size")?;
    let mut app = App::new(
        Rect::new(0, 0, size.width, size.height),
        keymap.help_lines(),
    );
    if !problems.is_empty() {
        app.notify(Level::Warn, format!("keymap: {}", problems.join("; ")));
    }
    if let Some(source) = live {
        app.live = Some(app::LiveState {
            source,
            ..Default::default()
        });
    }
    let mut first = vec![Effect::LoadSummaries];
    if let Some(id) = opts.open {
        app.loading = Some(id);
        first.push(Effect::LoadTrace(id));
    }
    let result = run_loop(
        &mut guard.terminal,
        &mut app,
        &keymap,
        &theme,
        &rx,
        first,
        &repaint,
        |e| match e {
            Effect::Copy(text) => {
                if let Err(e) = handoff::copy(&text) {
                    let _ = notices.send(Msg::Action(Action::Notice(format!("copy failed: {e}"))));
                }
            }
            Effect::Page(text) => {
                if let Err(e) = handoff::page(&text, &paused) {
                    let _ = notices.send(Msg::Action(Action::Notice(format!("{e:#}"))));
                }
                repaint.store(true, Ordering::SeqCst);
            }
            other => worker.send(to_request(other)),
        },
    );
    stop.store(true, Ordering::Relaxed);
    let _ = input.join();
    drop(guard);
    result
}

fn to_request(effect: Effect) -> Request {
    match effect {
        Effect::LoadSummaries => Request::Summaries,
        Effect::LoadTrace(id) => Request::Load(id),
        Effect::Export(req) => Request::Export(req),
        Effect::LoadDiff(a, b) => Request::Diff(a, b),
        Effect::Pull(req) => Request::Pull(req),
        // Handled by the loop (`run_with_channel`), never sent to the worker.
        Effect::Copy(_) | Effect::Page(_) => Request::Summaries,
    }
}

/// The loop, generic over the backend and fed by a channel, so tests run it on a `TestBackend`
/// with scripted events. Returns when the user quits or every sender is gone.
#[allow(clippy::too_many_arguments)]
pub fn run_loop<B>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    keymap: &Keymap,
    theme: &Theme,
    rx: &Receiver<Msg>,
    first: Vec<Effect>,
    repaint: &AtomicBool,
    mut dispatch: impl FnMut(Effect),
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
{
    first.into_iter().for_each(&mut dispatch);
    let draw = |terminal: &mut Terminal<B>, app: &App| -> anyhow::Result<()> {
        terminal
            .draw(|f| views::render(app, theme, f))
            .map_err(anyhow::Error::new)?;
        Ok(())
    };
    draw(terminal, app)?;
    while let Ok(msg) = rx.recv() {
        let mut dirty = handle(app, keymap, msg, &mut dispatch);
        while !app.should_quit {
            match rx.try_recv() {
                Ok(msg) => dirty |= handle(app, keymap, msg, &mut dispatch),
                Err(_) => break,
            }
        }
        if app.should_quit {
            break;
        }
        if repaint.swap(false, Ordering::SeqCst) {
            // Back from the pager: the screen holds whatever it drew.
            terminal.clear().map_err(anyhow::Error::new)?;
            dirty = true;
        }
        if dirty {
            draw(terminal, app)?;
        }
    }
    Ok(())
}

/// Turns one message into an action and applies it; returns whether anything may have changed.
fn handle(app: &mut App, keymap: &Keymap, msg: Msg, dispatch: &mut impl FnMut(Effect)) -> bool {
    let action = match msg {
        Msg::Action(a) => Some(a),
        Msg::Terminal(Event::Key(k)) => keymap::key_action(app, keymap, k),
        Msg::Terminal(Event::Mouse(m)) => keymap::mouse_action(m),
        Msg::Terminal(Event::Resize(width, height)) => Some(Action::Resize { width, height }),
        Msg::Terminal(_) => None,
    };
    let Some(action) = action else { return false };
    update::update(app, action).into_iter().for_each(dispatch);
    true
}

/// Reads terminal events on a thread of its own until `stop` is set or the loop is gone.
fn spawn_input(
    tx: Sender<Msg>,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("fanout-input".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                // The pager owns the keyboard meanwhile.
                if paused.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                match event::poll(Duration::from_millis(100)) {
                    Ok(true) => match event::read() {
                        Ok(e) => {
                            if tx.send(Msg::Terminal(e)).is_err() {
                                return;
                            }
                        }
                        Err(_) => return,
                    },
                    Ok(false) => {}
                    Err(_) => return,
                }
            }
        })
}

/// Raw mode, alternate screen and mouse capture for as long as it lives; restores the terminal
/// when dropped (quit and error paths). Panics are covered by the hooks `enter` installs.
struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    fn enter() -> anyhow::Result<Self> {
        // Installed first so that ratatui's hook (restore, then call this one) runs before it.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(std::io::stdout(), DisableMouseCapture);
            previous(info);
        }));
        let terminal = match ratatui::try_init() {
            Ok(t) => t,
            Err(e) => {
                ratatui::restore();
                return Err(e).context("cannot set up the terminal");
            }
        };
        // A panic on the worker thread is caught there and shown as a failed load; it must not
        // restore the terminal (or print over it) while the UI goes on.
        let restore_and_report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(worker::THREAD_NAME) {
                restore_and_report(info);
            }
        }));
        let guard = Self { terminal };
        execute!(std::io::stdout(), EnableMouseCapture).context("cannot enable the mouse")?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}
