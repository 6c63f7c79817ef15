//! `fanout ingest`: store trace files, then analyse the traces they touched.

use std::path::PathBuf;

use serde::Serialize;

use super::{db, Cli};
use crate::exit::Exit;
use crate::ingest::{Format, OnInvalid};
use crate::pipeline::{self, IngestOptions, Ingested};
use crate::sanitize::sanitize;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Formats are detected from content; gzip-compressed files are read as they are.\n\
Re-ingesting a file changes nothing; spans of one trace spread over several files are merged."
)]
pub struct Args {
    /// Trace files or folders (read recursively); `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "follow")]
    pub files: Vec<PathBuf>,
    /// Keep reading a growing OTLP/JSON Lines file (a Collector file exporter's) and its rotated
    /// successors, analysing traces as they grow, until Ctrl-C.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "format", "skip_invalid"])]
    pub follow: Option<PathBuf>,
    /// Read every file as this format instead of detecting it.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Store the valid records of a file and list the invalid ones (default: a bad record rejects the whole file).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Print a machine-readable summary on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct JsonReport {
    files: Vec<JsonFile>,
    traces: usize,
    spans_stored: usize,
    /// Spans recording a tool execution / a model call (by convention, counted while reading).
    tool_spans: usize,
    model_spans: usize,
    /// What analysing the changed traces found (stored, so readers have nothing left to do).
    analysis: JsonAnalysis,
    failed_files: usize,
    /// Files found in folders and not read, with the reason.
    skipped_files: Vec<super::inputs::SkippedFile>,
}

