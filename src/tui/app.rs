//! The TUI's whole state, plain data: which screen is up, the trace list, the opened trace with
//! its selection, zoom and scroll, overlays and the status message. Only `update` changes it;
//! views read it for one frame.
//!
//! Geometry that scrolling depends on (the terminal size) is recorded here by `update` from
//! resize events, never discovered while drawing.

use ratatui::layout::Rect;

use crate::analysis::{FindingKind, Severity};
use crate::model::TraceId;

use super::source::TraceEntry;
use super::trace_model::{Item, TraceModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    List,
    Trace,
    /// Two runs side by side (`m` marks one, `D` compares).
    Diff,
}

/// The main view of the trace screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Timeline,
    Batch,
    Resources,
    Why,
}

impl View {
    pub fn label(self) -> &'static str {
        match self {
            Self::Timeline => "timeline",
            Self::Batch => "batch",
            Self::Resources => "resources",
            Self::Why => "why",
        }
    }
}

/// Which pane of the trace screen takes movement keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Main,
    Inspector,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadState {
    Loading,
    Ready,
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Newest,
    Slowest,
    MostFindings,
    Service,
}

impl SortKey {
    pub fn next(self) -> Self {
        match self {
            Self::Newest => Self::Slowest,
            Self::Slowest => Self::MostFindings,
            Self::MostFindings => Self::Service,
            Self::Service => Self::Newest,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Newest => "newest first",
            Self::Slowest => "slowest first",
            Self::MostFindings => "most findings first",
            Self::Service => "by service",
        }
    }
}

/// Which traces the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindingFilter {
    #[default]
    All,
    WithFindings,
    Kind(FindingKind),
}

impl FindingFilter {
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::WithFindings,
            Self::WithFindings => Self::Kind(FindingKind::SharedStateMutation),
            Self::Kind(FindingKind::SharedStateMutation) => {
                Self::Kind(FindingKind::ContextDependency)
            }
            Self::Kind(FindingKind::ContextDependency) => {
                Self::Kind(FindingKind::ExecutionTimingDependency)
            }
            Self::Kind(FindingKind::ExecutionTimingDependency) => Self::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all traces",
            Self::WithFindings => "only traces with findings",
            Self::Kind(k) => k.label(),
        }
    }

    pub fn accepts(self, e: &TraceEntry) -> bool {
        match self {
            Self::All => true,
            Self::WithFindings => e.summary.findings > 0,
            Self::Kind(k) => e.finding_kinds.contains(&k),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListState {
    pub load: LoadState,
    pub all: Vec<TraceEntry>,
    /// Indices into `all`, filtered and sorted.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub scroll: usize,
    pub sort: SortKey,
    pub filter: FindingFilter,
    pub query: String,
    /// The trace marked with `m`, compared with the next one `D` is pressed on.
    pub mark: Option<TraceId>,
}

impl Default for ListState {
    fn default() -> Self {
        Self {
            load: LoadState::Loading,
            all: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            scroll: 0,
            sort: SortKey::default(),
            filter: FindingFilter::default(),
            mark: None,
            query: String::new(),
        }
    }
}

impl ListState {
    pub fn selected_entry(&self) -> Option<&TraceEntry> {
        self.all.get(*self.visible.get(self.selected)?)
    }
}

/// The visible part of the time axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u64,
    pub span: u64,
}

/// What kind of text an inspector line holds, so the view can style it from the theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Heading,
    Field,
    Text,
    Json,
    Conflict,
    Error,
    Dim,
}

