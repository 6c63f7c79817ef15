//! Resolving a `TRACE_ID` argument (full id or unique prefix) and loading its analysis.

use super::{db, Cli};
use crate::analysis::AnalyzedTrace;
use crate::pipeline;

/// Loads and analyses the trace named by `arg`, with errors that say what to do.
pub fn load(cli: &Cli, arg: &str) -> anyhow::Result<AnalyzedTrace> {
    let store = db::open_existing(cli)?;
    let id = store.resolve_trace_id(arg)?.map_err(anyhow::Error::msg)?;
    let catalog = db::catalog(cli)?;
    pipeline::load_analyzed(&store, id, &catalog)?
        .ok_or_else(|| anyhow::anyhow!("trace {id} is not stored (see `fanout list`)"))
}
