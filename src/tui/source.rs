//! Where the TUI's data comes from: the [`TraceSource`] trait the worker thread drives, the list
//! entries, and the loaded trace. [`StoreSource`] is the real one (the store plus
//! analysis); tests inject [`MemorySource`]. A source is owned by the worker thread only.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::analysis::{analyze_trace, AnalyzedTrace, Catalog, FindingKind};
use crate::export::ExportFormat;
use crate::model::{Trace, TraceId};
use crate::store::Store;

use super::action::{PullDone, PullRequest};

/// A pull to run on a thread of its own.
pub type PullJob = Box<dyn FnOnce() -> anyhow::Result<PullDone> + Send>;

pub use crate::store::TraceSummary;

/// One row of the trace list.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    pub summary: TraceSummary,
    /// Kinds of the trace's findings, each once; empty when the source cannot tell.
    pub finding_kinds: Vec<FindingKind>,
}

/// A trace as the TUI opens it: the analysed run, and the raw spans when the source has them
/// (the inspector shows their attributes).
#[derive(Debug, Clone)]
pub struct LoadedTrace {
    pub analyzed: AnalyzedTrace,
    pub raw: Option<Trace>,
}

/// What the user asked to export: the open trace, the view they were looking at, and the file
/// to write (its extension picks the format, see [`format_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub trace_id: TraceId,
    pub scope: ExportScope,
    pub path: PathBuf,
}

/// The export format a file name asks for: `.perfetto.json`, `.json`, `.svg` or `.md`.
pub fn format_for(path: &Path) -> Option<ExportFormat> {
    ExportFormat::for_path(path)
}

