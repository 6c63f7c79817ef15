//! `fanout diff`: compare two runs (trace ids or files) and name the earliest batch where they
//! diverge; exit 0 when they are equivalent, 1 when they differ.

use std::path::{Path, PathBuf};

use super::{db, output, trace_arg, Cli};
use crate::analysis::diff::diff;
use crate::analysis::{AnalyzedTrace, Catalog};
use crate::exit::Exit;
use crate::export::diff::{write_json, write_markdown, write_text, Sides};
use crate::model::TraceId;
use crate::pipeline;
use crate::store::Store;

/// How to write the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Plain text for the terminal.
    Text,
    /// Markdown for a pull request or an issue.
    Md,
    /// JSON for scripts.
    Json,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "A and B are trace ids (a unique prefix is enough) or trace files (read \
in memory; nothing is stored). With one run, B is that run and A is the previous run of the same \
service; with none, the two newest runs of the newest trace's service.\n\n\
Runs are aligned by model call and batch; calls are matched by tool and arguments, then by \
position. Reported per batch: calls in one run only, arguments and results that differ (the \
values side by side), siblings that overlapped in one run only or started in another order, \
resources touched in one run only, findings present in one run only or with another severity; \
then the final answers. The earliest diverging batch is named first.\n\n\
Examples:\n  fanout diff 9b2e 4c1d                          two stored runs\n  \
fanout diff good.otlp.json bad.otlp.json       two files\n  \
fanout diff --format md 9b2e > diff.md          against the previous run of the same service\n\n\
Exit codes: 0 equivalent, 1 different, 2 error."
)]
pub struct Args {
    /// The run that worked (trace id, id prefix, or file).
    #[arg(value_name = "A")]
    pub a: Option<String>,
    /// The run to compare with it (trace id, id prefix, or file).
    #[arg(value_name = "B")]
    pub b: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Shorthand for `--format json`.
    #[arg(long)]
    pub json: bool,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// One run, loaded, and where it came from.
struct Loaded {
    id: TraceId,
    source: String,
    run: AnalyzedTrace,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let catalog = db::catalog(cli)?;
    let named: Vec<&str> = [&args.a, &args.b]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let (a, b) = match named.as_slice() {
        [a, b] => (load(cli, a, &catalog)?, load(cli, b, &catalog)?),
        [b] => {
            if Path::new(b).is_file() {
                anyhow::bail!(
                    "with one run, A is the previous stored run of the same service: name a stored \
trace id, or give two files (`fanout diff A.json B.json`)"
                );
            }
            let store = db::open_existing(cli)?;
            let id = trace_arg::resolve_id(&store, b)?;
            let b = from_store(&store, id, &catalog, "database")?;
            let a = previous_of(&store, b.id, &catalog)?;
            (a, b)
        }
        _ => {
            let store = db::open_existing(cli)?;
            let newest = pipeline::current_summaries(&store, &catalog)?
                .rows
                .into_iter()
                .max_by_key(|s| s.start_unix_nano)
                .ok_or_else(|| anyhow::anyhow!("no traces stored yet: `fanout ingest FILE`"))?;
            let b = from_store(&store, newest.trace_id, &catalog, "database")?;
            let a = previous_of(&store, b.id, &catalog)?;
            (a, b)
        }
    };
    let d = diff(&a.run, &b.run);
    let sides = Sides {
        trace_ids: [a.id.to_string(), b.id.to_string()],
        sources: [a.source, b.source],
    };
    let mut out = output::open(args.output.as_deref())?;
    match if args.json {
        DiffFormat::Json
    } else {
        args.format
    } {
        DiffFormat::Text => write_text(&sides, &d, &mut out)?,
        DiffFormat::Md => write_markdown(&sides, &d, &mut out)?,
        DiffFormat::Json => write_json(&sides, &d, &mut out)?,
    }
    out.flush()?;
    Ok(if d.is_equivalent() {
        Exit::Success
    } else {
        Exit::Findings
    })
}

/// A file is read into a private in-memory database; anything else names a stored trace.
fn load(cli: &Cli, arg: &str, catalog: &Catalog) -> anyhow::Result<Loaded> {
    let path = Path::new(arg);
    if path.is_file() {
        return load_file(path, catalog);
    }
    let store = db::open_existing(cli).map_err(|e| {
        e.context(format!(
            "'{}' is not a file, so it must be a stored trace id",
            crate::sanitize::sanitize_line(arg)
        ))
    })?;
    let id = trace_arg::resolve_id(&store, arg)?;
    from_store(&store, id, catalog, "database")
}

fn load_file(path: &Path, catalog: &Catalog) -> anyhow::Result<Loaded> {
    let r = trace_arg::read_file(Store::open_in_memory()?, path)?;
    from_store(&r.store, r.id, catalog, &r.source)
}

fn from_store(
    store: &Store,
    id: TraceId,
    catalog: &Catalog,
    source: &str,
) -> anyhow::Result<Loaded> {
    let run = pipeline::load_analyzed(store, id, catalog)?
        .ok_or_else(|| anyhow::anyhow!("trace {id} is not stored (see `fanout list`)"))?;
    Ok(Loaded {
        id,
        source: source.to_owned(),
        run,
    })
}

/// The latest stored run of the same service that started before `id`.
fn previous_of(store: &Store, id: TraceId, catalog: &Catalog) -> anyhow::Result<Loaded> {
    let rows = pipeline::current_summaries(store, catalog)?.rows;
    let this = rows
        .iter()
        .find(|s| s.trace_id == id)
        .ok_or_else(|| anyhow::anyhow!("trace {id} is not stored (see `fanout list`)"))?;
    let (service, start) = (this.service.clone(), this.start_unix_nano);
    let previous = rows
        .iter()
        .filter(|s| s.trace_id != id && s.service == service && s.start_unix_nano <= start)
        .max_by_key(|s| (s.start_unix_nano, s.trace_id))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no earlier run of service {} is stored; name both runs: `fanout diff A B`",
                crate::sanitize::sanitize_line(service.as_deref().unwrap_or("(unknown)"))
            )
        })?;
    from_store(store, previous.trace_id, catalog, "database")
}
