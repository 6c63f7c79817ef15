//! `fanout sessions`: the coding-agent sessions on this machine, newest first, read from the
//! agents' own folders and analysed in memory (nothing is stored); `--open N` stores one and
//! opens it in the viewer, `--json` prints the list for scripts.
//!
//! Where each agent keeps its sessions (fact sheet, docs/agent-sessions.md): Claude Code in
//! `projects/` under `$CLAUDE_CONFIG_DIR` (comma-separated list allowed) or `~/.claude` and
//! `~/.config/claude`; Codex CLI in `sessions/` and `archived_sessions/` under `$CODEX_HOME` or
//! `~/.codex`; Gemini CLI in `tmp/<project>/chats/` under `~/.gemini` (the fact sheet names no
//! environment variable for it). Subagent transcripts are not listed on their own.

use crate::units;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::list::{clip, format_time};
use super::{output, Cli};
use crate::analysis::catalog::Catalog;
use crate::exit::Exit;
use crate::ingest::{OnInvalid, VecSink};
use crate::model::Trace;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "At a terminal the list is interactive: arrows or j/k select, Enter stores the session and opens it\nin the viewer, q quits. Piped or with --plain it prints a table.\n\nExamples:\n  fanout sessions               newest 20 sessions, pick one with Enter\n  fanout sessions --open 1      store the newest one and open it\n  fanout sessions --all --json  every session, for scripts"
)]
pub struct Args {
    /// Store session N of the list (1 = newest) and open it in the viewer.
    #[arg(long, value_name = "N")]
    pub open: Option<usize>,
    /// How many of the newest sessions to read (0 = all).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Read every session found (same as --limit 0).
    #[arg(long)]
    pub all: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    pub json: bool,
    /// Print the list as text even at a terminal (by default a terminal gets a list to pick
    /// from, where Enter opens the session).
    #[arg(long)]
    pub plain: bool,
}

/// One session of the list.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    pub index: usize,
    pub agent: &'static str,
    pub file: String,
    pub project: Option<String>,
    pub git_branch: Option<String>,
    pub version: Option<String>,
    pub start: Option<String>,
    pub start_unix_nano: Option<u64>,
    pub duration_nanos: Option<u64>,
    pub calls: usize,
    pub parallel_batches: usize,
    pub findings: usize,
    /// Why the session could not be read, if it could not.
    pub error: Option<String>,
}

/// A session file and the agent that wrote it.
#[derive(Debug, Clone)]
pub struct Found {
    pub agent: &'static str,
    pub path: PathBuf,
    pub modified: std::time::SystemTime,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Every agent data folder to look in, with the agent name and the sub-folders holding sessions.
fn roots() -> Vec<(&'static str, PathBuf)> {
    let mut out = Vec::new();
    let home = home();
    match std::env::var("CLAUDE_CONFIG_DIR") {
        Ok(dirs) if !dirs.trim().is_empty() => {
            for d in dirs.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                out.push(("claude-code", PathBuf::from(d).join("projects")));
            }
        }
        _ => {
            if let Some(h) = &home {
                out.push(("claude-code", h.join(".claude/projects")));
                out.push(("claude-code", h.join(".config/claude/projects")));
            }
        }
    }
    let codex = std::env::var_os("CODEX_HOME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".codex")));
    if let Some(c) = codex {
        out.push(("codex", c.join("sessions")));
        out.push(("codex", c.join("archived_sessions")));
    }
    if let Some(h) = &home {
        out.push(("gemini-cli", h.join(".gemini/tmp")));
    }
    out
}

/// Whether `path` (below an agent's root) is a session file of that agent to list.
fn is_session(agent: &str, path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let in_dir = |d: &str| path.components().any(|c| c.as_os_str() == d);
    match agent {
        "claude-code" => {
            name.ends_with(".jsonl") && !in_dir("subagents") && !name.starts_with("agent-")
        }
        "codex" => name.starts_with("rollout-") && name.ends_with(".jsonl"),
        "gemini-cli" => {
            in_dir("chats")
                && name.starts_with("session-")
                && (name.ends_with(".jsonl") || name.ends_with(".json"))
        }
        _ => false,
    }
}

/// The session files of every agent, newest first.
pub fn discover() -> Vec<Found> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (agent, root) in roots() {
        if !root.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&root)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if !entry.file_type().is_file() || !is_session(agent, path) {
                continue;
            }
            if !seen.insert(path.to_owned()) {
                continue;
            }
            let modified = entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .unwrap_or(std::time::UNIX_EPOCH);
            out.push(Found {
                agent,
                path: path.to_owned(),
                modified,
            });
        }
    }
    out.sort_by(|a, b| {
        b.modified
            .cmp(&a.modified)
            .then_with(|| a.path.cmp(&b.path))
    });
    out
}

