//! Resolving the run a command is about: a stored trace id (full, a unique prefix, or the short
//! `9b2e7d4c…d3c4` form the viewer shows), a trace file (read into a private in-memory database
//! unless `--db` is given, as `audit` does), or nothing (the newest stored run).

use std::path::Path;

use super::{db, Cli};
use crate::analysis::AnalyzedTrace;
use crate::model::TraceId;
use crate::pipeline::{self, IngestOptions, Input};
use crate::store::Store;

/// The store holding the run and its id.
pub struct Resolved {
    pub store: Store,
    pub id: TraceId,
    /// Where the run came from, for headers: the file, or `database`.
    pub source: String,
}

/// Finds the run `arg` names (see the module comment).
pub fn resolve(cli: &Cli, arg: Option<&str>) -> anyhow::Result<Resolved> {
    match arg {
        Some(a) if Path::new(a).is_file() => {
            let store = if cli.db.is_some() {
                db::open(cli)?
            } else {
                Store::open_in_memory()?
            };
            read_file(store, Path::new(a))
        }
        Some(a) => {
            let store = db::open_existing(cli)?;
            let id = resolve_id(&store, a)?;
            Ok(Resolved {
                store,
                id,
                source: "database".to_owned(),
            })
        }
        None => {
            let store = db::open_existing(cli)?;
            let newest = pipeline::current_summaries(&store, &db::catalog(cli)?)?
                .rows
                .into_iter()
                .max_by_key(|s| (s.start_unix_nano, s.trace_id))
                .ok_or_else(|| anyhow::anyhow!("no traces stored yet: `fanout ingest FILE`"))?;
            Ok(Resolved {
                store,
                id: newest.trace_id,
                source: "database (newest run)".to_owned(),
            })
        }
    }
}

/// Reads a trace file into `store`; the file must hold exactly one trace.
pub fn read_file(mut store: Store, path: &Path) -> anyhow::Result<Resolved> {
    let opts = IngestOptions {
        progress: true,
        ..IngestOptions::default()
    };
    let report = pipeline::ingest_inputs(&mut store, &[Input::Path(path.to_owned())], opts)
        .pop()
        .ok_or_else(|| anyhow::anyhow!("{}: nothing read", path.display()))?;
    let stored = report.result.map_err(anyhow::Error::msg)?;
    let id = match stored.traces.as_slice() {
        [one] => *one,
        [] => anyhow::bail!("{}: holds no trace", path.display()),
        many => anyhow::bail!(
            "{}: holds {} traces; ingest it (`fanout ingest`) and name one by its id",
            path.display(),
            many.len()
        ),
    };
    Ok(Resolved {
        store,
        id,
        source: path.display().to_string(),
    })
}

/// Loads and analyses the run named by `arg`, with errors that say what to do.
pub fn load(cli: &Cli, arg: Option<&str>) -> anyhow::Result<AnalyzedTrace> {
    let r = resolve(cli, arg)?;
    let catalog = db::catalog(cli)?;
    pipeline::load_analyzed(&r.store, r.id, &catalog)?
        .ok_or_else(|| anyhow::anyhow!("trace {} is not stored (see `fanout list`)", r.id))
}

/// A stored trace id from a full id, a unique prefix, or the viewer's short form
/// `9b2e7d4c…d3c4` (head and tail both have to match).
pub fn resolve_id(store: &Store, arg: &str) -> anyhow::Result<TraceId> {
    let Some((head, tail)) = split_short_id(arg) else {
        return store.resolve_trace_id(arg)?.map_err(anyhow::Error::msg);
    };
    let matches: Vec<TraceId> = store
        .trace_ids()?
        .into_iter()
        .filter(|id| {
            let hex = id.to_string();
            hex.starts_with(&head) && hex.ends_with(&tail)
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => anyhow::bail!("no stored trace id matches {head}…{tail} (see `fanout list`)"),
        many => anyhow::bail!(
            "{head}…{tail} matches {} traces; give the full id",
            many.len()
        ),
    }
}

/// `9b2e7d4c…d3c4` (or with `...`) as lowercase head and tail, when it has that shape.
fn split_short_id(arg: &str) -> Option<(String, String)> {
    let (head, tail) = arg
        .trim()
        .split_once('…')
        .or_else(|| arg.trim().split_once("..."))?;
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    (head.len() >= 4 && hex(head) && hex(tail))
        .then(|| (head.to_ascii_lowercase(), tail.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::split_short_id;

    #[test]
    fn short_ids_from_the_viewer_split_into_head_and_tail() {
        let pair = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(split_short_id("9b2e7d4c…d3c4"), pair("9b2e7d4c", "d3c4"));
        assert_eq!(split_short_id("9B2E7D4C...D3C4"), pair("9b2e7d4c", "d3c4"));
        assert_eq!(split_short_id("9b2e"), None);
        assert_eq!(split_short_id("…d3c4"), None);
        assert_eq!(split_short_id("9b2e…zz"), None);
    }
}
