//! Export and audit output: the annotated timeline of analysed traces written as Perfetto/Chrome
//! trace JSON, SVG, Markdown or the versioned JSON contract, audit results as a table, JSON,
//! SARIF 2.1.0 or JUnit XML, and the terminal renderings of `show` and `why`.
//!
//! Every format is rendered from [`dto::TraceReport`] (export's own stable types) so all of them
//! carry the same annotations: batches, siblings, resources, findings, the suspect batch and the
//! latency figures. Writers take any [`std::io::Write`]; this module never opens files, reads
//! the clock or touches the store. Untimed runs (chat transcripts) are laid out by order and say
//! so; no time is ever invented. Text bound for a terminal goes through [`crate::sanitize`], text
//! bound for XML or Markdown is escaped for that format.

pub(crate) mod diff;
pub mod dto;
pub(crate) mod json;
pub(crate) mod junit;
pub mod markdown;
pub mod perfetto;
pub(crate) mod safe_json;
pub(crate) mod sarif;
pub(crate) mod svg;
pub mod text;

mod layout;
mod prose;
mod xml;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod robustness_tests;
#[cfg(test)]
mod schema_tests;

use std::io::Write;

use crate::analysis::{AnalyzedTrace, Severity};
pub use dto::{Report, TraceReport, SCHEMA_VERSION};

/// What went wrong while exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("trace {trace_id} has no batch '{batch_id}' (batches: {known})")]
    UnknownBatch {
        trace_id: String,
        batch_id: String,
        known: String,
    },
    #[error("writing the {format} export failed")]
    Io {
        format: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// Formats of `fanout export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportFormat {
    /// Chrome Trace Event JSON for ui.perfetto.dev and chrome://tracing.
    Perfetto,
    /// A self-contained SVG swimlane picture.
    Svg,
    /// Markdown for pull requests and issues.
    Md,
    /// The versioned JSON contract (docs/json-schema.md).
    Json,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Perfetto => "perfetto",
            Self::Svg => "svg",
            Self::Md => "md",
            Self::Json => "json",
        }
    }

    /// The format a file name asks for: `.perfetto.json`, `.json`, `.svg` or `.md`.
    pub fn for_path(path: &std::path::Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        [
            (".perfetto.json", Self::Perfetto),
            (".json", Self::Json),
            (".svg", Self::Svg),
            (".md", Self::Md),
        ]
        .into_iter()
        .find(|(ext, _)| name.ends_with(ext))
        .map(|(_, f)| f)
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Perfetto => "perfetto.json",
            Self::Svg => "svg",
            Self::Md => "md",
            Self::Json => "json",
        }
    }
}

/// Formats of `fanout audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum AuditFormat {
    /// A plain-text table for people.
    Table,
    /// The versioned JSON contract (docs/json-schema.md).
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// JUnit XML: one test case per batch.
    Junit,
}

