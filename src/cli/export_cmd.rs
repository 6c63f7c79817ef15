//! `fanout export`: the annotated timeline of one trace as Perfetto, SVG, Markdown or JSON.

use std::path::PathBuf;

use super::{output, trace_arg, Cli};
use crate::exit::Exit;
use crate::export::{self, ExportFormat};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  fanout export 5b8e --format perfetto -o run.json   open in ui.perfetto.dev\n  \
fanout export 5b8e --format svg -o run.svg\n  fanout export 5b8e --batch b2 --format md        for a pull request\n\n\
Every format carries the same annotations: batches, siblings, resources, findings, the suspect batch and latency."
)]
pub struct Args {
    /// Trace id, or a unique prefix of it (see `fanout list`).
    #[arg(value_name = "TRACE_ID")]
    pub trace: String,
    /// Output format.
    #[arg(long, short, value_enum)]
    pub format: ExportFormat,
    /// Only this batch (`b1`, `b2`, ... as `fanout show` lists them).
    #[arg(long, value_name = "ID")]
    pub batch: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let analyzed = trace_arg::load(cli, &args.trace)?;
    let mut out = output::open(args.output.as_deref())?;
    export::export(&analyzed, args.batch.as_deref(), args.format, &mut out)?;
    out.flush()?;
    if let Some(path) = &args.output {
        eprintln!(
            "wrote {} ({})",
            crate::sanitize::sanitize_line(&path.display().to_string()),
            args.format.as_str()
        );
    }
    Ok(Exit::Success)
}