/// Reads and analyses one session in memory.
fn summarize(index: usize, found: &Found, catalog: &Catalog) -> SessionRow {
    let mut row = SessionRow {
        index,
        agent: found.agent,
        file: found.path.display().to_string(),
        project: None,
        git_branch: None,
        version: None,
        start: None,
        start_unix_nano: None,
        duration_nanos: None,
        calls: 0,
        parallel_batches: 0,
        findings: 0,
        error: None,
    };
    let file = match std::fs::File::open(&found.path) {
        Ok(f) => f,
        Err(e) => {
            row.error = Some(format!("cannot read: {e}"));
            return row;
        }
    };
    let mut sink = VecSink::default();
    let name = found.path.display().to_string();
    if let Err(e) = crate::ingest::read_any(&name, file, None, OnInvalid::Skip, &mut sink) {
        row.error = Some(e.to_string());
        return row;
    }
    let Some(first) = sink.spans.first() else {
        row.error = Some("no spans".into());
        return row;
    };
    let root = first.clone();
    let trace = Trace::new(root.trace_id, sink.spans);
    let analyzed = crate::analysis::analyze_trace(&trace, catalog);
    row.project = root.attr_str("fanout.session.cwd").map(str::to_owned);
    row.git_branch = root
        .attr_str("fanout.session.git_branch")
        .map(str::to_owned);
    row.version = root.attr_str("fanout.agent.version").map(str::to_owned);
    if root.start_unix_nano > 0 {
        row.start_unix_nano = Some(root.start_unix_nano);
        row.start = Some(format_time(root.start_unix_nano));
        row.duration_nanos = Some(root.end_unix_nano.saturating_sub(root.start_unix_nano));
    }
    row.calls = analyzed.run.tool_calls.len();
    row.parallel_batches = analyzed
        .run
        .batches
        .iter()
        .filter(|b| b.is_parallel())
        .count();
    row.findings = analyzed.analysis.findings.len();
    row
}

/// The picker shows when a person is at a terminal and asked for neither JSON nor plain text.
fn interactive(args: &Args) -> bool {
    use std::io::IsTerminal as _;
    !args.json && !args.plain && std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

fn header_line() -> String {
    format!(
        "{:>3}  {:<11}  {:<36}  {:<19}  {:>9}  {:>5}  {:>8}  {:>8}",
        "#", "AGENT", "PROJECT", "START (UTC)", "DURATION", "CALLS", "PARALLEL", "FINDINGS"
    )
}

/// One session as a table line (the same in the picker and in plain output).
fn row_line(r: &SessionRow) -> String {
    let project = match (&r.project, &r.git_branch) {
        (Some(p), Some(b)) => format!("{p} ({b})"),
        (Some(p), None) => p.clone(),
        _ => "-".into(),
    };
    if let Some(e) = &r.error {
        return format!(
            "{:>3}  {:<11}  {}",
            r.index,
            r.agent,
            clip(&format!("{}: {e}", r.file), 100)
        );
    }
    format!(
        "{:>3}  {:<11}  {:<36}  {:<19}  {:>9}  {:>5}  {:>8}  {:>8}",
        r.index,
        r.agent,
        clip(&project, 36),
        r.start.clone().unwrap_or_else(|| "untimed".into()),
        r.duration_nanos
            .map(units::duration)
            .unwrap_or_else(|| "-".into()),
        r.calls,
        r.parallel_batches,
        r.findings
    )
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let found = discover();
    if let Some(n) = args.open {
        let Some(session) = n.checked_sub(1).and_then(|i| found.get(i)) else {
            anyhow::bail!(
                "no session {n}: {} session(s) found (`fanout sessions` lists them)",
                found.len()
            );
        };
        return super::view::open_files(cli, std::slice::from_ref(&session.path));
    }
    let catalog = super::db::catalog(cli)?;
    let limit = if args.all || args.limit == 0 {
        found.len()
    } else {
        args.limit
    };
    let rows: Vec<SessionRow> = found
        .iter()
        .take(limit)
        .enumerate()
        .map(|(i, f)| summarize(i + 1, f, &catalog))
        .collect();
    let mut out = output::open(None)?;
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(Exit::Success);
    }
    if rows.is_empty() {
        eprintln!(
            "no coding-agent sessions found (looked in: {})",
            roots()
                .iter()
                .map(|(_, r)| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(Exit::Success);
    }
    if interactive(args) {
        let picker = crate::tui::picker::Picker::new(
            "coding-agent sessions (Enter opens one)",
            &header_line(),
            rows.iter().map(row_line).collect(),
        );
        return match crate::tui::picker::run(picker)? {
            crate::tui::picker::Outcome::Chosen(i) => {
                let path = PathBuf::from(&rows[i].file);
                super::view::open_files(cli, std::slice::from_ref(&path))
            }
            crate::tui::picker::Outcome::Quit => Ok(Exit::Success),
        };
    }
    writeln!(out, "{}", header_line())?;
    for r in &rows {
        writeln!(out, "{}", row_line(r))?;
    }
    if found.len() > rows.len() {
        writeln!(
            out,
            "… {} older session(s) not read (--all reads them)",
            found.len() - rows.len()
        )?;
    }
    writeln!(out, "open one: fanout sessions --open N")?;
    out.flush()?;
    Ok(Exit::Success)
}
