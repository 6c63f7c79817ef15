//! Orchestration shared by the front ends: read inputs into the store (parsing on one thread
//! while this one inserts), then normalize and analyse the traces that changed and cache the
//! results in the derived tables.
//!
//! Each input is one transaction: stored whole or not at all.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;

use crate::analysis::{analyze_trace, AnalyzedTrace, Catalog};
use crate::ingest::{read_any, Format, IngestError, OnInvalid, ReadError, Sink, SinkError};
use crate::model::{LogRecord, Span, Trace, TraceId};
use crate::normalize::detect::{classify, Role};
use crate::store::{self, Store};

/// One input: a file, standard input (`-`), or bytes fetched from elsewhere (`pull`), named
/// by where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
    Bytes { name: String, data: Arc<[u8]> },
}

impl Input {
    pub fn from_arg(arg: &Path) -> Self {
        if arg == Path::new("-") {
            Self::Stdin
        } else {
            Self::Path(arg.to_owned())
        }
    }

    pub fn name(&self) -> String {
        match self {
            Self::Path(p) => p.display().to_string(),
            Self::Stdin => "<stdin>".to_owned(),
            Self::Bytes { name, .. } => name.clone(),
        }
    }
}

/// How to read inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestOptions {
    /// Forced format; detected per input when `None`.
    pub format: Option<Format>,
    pub on_invalid: OnInvalid,
    /// Show a progress bar on stderr for large inputs (only when stderr is a terminal).
    pub progress: bool,
}

/// What happened to one input.
#[derive(Debug)]
pub struct InputReport {
    pub name: String,
    pub result: Result<StoredInput, String>,
}

/// A stored input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInput {
    pub format: Format,
    pub spans_read: usize,
    pub new_spans: usize,
    pub traces: Vec<TraceId>,
    pub already_ingested: bool,
    pub skipped: Vec<IngestError>,
    /// Spans that record a model call, by convention (counted while reading).
    pub model_spans: usize,
    /// Spans that record a tool execution.
    pub tool_spans: usize,
}

/// Inputs larger than this get a progress bar.
const PROGRESS_MIN_BYTES: u64 = 16 * 1024 * 1024;

/// Reads every input into `store`, one transaction each. A failed input is reported and the
/// others go on.
pub fn ingest_inputs(store: &mut Store, inputs: &[Input], opts: IngestOptions) -> Vec<InputReport> {
    inputs
        .iter()
        .map(|input| InputReport {
            name: input.name(),
            result: ingest_one(store, input, opts),
        })
        .collect()
}

fn ingest_one(
    store: &mut Store,
    input: &Input,
    opts: IngestOptions,
) -> Result<StoredInput, String> {
    let name = input.name();
    let (reader, size): (Box<dyn Read + Send>, Option<u64>) = match input {
        Input::Stdin => (Box::new(io::stdin()), None),
        Input::Bytes { data, .. } => (
            Box::new(io::Cursor::new(Arc::clone(data))),
            Some(data.len() as u64),
        ),
        Input::Path(p) => {
            let f = File::open(p).map_err(|e| format!("{name}: cannot open: {e}"))?;
            let size = f.metadata().ok().map(|m| m.len());
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(format!(
                    "{name}: is a folder; give the trace files inside it"
                ));
            }
            (Box::new(f), size)
        }
    };
    let read_bytes = Arc::new(AtomicU64::new(0));
    let hashing = HashingReader {
        inner: reader,
        hasher: blake3::Hasher::new(),
        read: Arc::clone(&read_bytes),
    };
    let bar = progress_bar(opts.progress, size, &name);

    let (tx, rx) = mpsc::sync_channel::<Chunk>(4);
    let parser_name = name.clone();
    let parser = thread::spawn(move || {
        let mut reader = hashing;
        let mut sink = ChannelSink {
            tx,
            skipped: Vec::new(),
            model_spans: 0,
            tool_spans: 0,
        };
        let result = read_any(
            &parser_name,
            &mut reader,
            opts.format,
            opts.on_invalid,
            &mut sink,
        );
        // Drain what detection or an early error left unread so the digest covers the whole input.
        let _ = io::copy(&mut reader, &mut io::sink());
        let roles = (sink.model_spans, sink.tool_spans);
        (
            result,
            sink.skipped,
            *reader.hasher.finalize().as_bytes(),
            roles,
        )
    });

    let mut file_tx = store.begin_file().map_err(|e| format!("{name}: {e}"))?;
    let mut insert_error = None;
    for chunk in rx.iter() {
        let inserted = match &chunk {
            Chunk::Spans(spans) => file_tx.insert_spans(spans),
            Chunk::Logs(logs) => file_tx.insert_logs(logs),
        };
        if let Err(e) = inserted {
            insert_error = Some(e);
            break;
        }
        if let Some(bar) = &bar {
            bar.set_position(read_bytes.load(Ordering::Relaxed));
        }
    }
    drop(rx);
    let (result, skipped, digest, (model_spans, tool_spans)) = parser
        .join()
        .map_err(|_| format!("{name}: the reader thread failed"))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(e) = insert_error {
        return Err(format!("{name}: {e}"));
    }
    let (format, stats) = result.map_err(|e| read_error_text(&e))?;
    let known = file_tx
        .record_source(&digest, &name, format.as_str(), stats.spans)
        .map_err(|e| format!("{name}: {e}"))?;
    let outcome = file_tx.commit(known).map_err(|e| format!("{name}: {e}"))?;
    Ok(StoredInput {
        format,
        spans_read: stats.spans,
        new_spans: outcome.new_spans,
        traces: outcome.traces,
        already_ingested: known,
        skipped,
        model_spans,
        tool_spans,
    })
}

