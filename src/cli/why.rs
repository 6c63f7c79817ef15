//! `fanout why`: from the final answer back to the batch that fed it, in plain words.

use super::{output, trace_arg, Cli};
use crate::exit::Exit;
use crate::export::{self, text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Trace id (a unique prefix, or the viewer's short form), or a trace file; the newest
    /// stored run when omitted.
    #[arg(value_name = "TRACE_ID|FILE")]
    pub trace: Option<String>,
    /// Print the report (with its why-path and suspects) as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let analyzed = trace_arg::load(cli, args.trace.as_deref())?;
    let report = export::trace_report(&analyzed, None)?;
    let mut out = output::open(None)?;
    if args.json {
        export::json::write(
            &export::Report {
                schema_version: export::SCHEMA_VERSION,
                traces: vec![report],
            },
            &mut out,
        )?;
    } else {
        text::write_why(&report, &mut out)?;
    }
    out.flush()?;
    Ok(Exit::Success)
}