/// The report of one trace, restricted to batch `batch` when given.
pub fn trace_report(t: &AnalyzedTrace, batch: Option<&str>) -> Result<TraceReport, ExportError> {
    let mut r = TraceReport::from_analyzed(t);
    if let Some(id) = batch {
        if !r.restrict_to_batch(id) {
            let known: Vec<&str> = r.batches.iter().map(|b| b.batch_id.as_str()).collect();
            return Err(ExportError::UnknownBatch {
                trace_id: r.trace_id,
                batch_id: id.to_owned(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    Ok(r)
}

/// Writes the annotated timeline of one trace (`fanout export`).
pub fn export(
    t: &AnalyzedTrace,
    batch: Option<&str>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let r = trace_report(t, batch)?;
    let io = |source| ExportError::Io {
        format: format.as_str(),
        source,
    };
    match format {
        ExportFormat::Perfetto => perfetto::write(std::slice::from_ref(&r), out),
        ExportFormat::Svg => svg::write(&r, out),
        ExportFormat::Md => markdown::write(&r, out),
        ExportFormat::Json => json::write(
            &Report {
                schema_version: SCHEMA_VERSION,
                traces: vec![r],
            },
            out,
        ),
    }
    .map_err(io)
}

/// Writes audit results over several traces (`fanout audit`). `sources[i]` names the input
/// files of `traces[i]` (missing entries: unknown). `fail_on` is the lowest severity that counts
/// as a failure (JUnit failures, the table's verdict); `None` means never.
pub fn audit(
    traces: &[AnalyzedTrace],
    sources: &[Vec<String>],
    format: AuditFormat,
    fail_on: Option<Severity>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut report = Report::new(traces);
    for (t, names) in report.traces.iter_mut().zip(sources) {
        t.sources.clone_from(names);
    }
    match format {
        AuditFormat::Table => text::write_audit_table(&report, fail_on, out),
        AuditFormat::Json => json::write(&report, out),
        AuditFormat::Sarif => sarif::write(&report, out),
        AuditFormat::Junit => junit::write(&report, fail_on, out),
    }
}

/// Whether a finding's severity is at or above `fail_on`.
pub fn fails(severity: Severity, fail_on: Option<Severity>) -> bool {
    fail_on.is_some_and(|min| severity >= min)
}

/// `×1.90` or `–` when unknown.
pub fn fmt_speedup(s: Option<f64>) -> String {
    s.filter(|s| s.is_finite())
        .map_or_else(|| "–".to_owned(), |s| format!("×{s:.2}"))
}

/// Shortens `s` to at most `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A one-line summary of JSON arguments: `account_id=ACC-1001, amount=50`.
pub fn args_summary(args: Option<&serde_json::Value>, max: usize) -> String {
    use serde_json::Value;
    let text = match args {
        None => return "(arguments not captured)".to_owned(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    truncate(&crate::sanitize::sanitize_line(&text), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_speedup(Some(1.9)), "×1.90");
        assert_eq!(fmt_speedup(Some(f64::NAN)), "–");
    }

    #[test]
    fn an_unknown_batch_is_an_error_naming_the_known_ones() {
        let t = fixtures::context_dependency();
        let err = trace_report(&t, Some("b9")).unwrap_err().to_string();
        assert!(err.contains("'b9'") && err.contains("b1, b2"), "{err}");
        let r = trace_report(&t, Some("b2")).unwrap();
        assert_eq!(r.batches.len(), 1);
        assert!(r.findings.is_empty(), "b1's finding is not in b2");
        assert_eq!(r.scope_batch_id.as_deref(), Some("b2"));
    }

    #[test]
    fn args_summary_is_one_clean_line() {
        let v = serde_json::json!({"a": "x\ny\u{1b}[2J", "n": 3});
        assert_eq!(args_summary(Some(&v), 80), "a=x y, n=3");
        assert_eq!(args_summary(None, 80), "(arguments not captured)");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    /// Writes every format of every fixture to `$FANOUT_EXPORT_DUMP` when set, to look at by hand
    /// (`rsvg-convert -o x.png x.svg`, ui.perfetto.dev, a Markdown previewer).
    #[test]
    fn dump_fixture_exports_when_asked() {
        let Ok(dir) = std::env::var("FANOUT_EXPORT_DUMP") else {
            return;
        };
        let names = ["lost_update", "read_only", "context", "untimed"];
        for (name, t) in names.iter().zip(fixtures::all()) {
            for f in [
                ExportFormat::Perfetto,
                ExportFormat::Svg,
                ExportFormat::Md,
                ExportFormat::Json,
            ] {
                let mut buf = Vec::new();
                export(&t, None, f, &mut buf).unwrap();
                std::fs::write(format!("{dir}/{name}.{}", f.extension()), buf).unwrap();
            }
            let r = trace_report(&t, None).unwrap();
            let mut buf = Vec::new();
            text::write_show(&r, &mut buf).unwrap();
            text::write_why(&r, &mut buf).unwrap();
            std::fs::write(format!("{dir}/{name}.txt"), buf).unwrap();
        }
        for (ext, f) in [
            ("sarif", AuditFormat::Sarif),
            ("junit.xml", AuditFormat::Junit),
            ("audit.txt", AuditFormat::Table),
        ] {
            let mut buf = Vec::new();
            audit(&fixtures::all(), &[], f, Some(Severity::Latent), &mut buf).unwrap();
            std::fs::write(format!("{dir}/all.{ext}"), buf).unwrap();
        }
    }

    #[test]
    fn fail_on_thresholds_compare_by_rank() {
        assert!(fails(Severity::Observed, Some(Severity::Latent)));
        assert!(!fails(Severity::Info, Some(Severity::Latent)));
        assert!(!fails(Severity::Observed, None));
    }
}