/// One line of the inspector, already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorLine {
    pub kind: LineKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InspectorState {
    /// Built by `update` when the selection changes.
    pub lines: Vec<InspectorLine>,
    pub scroll: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceScope {
    Batch,
    Trace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourcesState {
    pub scope: ResourceScope,
    pub row: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchState {
    pub query: String,
    pub matches: Vec<Item>,
    pub current: Option<usize>,
}

/// An opened trace and how the user is looking at it.
#[derive(Debug)]
pub struct TraceState {
    pub model: Box<TraceModel>,
    pub view: View,
    pub focus: Focus,
    pub inspector_shown: bool,
    pub selected: Item,
    /// The batch the batch view shows: the last batch the selection was in.
    pub batch: Option<usize>,
    /// First visible timeline row, as a position in [`TraceState::visible_rows`].
    pub scroll: usize,
    pub window: Window,
    pub conflicts_only: bool,
    pub finding: Option<usize>,
    /// Position on the why path (0 = the answer).
    pub why_step: Option<usize>,
    pub resources: ResourcesState,
    pub inspector: InspectorState,
    pub search: SearchState,
}

impl TraceState {
    pub fn new(model: Box<TraceModel>) -> Self {
        let length = model.axis.length;
        let batch = model.analysis().suspects.first().copied().or_else(|| {
            let run = model.run();
            run.batches
                .iter()
                .find(|b| b.is_parallel())
                .or(run.batches.first())
                .map(|b| b.index)
        });
        let selected = match model
            .rows
            .first()
            .and_then(|_| model.item_at(0, None, false))
        {
            Some(item) => item,
            None => Item::Answer,
        };
        Self {
            model,
            view: View::Timeline,
            focus: Focus::Main,
            inspector_shown: true,
            selected,
            batch,
            scroll: 0,
            window: Window {
                start: 0,
                span: length.max(1),
            },
            conflicts_only: false,
            finding: None,
            why_step: None,
            resources: ResourcesState {
                scope: ResourceScope::Batch,
                row: 0,
                column: 0,
            },
            inspector: InspectorState::default(),
            search: SearchState::default(),
        }
    }

    /// Number of timeline rows shown (all, or the conflicts-only subset).
    pub fn visible_len(&self) -> usize {
        if self.conflicts_only {
            self.model.conflict_rows.len()
        } else {
            self.model.rows.len()
        }
    }

    /// The model row at visible position `pos`.
    pub fn visible_row(&self, pos: usize) -> Option<usize> {
        if self.conflicts_only {
            self.model.conflict_rows.get(pos).copied()
        } else {
            (pos < self.model.rows.len()).then_some(pos)
        }
    }

    /// The visible position of a model row (`None` when filtered out).
    pub fn position_of_row(&self, row: usize) -> Option<usize> {
        if self.conflicts_only {
            self.model.conflict_rows.binary_search(&row).ok()
        } else {
            (row < self.model.rows.len()).then_some(row)
        }
    }

    pub fn selected_position(&self) -> Option<usize> {
        self.position_of_row(self.model.row_of(self.selected)?)
    }

    /// The matrix the resource view shows.
    pub fn matrix(&self) -> &super::matrix::ResourceMatrix {
        match (self.resources.scope, self.batch) {
            (ResourceScope::Batch, Some(b)) => self
                .model
                .batch_matrices
                .get(b)
                .unwrap_or(&self.model.trace_matrix),
            _ => &self.model.trace_matrix,
        }
    }

    pub fn worst_severity(&self) -> Option<Severity> {
        self.model.analysis().worst_severity()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptTarget {
    /// Filters the trace list as you type.
    ListFilter,
    /// Searches the open trace on Enter.
    TraceSearch,
    /// Asks where to export the current view; the extension picks the format.
    ExportPath(super::source::ExportScope),
    /// Asks for `URL TRACE_ID` to pull.
    Pull,
    /// Asks for the trace id once the URL is known ([`PullState::url`]).
    PullTraceId,
}

/// The viewer's pull prompt: the backend last named, and the pull under way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PullState {
    /// The URL typed last (offered again by the next prompt).
    pub url: Option<String>,
    /// The pull the worker is doing: `(short trace id, URL)`.
    pub running: Option<(String, String)>,
    /// The pulled trace being opened, its message shown again once it is.
    pub opening: Option<super::action::PullDone>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub target: PromptTarget,
    pub text: String,
    /// Byte offset of the cursor in `text` (always on a character boundary).
    pub cursor: usize,
}

impl Prompt {
    /// A prompt holding `text`, the cursor at its end.
    pub fn new(target: PromptTarget, text: String) -> Self {
        let cursor = text.len();
        Self {
            target,
            text,
            cursor,
        }
    }

    /// Applies one editing key, readline style: Ctrl-A/E home and end, Left/Right, Ctrl-U kills
    /// to the start, Ctrl-W kills the word before the cursor.
    pub fn edit(&mut self, key: super::action::InputKey) {
        use super::action::InputKey as K;
        let before =
            |t: &str, at: usize| t[..at].chars().next_back().map_or(0, |c| at - c.len_utf8());
        let after = |t: &str, at: usize| t[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        self.cursor = self.cursor.min(self.text.len());
        match key {
            K::Char(c) if !c.is_control() => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
            }
            K::Backspace if self.cursor > 0 => {
                let at = before(&self.text, self.cursor);
                self.text.replace_range(at..self.cursor, "");
                self.cursor = at;
            }
            K::Left => self.cursor = before(&self.text, self.cursor),
            K::Right => self.cursor = after(&self.text, self.cursor),
            K::Home => self.cursor = 0,
            K::End => self.cursor = self.text.len(),
            K::KillToStart => {
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
            }
            K::KillWord => {
                let head = &self.text[..self.cursor];
                let trimmed = head.trim_end();
                let start = trimmed.rfind(char::is_whitespace).map_or(0, |i| {
                    i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
                });
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

/// One line of the help screen: the keys and what the action does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    /// The action's name in the keymap (`open`, `next_batch`, ...).
    pub action: &'static str,
    pub keys: String,
    pub description: String,
}

/// Live capture (`--listen`, `--follow`): what has arrived, which traces are live, and whether
/// new traces open by themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveState {
    /// Where spans come from, for the header ("OTLP/HTTP on http://127.0.0.1:4318").
    pub source: String,
    pub spans: u64,
    pub exporters: usize,
    /// Traces that received spans since the viewer started, oldest first.
    pub traces: Vec<TraceId>,
    /// Open each new trace as it starts.
    pub follow: bool,
    /// The open trace is being reloaded because it grew (kept in place when it arrives).
    pub reloading: Option<TraceId>,
}

#[derive(Debug)]
pub struct App {
    pub screen: Screen,
    /// The terminal area, from the last resize.
    pub area: Rect,
    pub list: ListState,
    pub trace: Option<TraceState>,
    /// The trace being loaded, if any.
    pub loading: Option<TraceId>,
    pub prompt: Option<Prompt>,
    pub help: Option<usize>,
    pub help_lines: Vec<HelpLine>,
    pub notice: Option<Notice>,
    pub should_quit: bool,
    /// Set when the viewer receives or follows live traces.
    pub live: Option<LiveState>,
    /// The comparison the diff screen shows.
    pub diff: Option<DiffState>,
    /// Set by `r` until the new list arrives, so the status line can say what it found.
    pub reloading: bool,
    pub pull: PullState,
}

/// Two runs compared: `a` the earlier (or marked) one, `b` the other; the worker computed `diff`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffState {
    pub a: TraceId,
    pub b: TraceId,
    pub diff: crate::analysis::diff::RunDiff,
    /// First visible line.
    pub scroll: usize,
    /// The screen to return to.
    pub back: Screen,
}

impl App {
    pub fn new(area: Rect, help_lines: Vec<HelpLine>) -> Self {
        Self {
            screen: Screen::List,
            area,
            list: ListState::default(),
            trace: None,
            loading: None,
            prompt: None,
            help: None,
            help_lines,
            notice: None,
            should_quit: false,
            live: None,
            diff: None,
            reloading: false,
            pull: PullState::default(),
        }
    }

    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
    }
}