fn read_error_text(e: &ReadError) -> String {
    e.to_string()
}

fn progress_bar(wanted: bool, size: Option<u64>, name: &str) -> Option<indicatif::ProgressBar> {
    let size = size?;
    if !wanted || size < PROGRESS_MIN_BYTES || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(size);
    let style = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    )
    .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar.set_message(crate::sanitize::sanitize_line(name).into_owned());
    Some(bar)
}

/// What the reader thread hands to the inserting one.
enum Chunk {
    Spans(Vec<Span>),
    Logs(Vec<LogRecord>),
}

/// Hands parsed chunks to the inserting thread.
struct ChannelSink {
    tx: mpsc::SyncSender<Chunk>,
    skipped: Vec<IngestError>,
    model_spans: usize,
    tool_spans: usize,
}

impl Sink for ChannelSink {
    fn spans(&mut self, spans: Vec<Span>) -> Result<(), SinkError> {
        for span in &spans {
            match classify(span).map(|c| c.role) {
                Some(Role::Model) => self.model_spans += 1,
                Some(Role::Tool) => self.tool_spans += 1,
                _ => {}
            }
        }
        self.tx
            .send(Chunk::Spans(spans))
            .map_err(|_| SinkError("the database stopped accepting spans".into()))
    }

    fn skipped(&mut self, error: IngestError) {
        self.skipped.push(error);
    }

    fn logs(&mut self, logs: Vec<LogRecord>) -> Result<(), SinkError> {
        self.tx
            .send(Chunk::Logs(logs))
            .map_err(|_| SinkError("the database stopped accepting log records".into()))
    }
}

struct HashingReader {
    inner: Box<dyn Read + Send>,
    hasher: blake3::Hasher,
    read: Arc<AtomicU64>,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// What an analysis pass found, summed over traces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub traces: usize,
    pub model_calls: usize,
    pub tool_calls: usize,
    pub batches: usize,
    pub findings: usize,
}

impl Totals {
    fn add(&mut self, a: &AnalyzedTrace) {
        self.traces += 1;
        self.model_calls += a.run.model_calls.len();
        self.tool_calls += a.run.tool_calls.len();
        self.batches += a.run.batches.len();
        self.findings += a.analysis.findings.len();
    }
}

/// Normalizes and analyses each trace and caches the result in the derived tables. On a file
/// database, two reader threads load and analyse while this thread writes.
pub fn analyze_traces(
    store: &mut Store,
    ids: &[TraceId],
    catalog: &Catalog,
) -> Result<Totals, store::Error> {
    analyze_traces_with(store, ids, catalog, None)
}

