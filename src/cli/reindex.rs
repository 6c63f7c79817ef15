//! `fanout reindex`: drop the derived tables and rebuild them from the raw spans, e.g. after
//! upgrading fanout or editing the tool catalog.

use super::{db, Cli};
use crate::exit::Exit;
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(cli: &Cli, _args: &Args) -> anyhow::Result<Exit> {
    let mut store = db::open_existing_for_writing(cli)?;
    let catalog = db::catalog(cli)?;
    store.clear_derived()?;
    let t = pipeline::ensure_analyzed(&mut store, &catalog)?;
    eprintln!(
        "reindexed {} trace(s): {} model calls, {} tool calls, {} batches, {} finding(s)",
        t.traces, t.model_calls, t.tool_calls, t.batches, t.findings
    );
    Ok(Exit::Success)
}
