//! Plain-text renderings for the terminal: `fanout show` (the run as a user thinks of it),
//! `fanout why` ([`why`]) and the `fanout audit` table ([`audit_table`]).
//!
//! Every piece of trace text passes through [`crate::sanitize`] before it is written, so a tool
//! result cannot move the cursor or retitle the terminal. Untimed runs say "untimed" where a
//! duration would be and state that order is exact but times are absent; nothing is invented.

mod audit_table;
mod catalog_table;
mod why;

use crate::units;
use std::borrow::Cow;
use std::io::{self, Write};

use super::dto::{BatchDto, CallDto, TraceReport};
use super::{args_summary, fmt_speedup, truncate};
use crate::model::{CallStatus, Timing};

pub use audit_table::write_audit_table;
pub use catalog_table::write_catalog_table;
pub use why::write_why;

/// One line of untrusted text, safe for a terminal.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    crate::sanitize::sanitize_line(s)
}

/// How long two calls overlapped, when both are timed and they did.
fn overlap(a: &CallDto, b: &CallDto) -> Option<u64> {
    let s = a.start_unix_nano?.max(b.start_unix_nano?);
    let e = a.end_unix_nano?.min(b.end_unix_nano?);
    (e > s).then(|| e - s)
}

/// The header lines shared by `show` and `why`: trace, conventions, timing, degradations.
pub(crate) fn write_header(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    let conv = if r.conventions.is_empty() {
        "convention unknown".to_owned()
    } else {
        r.conventions.join(", ")
    };
    writeln!(out, "trace {} · {}", r.trace_id, clean(&conv))?;
    if let Some(session) = &r.session {
        writeln!(out, "session: {}", clean(&session.summary()))?;
    }
    if r.is_untimed() {
        writeln!(out, "timing: absent (chat transcript) · order and batches are exact, durations are not recorded")?;
    }
    if r.timing == Timing::Recovered {
        writeln!(out, "timing: recovered from log line timestamps · each call spans from its line to its result's line (upper bounds, not measured)")?;
    }
    if let Some(b) = &r.scope_batch_id {
        writeln!(out, "showing batch {} only", clean(b))?;
    }
    for d in &r.degradations {
        writeln!(out, "degraded: {} · {}", clean(&d.code), clean(&d.message))?;
    }
    Ok(())
}

/// The latency line: total, tool share, critical path, sequential cost.
pub(crate) fn latency_line(r: &TraceReport) -> String {
    let l = &r.latency;
    if r.is_untimed() {
        return "latency: untimed (no times recorded)".to_owned();
    }
    if l.total_nanos.is_none() {
        return "latency: not available".to_owned();
    }
    let mut parts = vec![format!(
        "total {}",
        units::duration_or_untimed(l.total_nanos)
    )];
    if let Some(t) = l.tool_nanos {
        let share = l
            .tool_share
            .map(|s| format!(" ({:.0}%)", s * 100.0))
            .unwrap_or_default();
        parts.push(format!("in tools {}{share}", units::duration(t)));
    }
    if let Some(c) = l.critical_path_nanos {
        parts.push(format!("critical path {}", units::duration(c)));
    }
    if let Some(s) = l.sequential_nanos {
        parts.push(format!("fully sequential {}", units::duration(s)));
    }
    format!("latency: {}", parts.join(" · "))
}

/// Writes `fanout show`: model call 1 → batch → model call 2 … → final answer.
pub fn write_show(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    write_header(r, out)?;
    writeln!(out, "{}", latency_line(r))?;
    writeln!(out)?;
    let mut shown = vec![false; r.batches.len()];
    for m in &r.model_calls {
        let dur = match (m.start_unix_nano, m.end_unix_nano) {
            (Some(s), Some(e)) => units::duration(e.saturating_sub(s)),
            _ => "untimed".to_owned(),
        };
        let finish = m
            .finish_reason
            .as_deref()
            .map(|f| format!(" · finish {}", clean(f)))
            .unwrap_or_default();
        let model = m
            .model
            .as_deref()
            .map(|x| format!(" ({})", clean(x)))
            .unwrap_or_default();
        writeln!(
            out,
            "model call {} · {}{model} · {dur}{finish}",
            m.index + 1,
            clean(&m.name)
        )?;
        for (bi, b) in r.batches.iter().enumerate() {
            if b.emitted_by_model_call == Some(m.index) {
                shown[bi] = true;
                write_batch(r, b, out)?;
            }
        }
    }
    for (bi, b) in r.batches.iter().enumerate() {
        if !shown[bi] {
            writeln!(out, "(no emitting model call found)")?;
            write_batch(r, b, out)?;
        }
    }
    match &r.final_answer {
        Some(a) => writeln!(out, "final answer: \"{}\"", truncate(&clean(&a.text), 300))?,
        None => writeln!(out, "final answer: not found in the trace")?,
    }
    if !r.suspects_to_show().is_empty() {
        writeln!(
            out,
            "suspect batches (most likely first): {}",
            clean(&r.suspects_to_show().join(", "))
        )?;
    }
    Ok(())
}