#[derive(Debug, Serialize)]
struct JsonAnalysis {
    ok: bool,
    traces: usize,
    model_calls: usize,
    tool_calls: usize,
    batches: usize,
    findings: usize,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct JsonFile {
    file: String,
    ok: bool,
    format: Option<&'static str>,
    spans_read: usize,
    new_spans: usize,
    already_ingested: bool,
    traces: Vec<String>,
    skipped: Vec<String>,
    error: Option<String>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    if let Some(path) = &args.follow {
        let mut config = super::serve::config(cli, &super::serve::ReceiverArgs::files_only())?;
        (config.http, config.grpc) = (None, None);
        config.follow = Some(path.clone());
        return super::serve::run_receiver(config, false, args.json);
    }
    let expanded = super::inputs::expand(&args.files);
    if !args.json {
        expanded.print_notes();
    }
    let inputs = expanded.inputs;
    let opts = IngestOptions {
        format: args.format,
        on_invalid: if args.skip_invalid {
            OnInvalid::Skip
        } else {
            OnInvalid::Fail
        },
        progress: !args.json,
    };
    let mut store = db::open(cli)?;
    let catalog = db::catalog(cli)?;
    let ingested = pipeline::ingest_and_analyze(&mut store, &inputs, opts, &catalog);
    let reports = &ingested.reports;
    let failed = reports.iter().filter(|r| r.result.is_err()).count()
        + usize::from(ingested.analysis.is_err());
    let skipped: usize = reports
        .iter()
        .filter_map(|r| r.result.as_ref().ok())
        .map(|s| s.skipped.len())
        .sum();
    if args.json {
        print_json(&ingested, &expanded.skipped)?;
    } else {
        print_text(&ingested);
    }
    Ok(if failed > 0 {
        Exit::Error
    } else if skipped > 0 {
        Exit::Partial
    } else {
        Exit::Success
    })
}

/// Ingests `files` with default options, printing the summary on stderr; returns the exit status
/// and the traces they held (in order, each once).
pub fn ingest_files(
    cli: &Cli,
    files: &[PathBuf],
) -> anyhow::Result<(Exit, Vec<crate::model::TraceId>)> {
    let expanded = super::inputs::expand(files);
    expanded.print_notes();
    let inputs = expanded.inputs;
    let mut store = db::open(cli)?;
    let catalog = db::catalog(cli)?;
    let ingested = pipeline::ingest_and_analyze(
        &mut store,
        &inputs,
        IngestOptions {
            progress: true,
            ..Default::default()
        },
        &catalog,
    );
    print_text(&ingested);
    let reports = &ingested.reports;
    let mut traces = Vec::new();
    for t in reports
        .iter()
        .filter_map(|r| r.result.as_ref().ok())
        .flat_map(|s| s.traces.iter())
    {
        if !traces.contains(t) {
            traces.push(*t);
        }
    }
    let exit = if reports.iter().any(|r| r.result.is_err()) {
        Exit::Error
    } else {
        Exit::Success
    };
    Ok((exit, traces))
}

fn print_text(ingested: &Ingested) {
    let reports = &ingested.reports;
    let mut stored = 0;
    let (mut model_spans, mut tool_spans) = (0, 0);
    let mut traces = std::collections::BTreeSet::new();
    for r in reports {
        match &r.result {
            Ok(s) => {
                stored += s.new_spans;
                model_spans += s.model_spans;
                tool_spans += s.tool_spans;
                traces.extend(s.traces.iter().copied());
                let note = if s.already_ingested {
                    " (already ingested: nothing changed)"
                } else {
                    ""
                };
                eprintln!(
                    "{}: {} spans read as {}, {} new, {} trace(s){note}",
                    sanitize(&r.name),
                    s.spans_read,
                    s.format.as_str(),
                    s.new_spans,
                    s.traces.len()
                );
                for e in &s.skipped {
                    eprintln!("  skipped {}", sanitize(&e.to_string()));
                }
            }
            Err(e) => eprintln!("error: {}", sanitize(e)),
        }
    }
    let failed = reports.iter().filter(|r| r.result.is_err()).count();
    let skipped_files = if failed > 0 {
        format!(", {failed} file(s) failed and stored nothing")
    } else {
        String::new()
    };
    eprintln!(
        "stored {stored} new spans in {} trace(s): {model_spans} model-call spans, {tool_spans} tool-call spans{skipped_files}",
        traces.len()
    );
    match &ingested.analysis {
        Ok(t) if t.traces > 0 => eprintln!(
            "analysed {} trace(s): {} model calls, {} tool calls, {} batches, {} finding(s)",
            t.traces, t.model_calls, t.tool_calls, t.batches, t.findings
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "error: the spans are stored, but their analysis could not be: {}; `fanout reindex` retries it",
            sanitize(e)
        ),
    }
}

fn print_json(
    ingested: &Ingested,
    skipped_files: &[super::inputs::SkippedFile],
) -> anyhow::Result<()> {
    let reports = &ingested.reports;
    let files: Vec<JsonFile> = reports
        .iter()
        .map(|r| match &r.result {
            Ok(s) => JsonFile {
                file: r.name.clone(),
                ok: true,
                format: Some(s.format.as_str()),
                spans_read: s.spans_read,
                new_spans: s.new_spans,
                already_ingested: s.already_ingested,
                traces: s.traces.iter().map(|t| t.to_string()).collect(),
                skipped: s.skipped.iter().map(|e| e.to_string()).collect(),
                error: None,
            },
            Err(e) => JsonFile {
                file: r.name.clone(),
                ok: false,
                format: None,
                spans_read: 0,
                new_spans: 0,
                already_ingested: false,
                traces: Vec::new(),
                skipped: Vec::new(),
                error: Some(e.clone()),
            },
        })
        .collect();
    let ok = || reports.iter().filter_map(|r| r.result.as_ref().ok());
    let traces: std::collections::BTreeSet<_> =
        ok().flat_map(|s| s.traces.iter().copied()).collect();
    let report = JsonReport {
        spans_stored: files.iter().map(|f| f.new_spans).sum(),
        failed_files: files.iter().filter(|f| !f.ok).count(),
        files,
        traces: traces.len(),
        tool_spans: ok().map(|s| s.tool_spans).sum(),
        model_spans: ok().map(|s| s.model_spans).sum(),
        skipped_files: skipped_files.to_vec(),
        analysis: match &ingested.analysis {
            Ok(t) => JsonAnalysis {
                ok: true,
                traces: t.traces,
                model_calls: t.model_calls,
                tool_calls: t.tool_calls,
                batches: t.batches,
                findings: t.findings,
                error: None,
            },
            Err(e) => JsonAnalysis {
                ok: false,
                traces: 0,
                model_calls: 0,
                tool_calls: 0,
                batches: 0,
                findings: 0,
                error: Some(e.clone()),
            },
        },
    };
    println!("{}", crate::export::safe_json::to_string_pretty(&report)?);
    Ok(())
}
