//! `fanout reindex`: drop the derived tables and rebuild them from the raw spans, e.g. after
//! upgrading fanout or editing the tool catalog.

use super::{db, Cli};
use crate::exit::Exit;
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(cli: &Cli, _args: &Args) -> anyhow::Result<Exit> {
    let mut store = db::open_existing(cli)?;
    let catalog = db::catalog(cli)?;
    store.clear_derived()?;
    let ids = store.trace_ids()?;
    let analyzed = pipeline::analyze_traces(&mut store, &ids, &catalog)?;
    let findings: usize = analyzed.iter().map(|a| a.analysis.findings.len()).sum();
    eprintln!(
        "reindexed {} trace(s): {} model calls, {} tool calls, {} batches, {findings} finding(s)",
        analyzed.len(),
        analyzed
            .iter()
            .map(|a| a.run.model_calls.len())
            .sum::<usize>(),
        analyzed
            .iter()
            .map(|a| a.run.tool_calls.len())
            .sum::<usize>(),
        analyzed.iter().map(|a| a.run.batches.len()).sum::<usize>(),
    );
    Ok(Exit::Success)
}
