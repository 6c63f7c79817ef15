//! Everything the app can be asked to do, in one vocabulary shared by the keymap file and the
//! code: user intents (imperative: `MoveDown`, `ZoomIn`) and results from the worker (past tense:
//! `TraceLoaded`). Only [`update`](super::update::update) acts on them.
//!
//! Intents deserialize from snake_case names (`move_down`), which is what `assets/keymap.toml`
//! binds keys to; internal variants are skipped so a keymap cannot fake a worker reply.

use serde::Deserialize;

use crate::model::TraceId;

use super::source::{ExportRequest, TraceEntry};
use super::trace_model::TraceModel;

/// A key typed while a text prompt (search) is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKey {
    Char(char),
    Backspace,
    Submit,
    Cancel,
    /// Cursor one character left / right.
    Left,
    Right,
    /// Ctrl-A / Ctrl-E (and Home / End).
    Home,
    End,
    /// Ctrl-U: delete from the start of the line to the cursor.
    KillToStart,
    /// Ctrl-W: delete the word before the cursor.
    KillWord,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    MoveUp,
    MoveDown,
    MoveLeft,
    MoveRight,
    PageUp,
    PageDown,
    First,
    Last,
    /// Open the selected trace, batch or call.
    Open,
    /// Close the overlay, leave the pane or view, back to the list.
    Back,
    NextPane,
    Search,
    NextMatch,
    PrevMatch,
    PrevBatch,
    NextBatch,
    PrevFinding,
    NextFinding,
    ToggleConflictsOnly,
    JumpToAnswer,
    StepBack,
    StepForward,
    ZoomIn,
    ZoomOut,
    ZoomReset,
    PanLeft,
    PanRight,
    ShowTimeline,
    ShowBatch,
    ShowResources,
    ShowWhy,
    ToggleInspector,
    ToggleScope,
    CycleSort,
    CycleFindingFilter,
    /// Read the trace list (and the open trace) again: another process may have ingested.
    Reload,
    /// Another writer (a receiver, an ingest, another machine) stored something in the
    /// database the viewer reads.
    DatabaseChanged,
    Export,
    Help,
    /// Live capture: open each new trace as it starts (or stop doing so).
    ToggleFollow,
    /// Copy the selected id or value to the clipboard.
    Copy,
    /// Open the selected call's arguments and result (or the inspector text) in `$PAGER`.
    Page,
    /// Mark the selected trace to compare with another.
    Mark,
    /// Compare the selected trace with the marked one, or with the previous run of its service.
    Diff,
    /// Ask for `URL TRACE_ID` and pull that trace from Tempo, Jaeger or Phoenix.
    Pull,

    // ---- not bindable: terminal and worker events ----
    #[serde(skip)]
    Resize {
        width: u16,
        height: u16,
    },
    #[serde(skip)]
    Click {
        column: u16,
        row: u16,
    },
    #[serde(skip)]
    ScrollUp {
        column: u16,
        row: u16,
    },
    #[serde(skip)]
    ScrollDown {
        column: u16,
        row: u16,
    },
    #[serde(skip)]
    Input(InputKey),
    #[serde(skip)]
    SummariesLoaded(Vec<TraceEntry>),
    #[serde(skip)]
    SummariesFailed(String),
    #[serde(skip)]
    TraceLoaded(Box<TraceModel>),
    #[serde(skip)]
    LoadFailed {
        id: TraceId,
        message: String,
    },
    #[serde(skip)]
    ExportFinished(Result<String, String>),
    /// Live capture: spans arrived and these traces changed (stored, or their analysis refreshed).
    #[serde(skip)]
    Live(LiveUpdate),
    #[serde(skip)]
    DiffLoaded(Box<super::app::DiffState>),
    #[serde(skip)]
    DiffFailed(String),
    /// A message from the loop (a copy or the pager that failed).
    #[serde(skip)]
    Notice(String),
    /// The worker pulled a trace into the database (or says why not).
    #[serde(skip)]
    PullFinished(Result<PullDone, String>),
}

/// A trace the worker pulled and stored: its id and a line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullDone {
    pub id: TraceId,
    pub message: String,
}

/// What the receiver (or a followed file) reports to the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveUpdate {
    /// Traces that received spans or whose analysis was refreshed, oldest first.
    pub traces: Vec<TraceId>,
    /// Spans received so far.
    pub spans: u64,
    /// Distinct exporters seen so far.
    pub exporters: usize,
}

impl Action {
    /// One line for the help screen; `None` for internal actions.
    pub fn describe(&self) -> Option<&'static str> {
        Some(match self {
            Self::Quit => "quit",
            Self::MoveUp => "move up",
            Self::MoveDown => "move down",
            Self::MoveLeft => "previous call in the lane / column",
            Self::MoveRight => "next call in the lane / column",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::First => "first row",
            Self::Last => "last row",
            Self::Open => "open the selected trace, batch or call",
            Self::Back => "back: close overlay, leave pane, return to the list",
            Self::NextPane => "next pane (main view / inspector)",
            Self::Search => "search",
            Self::NextMatch => "next match",
            Self::PrevMatch => "previous match",
            Self::PrevBatch => "previous batch",
            Self::NextBatch => "next batch",
            Self::PrevFinding => "previous finding",
            Self::NextFinding => "next finding",
            Self::ToggleConflictsOnly => "show only calls involved in findings",
            Self::JumpToAnswer => "jump to the final answer",
            Self::StepBack => "step back from the answer toward its batch",
            Self::StepForward => "step forward toward the answer",
            Self::ZoomIn => "zoom in (around the selection)",
            Self::ZoomOut => "zoom out",
            Self::ZoomReset => "show the whole run",
            Self::PanLeft => "pan earlier in time",
            Self::PanRight => "pan later in time",
            Self::ShowTimeline => "timeline view",
            Self::ShowBatch => "batch view",
            Self::ShowResources => "resource view",
            Self::ShowWhy => "why view",
            Self::ToggleInspector => "show / hide the inspector",
            Self::ToggleScope => "resources: batch or whole trace",
            Self::CycleSort => "trace list: change sort",
            Self::CycleFindingFilter => "trace list: filter by finding",
            Self::Reload => "reload traces from the database",
            Self::Export => "export this view (.md .svg .json .perfetto.json)",
            Self::Help => "help",
            Self::ToggleFollow => "live: open each new trace as it arrives (on/off)",
            Self::Mark => "trace list: mark this trace to compare",
            Self::Copy => "copy the selected id (or the answer) to the clipboard",
            Self::Page => "open the selected value in $PAGER",
            Self::Diff => "compare with the marked trace, or the previous run of this service",
            Self::Pull => "pull a trace by id from Tempo, Jaeger or Phoenix (URL TRACE_ID)",
            _ => return None,
        })
    }
}

/// What `update` asks the outside world to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadSummaries,
    LoadTrace(TraceId),
    Export(ExportRequest),
    /// Load two traces and compare them (A, B).
    LoadDiff(TraceId, TraceId),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Show text in `$PAGER`, the viewer suspended.
    Page(String),
    /// Fetch a trace from a tracing backend, store it and report the id.
    Pull(PullRequest),
}

/// What the pull prompt asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub url: String,
    /// Normalized: 32 lower-case hex digits.
    pub trace_id: String,
}

/// What the UI loop receives: terminal events and the worker's answers.
#[derive(Debug)]
pub enum Msg {
    Terminal(ratatui::crossterm::event::Event),
    Action(Action),
}
