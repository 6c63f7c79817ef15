//! `fanout show`: one stored trace, as the run a user thinks of (`--spans` for the raw span tree).

use crate::units;
use std::collections::HashMap;

use std::io::Write as _;

use super::{db, output, trace_arg, Cli};
use crate::exit::Exit;
use crate::model::{Span, SpanId, Trace};
use crate::pipeline;
use crate::sanitize::sanitize_line;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Trace id (a unique prefix, or the viewer's short form), or a trace file; the newest
    /// stored run when omitted.
    #[arg(value_name = "TRACE_ID|FILE")]
    pub trace: Option<String>,
    /// Print the raw span tree with timings instead of the run.
    #[arg(long)]
    pub spans: bool,
    /// Print the run and its analysis as JSON (the documented report shape, docs/json-schema.md).
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let trace_arg::Resolved { store, id, .. } = trace_arg::resolve(cli, args.trace.as_deref())?;
    let Some(trace) = store.load_trace(id)? else {
        anyhow::bail!("trace {id} is not stored (see `fanout list`)");
    };
    if args.spans {
        let mut out = output::open(None)?;
        out.write_all(span_tree(&trace).as_bytes())?;
        out.flush()?;
        return Ok(Exit::Success);
    }
    let catalog = db::catalog(cli)?;
    let analyzed = pipeline::load_analyzed(&store, id, &catalog)?
        .ok_or_else(|| anyhow::anyhow!("trace {id} vanished"))?;
    let report = crate::export::trace_report(&analyzed, None)?;
    let mut out = output::open(None)?;
    if args.json {
        crate::export::json::write(
            &crate::export::Report {
                schema_version: crate::export::SCHEMA_VERSION,
                traces: vec![report],
            },
            &mut out,
        )?;
    } else {
        crate::export::text::write_show(&report, &mut out)?;
    }
    out.flush()?;
    Ok(Exit::Success)
}

/// The spans as an indented tree: offset from the trace start, duration, name. Spans whose parent
/// is not stored are shown as roots. Offsets are from the run's time origin (the first model or
/// tool call, as in the viewer and the exports), so a span that starts earlier reads `-…`.
pub fn span_tree(trace: &Trace) -> String {
    let ids: HashMap<SpanId, usize> = trace
        .spans
        .iter()
        .enumerate()
        .map(|(i, s)| (s.span_id, i))
        .collect();
    let mut children: HashMap<Option<SpanId>, Vec<&Span>> = HashMap::new();
    for s in &trace.spans {
        let parent = s.parent_span_id.filter(|p| ids.contains_key(p));
        children.entry(parent).or_default().push(s);
    }
    let run = crate::normalize::normalize(trace);
    let t0 = units::origin(&run)
        .or_else(|| trace.spans.iter().map(|s| s.start_unix_nano).min())
        .unwrap_or(0);
    let failed: std::collections::HashSet<SpanId> = run
        .tool_calls
        .iter()
        .filter(|c| c.status == crate::model::CallStatus::Error)
        .filter_map(|c| c.span_id)
        .chain(
            trace
                .spans
                .iter()
                .filter(|s| s.status.code == crate::model::StatusCode::Error)
                .map(|s| s.span_id),
        )
        .collect();
    let mut out = format!("trace {} ({} spans)\n", trace.trace_id, trace.spans.len());
    let mut stack: Vec<(&Span, usize)> = children
        .get(&None)
        .map(|v| v.iter().rev().map(|s| (*s, 0)).collect())
        .unwrap_or_default();
    while let Some((span, depth)) = stack.pop() {
        out.push_str(&format!(
            "{:>10} {:>9}  {}{}{}\n",
            units::offset(span.start_unix_nano, t0),
            units::duration(span.duration_nanos()),
            "  ".repeat(depth),
            sanitize_line(&span.name),
            if failed.contains(&span.span_id) {
                "  ✗ failed"
            } else {
                ""
            }
        ));
        if let Some(kids) = children.get(&Some(span.span_id)) {
            stack.extend(kids.iter().rev().map(|s| (*s, depth + 1)));
        }
    }
    out
}
