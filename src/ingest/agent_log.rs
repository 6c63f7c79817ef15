//! Coding-agent session logs (Claude Code transcripts, Codex CLI rollouts, Gemini CLI chat
//! logs) turned into synthetic GenAI spans.
//!
//! Owns what the three readers share: the agent-neutral [`Session`] every reader reduces its
//! file to (metadata, then inputs, model responses with their tool calls, and results joined by
//! call id), reading JSON Lines leniently, line timestamps, detection from content, and the
//! error a file gets when it looks like a known agent's log that this reader cannot read.
//! Spans are built in `agent_log/spans.rs`; each agent's format is one file. The formats are
//! internal to each agent and drift between versions (docs/agent-sessions.md).

pub mod claude_code;
pub mod codex;
pub mod gemini;
mod spans;

use serde_json::Value;

use super::synth::Part;
use super::{Format, IngestError, Location, OnInvalid, ReadError, ReadStats, Sink};

/// Which coding agent wrote a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    ClaudeCode,
    Codex,
    Gemini,
}

impl Agent {
    /// Stable short name, used as `service.name` and `gen_ai.agent.name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClaudeCode => "claude-code",
            Self::Codex => "codex",
            Self::Gemini => "gemini-cli",
        }
    }

    /// Name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::ClaudeCode => "Claude Code",
            Self::Codex => "Codex CLI",
            Self::Gemini => "Gemini CLI",
        }
    }

    pub fn format(self) -> Format {
        match self {
            Self::ClaudeCode => Format::ClaudeCode,
            Self::Codex => Format::CodexCli,
            Self::Gemini => Format::GeminiCli,
        }
    }
}

/// A subagent's log: which agent it is and the call that started it, when the log says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sidechain {
    pub agent_id: Option<String>,
    pub parent_session: Option<String>,
    pub parent_call_id: Option<String>,
}

/// One session as every reader reduces it.
#[derive(Debug, Clone)]
pub struct Session {
    pub agent: Agent,
    pub version: Option<String>,
    pub session_id: Option<String>,
    /// Project folder (working directory at the start).
    pub cwd: Option<String>,
    pub git_branch: Option<String>,
    pub model: Option<String>,
    pub sidechain: Option<Sidechain>,
    /// True when the line timestamps bracket each call (emitted .. result written). Gemini
    /// stamps every call of a batch at the batch end, so its times are not kept.
    pub timed: bool,
    pub steps: Vec<Step>,
}

impl Session {
    pub fn new(agent: Agent) -> Self {
        Self {
            agent,
            version: None,
            session_id: None,
            cwd: None,
            git_branch: None,
            model: None,
            sidechain: None,
            timed: true,
            steps: Vec::new(),
        }
    }
}

/// A tool call the model emitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: String,
    pub name: String,
    pub arguments: Value,
    /// Time of the line that recorded the call (Unix ns).
    pub at: Option<u64>,
    /// Working directory the call runs in (turn cwd, or the call's own `workdir`).
    pub cwd: Option<String>,
}

/// One model response: its text and reasoning, and its tool calls (the batch).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub model: Option<String>,
    /// Text and reasoning parts with their block order key.
    pub parts: Vec<(u64, Part)>,
    pub calls: Vec<(u64, Call)>,
    /// When the request started (time of the line before it), and the last block's line time.
    pub start: Option<u64>,
    pub end: Option<u64>,
    pub finish_reason: Option<String>,
    /// The verbatim lines of the response.
    pub record: String,
}

/// What a session records, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A message the model reads next (user prompt, harness notice, compaction marker).
    Input {
        role: String,
        text: String,
        at: Option<u64>,
    },
    Response(Response),
    /// The result of a call, joined by id.
    Result {
        call_id: String,
        content: Value,
        /// `None` for success; else the `error.type` (`tool_error`, `cancelled_by_sibling`...).
        error: Option<String>,
        at: Option<u64>,
        record: String,
        /// A subagent this call started (Claude Code `Agent`/`Task`).
        subagent: Option<String>,
    },
}

/// A line of a JSON Lines log with its 1-based number and verbatim text.
pub struct Line<'a> {
    pub number: usize,
    pub raw: &'a str,
    pub value: Value,
}

/// Splits `text` into JSON lines. A line that is not JSON is reported, except a last line with
/// no newline after it (a log being written: its tail may be cut).
pub(crate) fn json_lines<'a>(
    text: &'a str,
    mut bad: impl FnMut(usize, String) -> Result<(), ReadError>,
) -> Result<Vec<Line<'a>>, ReadError> {
    let mut out = Vec::new();
    let ends_with_newline = text.ends_with('\n');
    let count = text.split('\n').count();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(raw) {
            Ok(value) => out.push(Line {
                number: i + 1,
                raw,
                value,
            }),
            Err(_) if i + 1 == count && !ends_with_newline => {}
            Err(e) => bad(i + 1, format!("not valid JSON: {e}"))?,
        }
    }
    Ok(out)
}

