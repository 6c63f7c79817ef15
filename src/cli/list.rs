//! `fanout list`: the stored traces, newest first.

use crate::units;
use serde::Serialize;

use std::io::Write as _;

use super::{db, output, Cli};
use crate::exit::Exit;
use crate::pipeline;
use crate::sanitize::sanitize_line;
use crate::store::TraceSummary;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON (an array of trace summaries) for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    #[serde(flatten)]
    summary: &'a TraceSummary,
    start: Option<String>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let store = db::open_existing(cli)?;
    let listed = pipeline::current_summaries(&store, &db::catalog(cli)?)?;
    let rows = listed.rows;
    // A damaged trace is named and left out of nothing else; the exit code says it happened.
    let done = if listed.damaged.is_empty() {
        Exit::Success
    } else {
        for (id, why) in &listed.damaged {
            eprintln!("error: trace {id} cannot be read: {}", sanitize_line(why));
        }
        Exit::Error
    };
    if args.json {
        let json: Vec<JsonRow> = rows
            .iter()
            .map(|s| JsonRow {
                summary: s,
                start: s.start_unix_nano.map(format_time),
            })
            .collect();
        let mut out = output::open(None)?;
        crate::export::safe_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(done);
    }
    if rows.is_empty() {
        eprintln!("no traces stored yet: `fanout ingest FILE`");
        return Ok(done);
    }
    let mut out = output::open(None)?;
    writeln!(
        out,
        "{:<32}  {:<18}  {:<24}  {:<19}  {:>9}  {:>5}  {:>5}  {:>5}  {:>7}  FINDINGS",
        "TRACE",
        "SERVICE",
        "ROOT SPAN",
        "START (UTC)",
        "DURATION",
        "SPANS",
        "MODEL",
        "TOOLS",
        "BATCHES"
    )?;
    for s in &rows {
        writeln!(
            out,
            "{:<32}  {:<18}  {:<24}  {:<19}  {:>9}  {:>5}  {:>5}  {:>5}  {:>7}  {}",
            s.trace_id,
            clip(s.service.as_deref().unwrap_or("-"), 18),
            clip(s.root_name.as_deref().unwrap_or("-"), 24),
            s.start_unix_nano
                .map(format_time)
                .unwrap_or_else(|| "untimed".into()),
            s.duration_nanos
                .map(units::duration)
                .unwrap_or_else(|| "-".into()),
            s.span_count,
            s.model_calls,
            s.tool_calls,
            format!("{}/{}", s.parallel_batches, s.batches),
            match s.worst_severity {
                Some(sev) => format!("{} ({})", s.findings, sev.as_str()),
                None => "-".into(),
            }
        )?;
    }
    out.flush()?;
    Ok(done)
}

/// Keeps a cell on one line and within `width` characters.
pub fn clip(s: &str, width: usize) -> String {
    let s = sanitize_line(s);
    if s.chars().count() <= width {
        return s.into_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `2026-11-20 09:00:00` in UTC.
pub fn format_time(nanos: u64) -> String {
    let secs = i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX);
    // Written field by field: a format string would be parsed again for every row.
    use chrono::{Datelike, Timelike};
    chrono::DateTime::from_timestamp(secs, (nanos % 1_000_000_000) as u32)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|| "-".into())
}
