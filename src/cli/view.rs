//! The interactive viewer entry points: `fanout` opens the TUI on the database; `fanout FILE...`
//! ingests the files first and opens the first trace they held. When stdout is not a terminal
//! (a pipe, CI), `fanout FILE...` prints each ingested run instead of starting the TUI.

use std::io::{IsTerminal, Write as _};

use super::{db, ingest, output, Cli};
use crate::exit::Exit;
use crate::pipeline;
use crate::tui::{self, TuiOptions};

pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    open_files(cli, &cli.files)
}

/// Ingests `files` (none: nothing) and opens the viewer on the first trace they held.
pub fn open_files(cli: &Cli, files: &[std::path::PathBuf]) -> anyhow::Result<Exit> {
    let mut open = None;
    if !files.is_empty() {
        let (exit, traces) = ingest::ingest_files(cli, files)?;
        if exit == Exit::Error {
            return Ok(exit);
        }
        if !std::io::stdout().is_terminal() {
            return print_runs(cli, &traces);
        }
        open = traces.first().copied();
    } else if !std::io::stdout().is_terminal() {
        anyhow::bail!("the viewer needs a terminal; for scripts use `fanout list`, `fanout show` or `fanout audit`");
    }
    open_viewer(cli, open)
}

/// Opens the viewer on the database, on trace `open` when given.
pub fn open_viewer(cli: &Cli, open: Option<crate::model::TraceId>) -> anyhow::Result<Exit> {
    let keymap = cli.keymap.clone().or_else(tui::keymap::default_path);
    let live = if cli.listen || cli.follow.is_some() {
        let mut config = super::serve::config(cli, &cli.receiver)?;
        if !cli.listen {
            (config.http, config.grpc) = (None, None);
        }
        config.follow = cli.follow.clone();
        Some(config)
    } else {
        None
    };
    tui::run(TuiOptions {
        db: db::db_path(cli)?,
        open,
        theme: cli.theme,
        keymap,
        catalog: db::catalog(cli)?,
        live,
    })?;
    Ok(Exit::Success)
}

fn print_runs(cli: &Cli, traces: &[crate::model::TraceId]) -> anyhow::Result<Exit> {
    let store = db::open_existing(cli)?;
    let catalog = db::catalog(cli)?;
    let mut out = output::open(None)?;
    for id in traces {
        if let Some(analyzed) = pipeline::load_analyzed(&store, *id, &catalog)? {
            crate::export::text::write_show(
                &crate::export::trace_report(&analyzed, None)?,
                &mut out,
            )?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(Exit::Success)
}
