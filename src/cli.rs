//! Command-line interface: clap definitions and dispatch. Each subcommand lives in `cli/` with its
//! arguments and its `run`; they call `pipeline`, `store`, `analysis` and `export`, and print.

mod audit;
mod db;
mod diff;
mod export_cmd;
mod ingest;
mod inputs;
mod list;
mod output;
mod pull;
mod reindex;
pub(crate) mod serve;
mod sessions;
mod show;
mod trace_arg;
mod view;
mod why;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::exit::{Exit, HELP as EXIT_HELP};

const ABOUT: &str = "fanout: a terminal debugger for LLM-agent traces. When a model emits several tool calls in one \
response, the runner executes them concurrently; tools that were safe in sequence then break silently \
(lost updates, stale context, missing preconditions). fanout finds the batch, the siblings that collided \
and the path from the wrong final answer back to them.";

const AFTER_HELP: &str = "\
Examples:
  fanout trace.otlp.jsonl          ingest a trace and open it
  fanout ingest traces/*.jsonl     store traces in the default database
  fanout list                      the stored traces
  fanout show 5b8e                 one run: model calls, batches, final answer (id prefix is enough)
  fanout why 5b8e                  from the final answer back to the batch that fed it
  fanout audit --fail-on latent traces/*.jsonl   gate CI on conflicts
  fanout diff good.json bad.json   where a rerun diverged, batch by batch
  fanout sessions                  local Claude Code / Codex / Gemini CLI sessions, newest first
  fanout ~/.claude/projects/-home-me-repo/   every session in a folder
  fanout serve                     receive OTLP from running agents (HTTP :4318, gRPC :4317)
  fanout --listen                  the same receiver inside the viewer: traces appear as they arrive
  fanout pull http://tempo:3200 ID fetch a trace from Tempo, Jaeger or Phoenix and open it

Database: --db PATH, else $FANOUT_DB, else the per-user data folder
(~/.local/share/fanout/fanout.db on Linux).";

/// Top-level arguments.
#[derive(Debug, Parser)]
#[command(name = "fanout", version, about = ABOUT, after_help = format!("{AFTER_HELP}\n\n{EXIT_HELP}"))]
pub struct Cli {
    /// Database: a SQLite file (created if missing), or a shared PostgreSQL store as
    /// `postgres://user@host/db` (PG* variables fill the gaps; `?sslmode=require` for TLS).
    #[arg(
        long,
        global = true,
        env = "FANOUT_DB",
        hide_env_values = true,
        value_name = "PATH|URL"
    )]
    pub db: Option<PathBuf>,

    /// Tool catalog declaring tools' access modes and resources (default: ./fanout.toml if present).
    #[arg(
        long,
        global = true,
        env = "FANOUT_CATALOG",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub catalog: Option<PathBuf>,

    /// Viewer palette for dark or light terminal backgrounds (NO_COLOR turns colours off).
    #[arg(long, global = true, value_enum, default_value = "dark")]
    pub theme: crate::tui::ThemeName,

    /// Viewer key bindings overriding the defaults (default: ~/.config/fanout/keymap.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub keymap: Option<PathBuf>,

    /// Open the viewer with the OTLP receiver of `fanout serve` running inside it: traces appear
    /// and grow as exporters send them (`--http`, `--grpc`, `--token` as for `serve`).
    #[arg(long)]
    pub listen: bool,

    /// Open the viewer following a growing OTLP/JSON Lines file (a Collector file exporter's),
    /// and its rotated successors.
    #[arg(long, value_name = "FILE")]
    pub follow: Option<PathBuf>,

    #[command(flatten)]
    pub receiver: serve::ReceiverArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Trace files or folders (read recursively) to ingest before opening the viewer.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Store trace files or folders (OTLP JSON/protobuf, fanout native, chat transcripts,
    /// coding-agent sessions; `-` for stdin) and the analysis of the traces they changed.
    Ingest(ingest::Args),
    /// List stored traces.
    List(list::Args),
    /// Print one run: model calls, their batches of tool calls, and the final answer.
    Show(show::Args),
    /// Walk back from the final answer to the batch that fed it, in plain words.
    Why(why::Args),
    /// Report conflicts between parallel siblings, for people or CI (exit 1 when found).
    Audit(audit::Args),
    /// Compare two runs: the earliest batch where they diverge, then every difference (exit 1 when they differ).
    Diff(diff::Args),
    /// Write an annotated timeline: Perfetto/Chrome trace, SVG, Markdown or JSON.
    Export(export_cmd::Args),
    /// Receive spans over OTLP (HTTP :4318, gRPC :4317) from running agents and analyse them as they arrive.
    Serve(serve::Args),
    /// Analyse every stored trace again from its raw spans (after an upgrade or a catalog change).
    Reindex(reindex::Args),
    /// Coding-agent sessions on this machine (Claude Code, Codex CLI, Gemini CLI), newest first.
    Sessions(sessions::Args),
    /// Fetch one trace from Grafana Tempo, Jaeger or Arize Phoenix, store it and open it
    /// (`--search` lists traces to pick from).
    Pull(pull::Args),
}

/// Parses arguments, runs the command and returns the exit status.
pub fn run() -> Exit {
    let cli = Cli::parse();
    if let Some(word) = mistyped_command(&cli) {
        report_error(&anyhow::anyhow!(word));
        return Exit::Error;
    }
    let outcome = match cli.command {
        Some(Command::Ingest(ref args)) => ingest::run(&cli, args),
        Some(Command::List(ref args)) => list::run(&cli, args),
        Some(Command::Show(ref args)) => show::run(&cli, args),
        Some(Command::Reindex(ref args)) => reindex::run(&cli, args),
        Some(Command::Serve(ref args)) => serve::run(&cli, args),
        Some(Command::Why(ref args)) => why::run(&cli, args),
        Some(Command::Audit(ref args)) => audit::run(&cli, args),
        Some(Command::Export(ref args)) => export_cmd::run(&cli, args),
        Some(Command::Diff(ref args)) => diff::run(&cli, args),
        Some(Command::Sessions(ref args)) => sessions::run(&cli, args),
        Some(Command::Pull(ref args)) => pull::run(&cli, args),
        None => view::run(&cli),
    };
    match outcome {
        Ok(exit) => exit,
        Err(e) if output::is_broken_pipe(&e) => Exit::Success,
        Err(e) => {
            report_error(&e);
            Exit::Error
        }
    }
}

/// `fanout lsit` would otherwise be read as a file to open: a first argument that is no file,
/// looks like a word and is close to a command name gets a suggestion instead.
fn mistyped_command(cli: &Cli) -> Option<String> {
    use clap::CommandFactory as _;
    if cli.command.is_some() {
        return None;
    }
    let first = cli.files.first()?.to_str()?;
    let wordlike = !first.is_empty() && first.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
    if !wordlike || std::path::Path::new(first).exists() {
        return None;
    }
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let best = names
        .iter()
        .map(|n| (strsim::jaro_winkler(first, n), n))
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(if best.0 >= 0.8 {
        format!(
            "'{first}' is not a file or a command; did you mean `fanout {}`?",
            best.1
        )
    } else {
        format!(
            "'{first}' is not a file or a command (commands: {}; see `fanout --help`)",
            names.join(", ")
        )
    })
}

/// Prints an error and its causes once, sanitized.
pub fn report_error(e: &anyhow::Error) {
    let text = format!("{e:#}");
    eprintln!("fanout: {}", crate::sanitize::sanitize(&text));
}