/// An ISO-8601 / RFC 3339 timestamp as Unix nanoseconds.
pub fn parse_time(value: Option<&Value>) -> Option<u64> {
    let text = value?.as_str()?;
    let t = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    u64::try_from(t.timestamp_nanos_opt()?).ok()
}

pub(crate) fn str_of<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// Which agent's log `text` (a whole input or its first bytes) is, if any. Looks at the whole
/// document, or at the first 50 JSON lines.
pub fn detect(text: &str) -> Option<Format> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    if let Ok(doc) = serde_json::from_str::<Value>(text) {
        if claude_code::sniff_document(&doc) {
            return Some(Format::ClaudeCode);
        }
        if gemini::sniff_document(&doc) {
            return Some(Format::GeminiCli);
        }
        if !doc.is_object() {
            return None;
        }
    }
    let lines: Vec<Value> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(50)
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    if lines.iter().any(codex::sniff_line) || codex::sniff_unenveloped(&lines) {
        Some(Format::CodexCli)
    } else if lines.iter().any(claude_code::sniff_line) {
        Some(Format::ClaudeCode)
    } else if lines.first().is_some_and(gemini::sniff_line) {
        Some(Format::GeminiCli)
    } else if lines.is_empty() {
        // A first line longer than the detection window (a large tool result): its start.
        long_first_line(text)
    } else {
        None
    }
}

/// Recognises a log whose first line is cut by the detection window, by that line's start.
fn long_first_line(text: &str) -> Option<Format> {
    let first = text.lines().next()?;
    let start: String = first.chars().take(4096).collect();
    let has = |k: &str| start.contains(k);
    if has("\"type\":\"session_meta\"") && has("\"payload\"") {
        Some(Format::CodexCli)
    } else if has("\"sessionId\"")
        && [
            "\"type\":\"user\"",
            "\"type\":\"assistant\"",
            "\"type\":\"summary\"",
        ]
        .iter()
        .any(|t| has(t))
    {
        Some(Format::ClaudeCode)
    } else {
        None
    }
}

/// Reads an agent log of `format` from `bytes` into `sink`.
pub fn read(
    format: Format,
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = Location::Offset(e.valid_up_to() as u64);
            return Err(IngestError::new(file, at, None, "agent log is not UTF-8 text").into());
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut skipped = Vec::new();
    let mut bad = |line: usize, message: String| -> Result<(), ReadError> {
        let error = IngestError::new(file, Location::Line(line), None, message);
        match on_invalid {
            OnInvalid::Fail => Err(error.into()),
            OnInvalid::Skip => {
                skipped.push(error);
                Ok(())
            }
        }
    };
    let parsed = match format {
        Format::ClaudeCode => claude_code::read(file, text, &mut bad)?,
        Format::CodexCli => codex::read(text, &mut bad)?,
        Format::GeminiCli => gemini::read(text, &mut bad)?,
        _ => return Err(IngestError::new(file, Location::Whole, None, "not an agent log").into()),
    };
    let (session, records) = parsed;
    if records > 0
        && !session
            .steps
            .iter()
            .any(|s| !matches!(s, Step::Input { .. }))
    {
        // Lines of a known agent, but no response or result this reader could read.
        if session.steps.is_empty() {
            let version = session.version.as_deref().unwrap_or("unknown version");
            return Err(IngestError::new(
                file,
                Location::Whole,
                None,
                format!(
                    "{} log ({version}): {records} lines, but none holds a message this reader \
                     understands; this version's layout is not supported (see docs/agent-sessions.md)",
                    session.agent.label()
                ),
            )
            .into());
        }
    }
    let spans = spans::build(file, text, &session);
    let stats = ReadStats {
        records,
        spans: spans.len(),
        skipped: skipped.len(),
    };
    for error in skipped {
        sink.skipped(error);
    }
    sink.spans(spans).map_err(|source| ReadError::Sink {
        file: file.to_owned(),
        source,
    })?;
    Ok(stats)
}

/// Names what a reader could not read on a line of a known agent's log, with the version.
pub(crate) fn unreadable(session: &Session, what: &str) -> String {
    format!(
        "{} log ({}): {what}",
        session.agent.label(),
        session.version.as_deref().unwrap_or("unknown version")
    )
}