fn write_batch(r: &TraceReport, b: &BatchDto, out: &mut dyn Write) -> io::Result<()> {
    let n = b.calls.len();
    let kind = if b.parallel { "in parallel" } else { "alone" };
    let mut figures = vec![format!(
        "batch {} · {n} call{} {kind}",
        clean(&b.batch_id),
        if n == 1 { "" } else { "s" }
    )];
    if !r.is_untimed() && b.parallel {
        figures.push(format!("wall {}", units::duration_or_untimed(b.wall_nanos)));
        figures.push(format!("sum {}", units::duration_or_untimed(b.sum_nanos)));
        figures.push(format!("speed-up {}", fmt_speedup(b.speedup)));
        figures.push(if b.overlapped {
            "overlapped".into()
        } else {
            "no overlap".into()
        });
    }
    writeln!(out, "  └─ {}", figures.join(" · "))?;
    let id_width = b
        .calls
        .iter()
        .map(|c| clean(&c.call_id).chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let width = b
        .calls
        .iter()
        .map(|c| clean(&c.tool).chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    for (i, c) in b.calls.iter().enumerate() {
        let branch = if i + 1 == n { "└─" } else { "├─" };
        let tool = truncate(&clean(&c.tool), 28);
        let overlaps: Vec<String> = b
            .calls
            .iter()
            .filter(|o| o.index != c.index)
            .filter_map(|o| {
                overlap(c, o).map(|ns| format!("{} by {}", clean(&o.call_id), units::duration(ns)))
            })
            .collect();
        let mut tail = vec![units::duration_or_untimed(c.duration_nanos)];
        if !overlaps.is_empty() {
            tail.push(format!("overlaps {}", overlaps.join(", ")));
        }
        if c.status != CallStatus::Ok {
            tail.push(c.status.as_str().replace('_', " "));
        }
        if let Some(e) = &c.error {
            tail.push(format!("error: {}", truncate(&clean(e), 80)));
        }
        writeln!(
            out,
            "     {branch} {tool:<width$}  {:<id_width$}  {}  · {}",
            truncate(&clean(&c.call_id), 40),
            args_summary(c.arguments.as_ref(), 60),
            tail.join(" · ")
        )?;
    }
    for f in r.findings.iter().filter(|f| f.batch_id == b.batch_id) {
        writeln!(
            out,
            "     ⚠ {}",
            clean(&super::prose::finding_sentence(r, f))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    fn show(t: &crate::analysis::AnalyzedTrace) -> String {
        let mut buf = Vec::new();
        write_show(&TraceReport::from_analyzed(t), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn show_walks_model_call_batch_model_call_answer_with_overlap() {
        let s = show(&fixtures::lost_update());
        let m1 = s.find("model call 1").unwrap();
        let b1 = s.find("batch b1 · 2 calls in parallel").unwrap();
        let m2 = s.find("model call 2").unwrap();
        let fa = s.find("final answer:").unwrap();
        assert!(m1 < b1 && b1 < m2 && m2 < fa, "{s}");
        assert!(s.contains("overlaps call_wd by 135ms"), "{s}");
        assert!(s.contains("speed-up ×1.90"), "{s}");
        assert!(s.contains("⚠ Observed shared-state mutation on account:acc-1001 in batch b1 between deposit (call_dep) and withdraw (call_wd)"), "{s}");
        assert!(s.contains("account_id=ACC-1001, amount=50"), "{s}");
    }

    #[test]
    fn show_never_lets_escape_sequences_through() {
        let s = show(&fixtures::lost_update());
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
    }

    #[test]
    fn show_states_untimed_runs_and_degradations() {
        let s = show(&fixtures::untimed_transcript());
        assert!(s.contains("timing: absent"), "{s}");
        assert!(s.contains("degraded: timing_absent"), "{s}");
        assert!(s.contains("untimed"), "{s}");
        assert!(
            !s.as_bytes()
                .windows(3)
                .any(|w| w[0].is_ascii_digit() && &w[1..] == b"ms"),
            "no invented durations: {s}"
        );
    }

    #[test]
    fn show_snapshot_of_the_context_dependency_run() {
        insta::assert_snapshot!(show(&fixtures::context_dependency()));
    }
}
