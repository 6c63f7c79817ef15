//! The `fanout audit --format table` output: one row per finding, then a verdict line against
//! `--fail-on`. Columns are padded by character count; trace text is sanitized and shortened.

use std::io::{self, Write};

use super::{clean, latency_line};
use crate::analysis::Severity;
use crate::export::dto::Report;
use crate::export::{fails, truncate};

/// Writes the audit table over every trace of `report`.
pub fn write_audit_table(
    report: &Report,
    fail_on: Option<Severity>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let header = [
        "TRACE",
        "BATCH",
        "SEVERITY",
        "KIND",
        "RESOURCE",
        "CALLS",
        "EXPLANATION",
    ];
    let mut rows: Vec<[String; 7]> = Vec::new();
    for t in &report.traces {
        let mut findings: Vec<_> = t.findings.iter().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in findings {
            rows.push([
                t.trace_id.chars().take(12).collect(),
                clean(&f.batch_id).into_owned(),
                f.severity.to_string(),
                f.kind.to_string(),
                truncate(&clean(&f.resource), 32),
                truncate(&clean(&f.call_ids.join(", ")), 32),
                truncate(&clean(&f.explanation), 100),
            ]);
        }
    }
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    (*c).to_owned()
                } else {
                    pad(c, widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    if rows.is_empty() {
        writeln!(out, "No findings.")?;
    } else {
        writeln!(out, "{}", line(header.to_vec()))?;
        for r in &rows {
            writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
        }
    }
    writeln!(out)?;
    for t in &report.traces {
        let batches = t.batches.iter().filter(|b| b.parallel).count();
        let from = t
            .sources
            .first()
            .map(|f| format!(" ({})", clean(f)))
            .unwrap_or_default();
        writeln!(
            out,
            "{}{from} · {} parallel batch{} · {} finding{} · {}",
            &t.trace_id,
            batches,
            if batches == 1 { "" } else { "es" },
            t.findings.len(),
            if t.findings.len() == 1 { "" } else { "s" },
            latency_line(t)
        )?;
    }
    let count = |s: Severity| {
        report
            .traces
            .iter()
            .flat_map(|t| &t.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    let failing = report
        .traces
        .iter()
        .flat_map(|t| &t.findings)
        .filter(|f| fails(f.severity, fail_on))
        .count();
    let verdict = match fail_on {
        None => "fail-on never: PASS".to_owned(),
        Some(s) if failing > 0 => format!("fail-on {}: FAIL ({failing} at or above)", s.as_str()),
        Some(s) => format!("fail-on {}: PASS", s.as_str()),
    };
    writeln!(
        out,
        "{} trace{} · {} observed, {} latent, {} info · {verdict}",
        report.traces.len(),
        if report.traces.len() == 1 { "" } else { "s" },
        count(Severity::Observed),
        count(Severity::Latent),
        count(Severity::Info)
    )
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    fn table(fail_on: Option<Severity>) -> String {
        let mut buf = Vec::new();
        write_audit_table(&Report::new(&fixtures::all()), fail_on, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn rows_are_sorted_worst_first_and_aligned() {
        let s = table(Some(Severity::Observed));
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("TRACE") && lines[0].contains("EXPLANATION"));
        assert!(
            lines[1].contains("observed") && lines[1].contains("call_dep, call_wd"),
            "{s}"
        );
        let col = lines[0].find("SEVERITY").unwrap();
        assert!(
            lines[1..4]
                .iter()
                .all(|l| l.chars().nth(col).is_some_and(|c| c != ' ')),
            "{s}"
        );
        assert!(
            s.contains("1 observed, 2 latent, 0 info · fail-on observed: FAIL (1 at or above)"),
            "{s}"
        );
    }

    #[test]
    fn the_verdict_follows_fail_on() {
        assert!(table(None).contains("fail-on never: PASS"));
        assert!(table(Some(Severity::Latent)).contains("FAIL (3 at or above)"));
    }
}
