//! `fanout audit`: analyse traces and report findings for people or CI, exiting 1 when a finding
//! at or above `--fail-on` exists.

use std::path::PathBuf;

use std::io::Write as _;

use super::{db, output, Cli};
use crate::analysis::{catalog_audit, Severity};
use crate::exit::Exit;
use crate::export::{self, AuditFormat};
use crate::ingest::OnInvalid;
use crate::pipeline::{self, IngestOptions};
use crate::store::Store;

/// The lowest severity that fails the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Executions overlapped in time, or results prove the interleaving.
    Observed,
    /// Also conflicts that did not overlap this time but are not ordered.
    Latent,
    /// Also serialized conflicts.
    Info,
    /// Report only; always exit 0.
    Never,
}

impl FailOn {
    fn severity(self) -> Option<Severity> {
        match self {
            Self::Observed => Some(Severity::Observed),
            Self::Latent => Some(Severity::Latent),
            Self::Info => Some(Severity::Info),
            Self::Never => None,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "With FILEs and no --db, the files are audited in a private in-memory database \
(nothing is written). With --db, the files are stored there first; without FILEs every trace in the \
database is audited.\n\nExamples:\n  fanout audit traces/*.jsonl                        a table, exit 1 on observed conflicts\n  \
fanout audit --fail-on latent --format sarif -o fanout.sarif traces/*.jsonl\n  \
fanout audit --format junit -o fanout-junit.xml traces/*.jsonl\n\n\
--format json is a versioned contract, documented in docs/json-schema.md.\n\n\
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 error (including \
an audit that read no trace, unless --allow-empty); 3 no such finding, but --skip-invalid left \
records out."
)]
pub struct Args {
    /// Trace files or folders (read recursively) to audit (`-` for stdin).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Report format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: AuditFormat,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value = "observed")]
    pub fail_on: FailOn,
    /// Store the valid records of bad files instead of failing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Print the tool catalog audit instead of findings: every tool's access mode and whether it
    /// looks atomic, idempotent and independent, plus merge candidates (with --format json: JSON).
    #[arg(long)]
    pub catalog_report: bool,
    /// Accept an audit that read no trace (otherwise an error: a gate that audited nothing must
    /// not pass).
    #[arg(long)]
    pub allow_empty: bool,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let mut store = if args.files.is_empty() {
        db::open_existing(cli)?
    } else if cli.db.is_some() {
        db::open(cli)?
    } else {
        Store::open_in_memory()?
    };
    let catalog = db::catalog(cli)?;
    // Invalid records left out under --skip-invalid: the audit is then incomplete (exit 3).
    let mut skipped = 0usize;
    let ids = if args.files.is_empty() {
        store.trace_ids()?
    } else {
        let expanded = super::inputs::expand(&args.files);
        expanded.print_notes();
        let inputs = expanded.inputs;
        let opts = IngestOptions {
            format: None,
            on_invalid: if args.skip_invalid {
                OnInvalid::Skip
            } else {
                OnInvalid::Fail
            },
            progress: true,
        };
        let mut ids = Vec::new();
        let mut failed = false;
        for report in pipeline::ingest_inputs(&mut store, &inputs, opts) {
            match report.result {
                Ok(stored) => {
                    for e in &stored.skipped {
                        eprintln!(
                            "skipped: {}",
                            crate::sanitize::sanitize_line(&e.to_string())
                        );
                    }
                    skipped += stored.skipped.len();
                    ids.extend(stored.traces);
                }
                Err(e) => {
                    eprintln!("error: {}", crate::sanitize::sanitize(&e));
                    failed = true;
                }
            }
        }
        if failed {
            anyhow::bail!("some inputs could not be read; nothing was audited (use --skip-invalid to audit the valid records)");
        }
        ids.sort();
        ids.dedup();
        ids
    };
    let mut analyzed = Vec::with_capacity(ids.len());
    // A damaged trace is named and audited around, never allowed to hide the others; the exit
    // code still says the audit is incomplete.
    let mut damaged = 0usize;
    for id in ids {
        match pipeline::load_analyzed(&store, id, &catalog) {
            Ok(Some(a)) => analyzed.push(a),
            Ok(None) => {}
            Err(e) => {
                damaged += 1;
                eprintln!(
                    "error: trace {id} cannot be read, not audited: {}",
                    crate::sanitize::sanitize_line(&e.to_string())
                );
            }
        }
    }
    if analyzed.is_empty() && damaged == 0 && !args.allow_empty && !args.catalog_report {
        anyhow::bail!(
            "the audit read no trace ({}); a gate that audited nothing does not pass (--allow-empty accepts it)",
            if args.files.is_empty() {
                "the database holds none"
            } else {
                "the inputs held none"
            }
        );
    }
    let fail_on = args.fail_on.severity();
    let mut out = output::open(args.output.as_deref())?;
    if args.catalog_report {
        let pairs: Vec<_> = analyzed.iter().map(|a| (&a.run, &a.analysis)).collect();
        let profiles = catalog_audit::audit_catalog(&pairs);
        let merges = catalog_audit::merge_candidates(&pairs);
        match args.format {
            AuditFormat::Json => {
                let json = serde_json::json!({"tools": profiles, "merge_candidates": merges});
                crate::export::safe_json::to_writer_pretty(&mut out, &json)?;
                writeln!(out)?;
            }
            AuditFormat::Table => export::text::write_catalog_table(&profiles, &merges, &mut out)?,
            other => anyhow::bail!("--catalog-report prints a table or JSON, not {other:?}"),
        }
        out.flush()?;
        return Ok(Exit::Success);
    }
    let sources: Vec<Vec<String>> = analyzed
        .iter()
        .map(|a| store.trace_source_names(a.run.trace_id).unwrap_or_default())
        .collect();
    export::audit(&analyzed, &sources, args.format, fail_on, &mut out)?;
    out.flush()?;
    let failing = analyzed
        .iter()
        .flat_map(|a| a.analysis.findings.iter())
        .any(|f| fail_on.is_some_and(|min| f.severity >= min));
    Ok(if damaged > 0 {
        Exit::Error
    } else if failing {
        Exit::Findings
    } else if skipped > 0 {
        eprintln!("{skipped} invalid record(s) skipped: the audit covers the valid records only");
        Exit::Partial
    } else {
        Exit::Success
    })
}
