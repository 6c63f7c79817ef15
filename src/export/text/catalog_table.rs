//! The tool catalog audit for people (`fanout audit --catalog-report`): every tool seen, its
//! access mode, whether it looks atomic, idempotent and independent, with the evidence; then the
//! tools that are reliably called together where one needs the other's output.

use std::io::{self, Write};

use crate::analysis::catalog_audit::{MergeCandidate, ToolProfile};
use crate::sanitize::sanitize_line;

/// Writes the checklist a team runs before enabling parallel tool calls.
pub fn write_catalog_table(
    profiles: &[ToolProfile],
    merges: &[MergeCandidate],
    out: &mut dyn Write,
) -> io::Result<()> {
    if profiles.is_empty() {
        return writeln!(out, "no tool calls in the audited traces");
    }
    writeln!(out, "Tool catalog audit ({} tools): read-only tools parallelize; write tools that share a resource serialize.", profiles.len())?;
    writeln!(out)?;
    let width = profiles
        .iter()
        .map(|p| sanitize_line(&p.tool).chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 32);
    writeln!(
        out,
        "{:<width$}  {:>5}  {:>8}  {:<17}  {:<8}  {:<10}  INDEPENDENT",
        "TOOL", "CALLS", "PARALLEL", "MODE", "ATOMIC", "IDEMPOTENT"
    )?;
    for p in profiles {
        writeln!(
            out,
            "{:<width$}  {:>5}  {:>8}  {:<17}  {:<8}  {:<10}  {}",
            crate::export::truncate(&sanitize_line(&p.tool), width),
            p.calls,
            p.parallel_calls,
            p.mode.as_str(),
            p.atomic.as_str(),
            p.idempotent.as_str(),
            p.independent.as_str(),
        )?;
        for e in &p.evidence {
            writeln!(out, "{:width$}    · {}", "", sanitize_line(e))?;
        }
    }
    if !merges.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Merge candidates (called together in one batch, one needs the other's output):"
        )?;
        for m in merges {
            writeln!(
                out,
                "  {} → {}: together in {} of {} batches holding {}",
                sanitize_line(&m.provider),
                sanitize_line(&m.consumer),
                m.together,
                m.provider_batches,
                sanitize_line(&m.provider)
            )?;
            for e in &m.evidence {
                writeln!(out, "    · {}", sanitize_line(e))?;
            }
        }
    }
    Ok(())
}