fn analyze_traces_with(
    store: &mut Store,
    ids: &[TraceId],
    catalog: &Catalog,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<Totals, store::Error> {
    let workers = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let Some(path) = store
        .path()
        .map(Path::to_owned)
        .filter(|_| workers > 1 && ids.len() > 8)
    else {
        let mut totals = Totals::default();
        for id in ids {
            if let Some(trace) = store.load_trace(*id)? {
                let analyzed = analyze_trace(&trace, catalog);
                store.write_analysis(&trace, &analyzed)?;
                totals.add(&analyzed);
            }
            bar.inspect(|b| b.inc(1));
        }
        return Ok(totals);
    };
    let next = AtomicU64::new(0);
    let (tx, rx) = mpsc::sync_channel::<Result<(Trace, AnalyzedTrace), store::Error>>(64);
    thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, path) = (&next, &path);
            scope.spawn(move || {
                let reader = match Store::open_read_only(path) {
                    Ok(r) => r,
                    Err(e) => return drop(tx.send(Err(e))),
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(id) = ids.get(i) else { return };
                    let item = reader.load_trace(*id).map(|t| {
                        t.map(|t| {
                            let analyzed = analyze_trace(&t, catalog);
                            (t, analyzed)
                        })
                    });
                    let sent = match item {
                        Ok(Some(pair)) => tx.send(Ok(pair)),
                        Ok(None) => Ok(()),
                        Err(e) => tx.send(Err(e)),
                    };
                    if sent.is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut totals = Totals::default();
        for item in rx {
            let (trace, analyzed) = item?;
            store.write_analysis(&trace, &analyzed)?;
            totals.add(&analyzed);
            bar.inspect(|b| b.inc(1));
        }
        Ok(totals)
    })
}

/// Analyses every stored trace whose derived rows are missing or stale (new spans arrived), so
/// the trace list and reports are current. Returns how many traces were analysed.
pub fn ensure_analyzed(store: &mut Store, catalog: &Catalog) -> Result<Totals, store::Error> {
    let ids = store.unanalyzed_trace_ids()?;
    analyze_with_progress(store, &ids, catalog)
}

/// [`analyze_traces`] with a progress bar on a terminal when there are many.
fn analyze_with_progress(
    store: &mut Store,
    ids: &[TraceId],
    catalog: &Catalog,
) -> Result<Totals, store::Error> {
    if ids.is_empty() {
        return Ok(Totals::default());
    }
    let bar = (ids.len() > 200 && io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(ids.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "analysing {pos}/{len} traces {wide_bar} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let totals = analyze_traces_with(store, ids, catalog, bar.as_ref())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(totals)
}

/// What [`ingest_and_analyze`] did: each input's report, then the analysis of what changed.
#[derive(Debug)]
pub struct Ingested {
    pub reports: Vec<InputReport>,
    /// What analysing the traces these inputs left stale found, or why the analysis could not
    /// be stored; the spans stay stored either way.
    pub analysis: Result<Totals, String>,
}

/// Reads every input into `store` ([`ingest_inputs`]), then analyses the traces they changed and
/// stores their analysis, so the first `list`, `audit` or viewer after it has nothing left to do.
/// Traces other writers changed (a receiver, another ingest on a shared database) are theirs to
/// analyse.
pub fn ingest_and_analyze(
    store: &mut Store,
    inputs: &[Input],
    opts: IngestOptions,
    catalog: &Catalog,
) -> Ingested {
    let reports = ingest_inputs(store, inputs, opts);
    let mut touched: Vec<TraceId> = reports
        .iter()
        .filter_map(|r| r.result.as_ref().ok())
        .flat_map(|s| s.traces.iter().copied())
        .collect();
    touched.sort();
    touched.dedup();
    let analysis = store
        .unanalyzed_among(&touched)
        .and_then(|mine| analyze_with_progress(store, &mine, catalog))
        .map_err(|e| e.to_string());
    Ingested { reports, analysis }
}

/// The trace list from one snapshot of the database, writing nothing: traces a writer stored
/// but has not analysed yet are analysed in memory, damaged ones are named in `damaged`.
pub fn current_summaries(
    store: &Store,
    catalog: &Catalog,
) -> Result<store::Summaries, store::Error> {
    store.summaries_snapshot(|trace| analyze_trace(trace, catalog))
}

/// Loads one stored trace and analyses it (without writing anything).
pub fn load_analyzed(
    store: &Store,
    id: TraceId,
    catalog: &Catalog,
) -> Result<Option<AnalyzedTrace>, store::Error> {
    Ok(store.load_trace(id)?.map(|t| analyze_trace(&t, catalog)))
}