/// Writes the export of `analyzed` described by `request` (the batch view exports its batch).
pub fn write_export(analyzed: &AnalyzedTrace, request: &ExportRequest) -> anyhow::Result<String> {
    let format = format_for(&request.path).with_context(|| {
        format!(
            "{}: the file name must end in .md, .svg, .json or .perfetto.json",
            request.path.display()
        )
    })?;
    let batch = match request.scope {
        ExportScope::Batch(b) => analyzed.run.batches.get(b).map(|b| b.id.clone()),
        ExportScope::Trace | ExportScope::Why => None,
    };
    let file = std::fs::File::create(&request.path)
        .with_context(|| format!("cannot create {}", request.path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    crate::export::export(analyzed, batch.as_deref(), format, &mut out)?;
    std::io::Write::flush(&mut out)
        .with_context(|| format!("cannot write {}", request.path.display()))?;
    Ok(format!(
        "exported {} ({})",
        request.path.display(),
        format.as_str()
    ))
}

/// The part of the trace an export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    Trace,
    Batch(usize),
    Why,
}

/// The data behind the TUI. Implementations may block (SQLite, analysis): they run on the worker
/// thread.
pub trait TraceSource: Send {
    fn summaries(&mut self) -> anyhow::Result<Vec<TraceEntry>>;
    /// `Ok(None)` when no such trace is stored.
    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>>;
    /// The work of fetching a trace from a tracing backend into the database (the id stored
    /// and a line for the status bar). It runs on a thread of its own, with a connection of its
    /// own, so a slow backend holds up nothing else.
    fn pull_job(&self, request: PullRequest) -> PullJob {
        let _ = request;
        Box::new(|| {
            anyhow::bail!(
                "this viewer shows traces held in memory: there is no database to pull into"
            )
        })
    }

    /// Whether another writer stored something since the last call (the first call only takes
    /// note): the viewer then reloads its list. Sources nobody else writes never change.
    fn changed(&mut self) -> bool {
        false
    }

    /// Writes an export and returns a line for the status bar (the file written).
    fn export(&mut self, request: &ExportRequest) -> anyhow::Result<String> {
        let loaded = self
            .load(request.trace_id)?
            .with_context(|| format!("trace {} is not in the database", request.trace_id))?;
        write_export(&loaded.analyzed, request)
    }
}

/// The store on disk, analysed on load.
pub struct StoreSource {
    store: Store,
    catalog: Catalog,
    /// The database, for the writer a pull opens.
    path: PathBuf,
    /// The store's change marker when last looked at.
    marker: Option<u64>,
}

impl StoreSource {
    pub fn open(path: &Path, catalog: Catalog) -> anyhow::Result<Self> {
        // The viewer only reads: it never creates a database as a side effect.
        if !crate::store::is_url(path) && !path.exists() {
            anyhow::bail!(
                "no database at {} yet: ingest traces first (`fanout ingest FILE`, or `fanout FILE`)",
                crate::sanitize::sanitize_line(&path.display().to_string())
            );
        }
        let store = Store::open_read_only(path).with_context(|| {
            format!("cannot open the database {}", crate::store::describe(path))
        })?;
        Ok(Self {
            store,
            catalog,
            path: path.to_owned(),
            marker: None,
        })
    }
}

impl TraceSource for StoreSource {
    fn changed(&mut self) -> bool {
        let Ok(now) = self.store.change_marker() else {
            return false;
        };
        self.marker.replace(now).is_some_and(|before| before != now)
    }

    fn summaries(&mut self) -> anyhow::Result<Vec<TraceEntry>> {
        // One snapshot, read-only: traces ingest has not analysed yet are analysed in memory
        // (this runs on the worker thread, behind "loading traces…").
        let list = crate::pipeline::current_summaries(&self.store, &self.catalog)?.rows;
        Ok(list
            .into_iter()
            .map(|summary| TraceEntry {
                finding_kinds: summary.finding_kinds.clone(),
                summary,
            })
            .collect())
    }

    fn pull_job(&self, request: PullRequest) -> PullJob {
        let (path, catalog) = (self.path.clone(), self.catalog.clone());
        Box::new(move || pull_into(&path, &catalog, &request))
    }

    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>> {
        let Some(trace) = self.store.load_trace(id)? else {
            return Ok(None);
        };
        let analyzed = analyze_trace(&trace, &self.catalog);
        Ok(Some(LoadedTrace {
            analyzed,
            raw: Some(trace),
        }))
    }
}

/// Fetches the trace `request` names into the database at `path`.
fn pull_into(path: &Path, catalog: &Catalog, request: &PullRequest) -> anyhow::Result<PullDone> {
    use crate::pull::into_store;
    let client = into_store::client_from_env(&request.url)?;
    // The viewer's own session only reads; the pull writes through a store of its own.
    let mut store = Store::open(path)
        .with_context(|| format!("cannot open the database {}", crate::store::describe(path)))?;
    let stored = into_store::fetch_into(
        &mut store,
        &client,
        None,
        &request.trace_id,
        None,
        catalog,
        false,
    )?;
    let new = if stored.input.already_ingested || stored.input.new_spans == 0 {
        "already stored".to_owned()
    } else {
        format!("{} new", stored.input.new_spans)
    };
    let mut message = format!(
        "pulled trace {} from {} ({} spans, {new})",
        super::views::short_id(&stored.id.to_hex()),
        stored.backend.name(),
        stored.input.spans_read,
    );
    for w in &stored.warnings {
        message.push_str("; ");
        message.push_str(w);
    }
    Ok(PullDone {
        id: stored.id,
        message,
    })
}

/// A fixed set of traces in memory: for tests, benchmarks and callers that already hold
/// analysed runs.
#[derive(Debug, Default)]
pub struct MemorySource {
    pub entries: Vec<TraceEntry>,
    pub traces: Vec<LoadedTrace>,
}

impl TraceSource for MemorySource {
    fn summaries(&mut self) -> anyhow::Result<Vec<TraceEntry>> {
        Ok(self.entries.clone())
    }

    fn load(&mut self, id: TraceId) -> anyhow::Result<Option<LoadedTrace>> {
        Ok(self
            .traces
            .iter()
            .find(|t| t.analyzed.run.trace_id == id)
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_source_lists_loads_and_exports_what_was_ingested() {
        use crate::pipeline::{ingest_inputs, IngestOptions, Input};
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fanout.db");
        let sample =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-traces/lost_update.otlp.json");
        {
            let mut store = Store::open(&db).unwrap();
            let opts = IngestOptions {
                format: None,
                on_invalid: Default::default(),
                progress: false,
            };
            let reports = ingest_inputs(&mut store, &[Input::Path(sample)], opts);
            assert!(reports.iter().all(|r| r.result.is_ok()));
        }
        let mut source = StoreSource::open(&db, Catalog::default()).unwrap();
        let list = source.summaries().unwrap();
        assert_eq!(list.len(), 1);
        let id = list[0].summary.trace_id;
        let loaded = source.load(id).unwrap().expect("stored");
        assert_eq!(loaded.analyzed.run.trace_id, id);
        assert!(loaded.raw.is_some_and(|t| !t.spans.is_empty()));
        let missing: TraceId = "0123456789abcdef0123456789abcdef".parse().unwrap();
        assert!(source.load(missing).unwrap().is_none());

        let path = dir.path().join("out.md");
        let request = ExportRequest {
            trace_id: id,
            scope: ExportScope::Trace,
            path: path.clone(),
        };
        let msg = source.export(&request).unwrap();
        assert!(msg.contains("out.md") && msg.contains("md"), "{msg}");
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains(&id.to_hex()));
        let bad = ExportRequest {
            path: dir.path().join("out.txt"),
            ..request
        };
        assert!(format!("{:#}", source.export(&bad).unwrap_err()).contains(".md, .svg"));
    }

    #[test]
    fn export_format_follows_the_file_name() {
        assert_eq!(
            format_for(Path::new("a/run.perfetto.json")),
            Some(ExportFormat::Perfetto)
        );
        assert_eq!(format_for(Path::new("run.JSON")), Some(ExportFormat::Json));
        assert_eq!(format_for(Path::new("run.svg")), Some(ExportFormat::Svg));
        assert_eq!(format_for(Path::new("run.md")), Some(ExportFormat::Md));
        assert_eq!(format_for(Path::new("run")), None);
    }
}
