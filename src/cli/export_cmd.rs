//! `fanout export`: the annotated timeline of one trace as Perfetto, SVG, Markdown or JSON.

use std::path::PathBuf;

use super::{output, trace_arg, Cli};
use crate::exit::Exit;
use crate::export::{self, ExportFormat};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  fanout export 5b8e --format perfetto -o run.json   open in ui.perfetto.dev\n  \
fanout export 5b8e -o run.svg                      the extension picks the format\n  \
fanout export trace.otlp.json -o run.md            a file works like an id (read in memory)\n  fanout export 5b8e --batch b2 --format md        for a pull request\n\n\
Every format carries the same annotations: batches, siblings, resources, findings, the suspect batch and latency."
)]
pub struct Args {
    /// Trace id (a unique prefix, or the viewer's short form), or a trace file; the newest
    /// stored run when omitted.
    #[arg(value_name = "TRACE_ID|FILE")]
    pub trace: Option<String>,
    /// Output format (default: from the -o file name: .perfetto.json, .json, .svg, .md).
    #[arg(long, short, value_enum)]
    pub format: Option<ExportFormat>,
    /// Only this batch (`b1`, `b2`, ... as `fanout show` lists them).
    #[arg(long, value_name = "ID")]
    pub batch: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => ExportFormat::for_path(path).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: pass --format, or name the file .perfetto.json, .json, .svg or .md",
                crate::sanitize::sanitize_line(&path.display().to_string())
            )
        })?,
        (None, None) => anyhow::bail!(
            "pass --format (perfetto, svg, md, json), or -o FILE whose extension names it"
        ),
    };
    let analyzed = trace_arg::load(cli, args.trace.as_deref())?;
    let mut out = output::open(args.output.as_deref())?;
    export::export(&analyzed, args.batch.as_deref(), format, &mut out)?;
    out.flush()?;
    if let Some(path) = &args.output {
        eprintln!(
            "wrote {} ({})",
            crate::sanitize::sanitize_line(&path.display().to_string()),
            format.as_str()
        );
    }
    Ok(Exit::Success)
}
