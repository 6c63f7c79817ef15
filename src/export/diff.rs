//! Writing a run comparison ([`crate::analysis::diff::RunDiff`]) for people (text), for a pull
//! request (Markdown) and for scripts (JSON). Every string from a trace is sanitized (text) or
//! escaped (Markdown) before it is written.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::markdown::escape;
use super::truncate;
use crate::analysis::diff::{leaf_changes, BatchDiff, CallDiff, CallPairing, RunDiff};
use crate::analysis::Severity;
use crate::sanitize::sanitize_line;

/// Version of the JSON written by [`write_json`].
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// Leaf changes listed per argument or result.
const MAX_LEAVES: usize = 8;

/// The two runs being compared, as the user named them.
#[derive(Debug, Clone, Serialize)]
pub struct Sides {
    /// Trace ids of A and B.
    pub trace_ids: [String; 2],
    /// Where each came from (the file, or the database), for the header.
    pub sources: [String; 2],
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    schema_version: u32,
    a: Side<'a>,
    b: Side<'a>,
    equivalent: bool,
    #[serde(flatten)]
    diff: &'a RunDiff,
}

#[derive(Serialize)]
struct Side<'a> {
    trace_id: &'a str,
    source: &'a str,
}

pub fn write_json(sides: &Sides, d: &RunDiff, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonDiff {
        schema_version: DIFF_SCHEMA_VERSION,
        a: Side {
            trace_id: &sides.trace_ids[0],
            source: &sides.sources[0],
        },
        b: Side {
            trace_id: &sides.trace_ids[1],
            source: &sides.sources[1],
        },
        equivalent: d.is_equivalent(),
        diff: d,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn compact(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".to_owned(),
        Some(v) => truncate(&v.to_string(), 60),
    }
}

fn severity(s: Option<Severity>) -> &'static str {
    s.map_or("absent", Severity::as_str)
}

fn batch_label(b: &BatchDiff) -> String {
    let side = |id: &Option<String>| id.clone().unwrap_or_else(|| "-".to_owned());
    format!("{} / {}", side(&b.ids[0]), side(&b.ids[1]))
}

fn call_label(c: &CallDiff) -> String {
    let id = c.call_ids[0].as_ref().or(c.call_ids[1].as_ref());
    match id {
        Some(id) => format!("{} ({id})", c.name),
        None => c.name.clone(),
    }
}

/// Lines describing what differs in one pair of batches, in plain words.
fn batch_lines(b: &BatchDiff) -> Vec<String> {
    let mut lines = Vec::new();
    match (&b.ids[0], &b.ids[1]) {
        (Some(id), None) => lines.push(format!("batch {id} exists in A only")),
        (None, Some(id)) => lines.push(format!("batch {id} exists in B only")),
        _ => {}
    }
    for c in &b.calls {
        let label = call_label(c);
        match (c.paired_by, c.calls) {
            (CallPairing::Unmatched, [Some(_), None]) => {
                lines.push(format!("{label}: called in A only"));
                continue;
            }
            (CallPairing::Unmatched, _) => {
                lines.push(format!("{label}: called in B only"));
                continue;
            }
            _ => {}
        }
        for (what, change) in [("arguments", &c.arguments), ("result", &c.result)] {
            let Some(change) = change else { continue };
            let leaves = leaf_changes(change.a.as_ref(), change.b.as_ref(), MAX_LEAVES);
            if leaves.is_empty() {
                lines.push(format!(
                    "{label}: {what} {} -> {}",
                    compact(&change.a),
                    compact(&change.b)
                ));
            }
            for leaf in leaves {
                lines.push(format!(
                    "{label}: {what} {} {} -> {}",
                    leaf.path,
                    compact(&leaf.values[0]),
                    compact(&leaf.values[1])
                ));
            }
        }
        if let Some(s) = &c.status {
            lines.push(format!("{label}: status {:?} -> {:?}", s.a, s.b));
        }
        for (side, only) in ["A", "B"].iter().zip(&c.resources_only) {
            for r in only {
                lines.push(format!("{label}: touches {r} in {side} only"));
            }
        }
    }
    for o in &b.overlap {
        let (was, now) = (o.overlapped[0], o.overlapped[1]);
        let word = |x: bool| if x { "overlapped" } else { "did not overlap" };
        lines.push(format!(
            "{} and {}: {} in A, {} in B",
            o.calls[0],
            o.calls[1],
            word(was),
            word(now)
        ));
    }
    if b.order_changed {
        lines.push("the siblings started in a different order".to_owned());
    }
    for f in &b.findings {
        lines.push(format!(
            "{} on {}: {} in A, {} in B",
            f.kind.label(),
            f.resource,
            severity(f.severity[0]),
            severity(f.severity[1])
        ));
    }
    lines
}

/// The plain-text report.
pub fn write_text(sides: &Sides, d: &RunDiff, out: &mut dyn Write) -> io::Result<()> {
    for (name, i) in [("A", 0), ("B", 1)] {
        writeln!(
            out,
            "{name}: {}  ({})",
            sides.trace_ids[i],
            sanitize_line(&sides.sources[i])
        )?;
    }
    if d.is_equivalent() {
        writeln!(
            out,
            "\nequivalent: the same batches, calls, arguments, results, findings and answer"
        )?;
        return Ok(());
    }
    match d.first_divergence.map(|i| &d.batches[i]) {
        Some(b) => writeln!(out, "\nfirst divergence: batch {}", batch_label(b))?,
        None => writeln!(out, "\nthe batches agree; the runs differ after them")?,
    }
    if d.model_calls[0] != d.model_calls[1] {
        writeln!(
            out,
            "model calls: {} in A, {} in B",
            d.model_calls[0], d.model_calls[1]
        )?;
    }
    for b in d.batches.iter().filter(|b| b.differs()) {
        writeln!(out, "\nbatch {}", batch_label(b))?;
        for line in batch_lines(b) {
            writeln!(out, "  {}", sanitize_line(&line))?;
        }
    }
    let same = d.batches.iter().filter(|b| !b.differs()).count();
    if same > 0 {
        writeln!(out, "\n{same} other batch(es) are the same in both runs")?;
    }
    writeln!(out, "\nfinal answer")?;
    if d.final_answer[0] == d.final_answer[1] {
        writeln!(out, "  the same in both runs")?;
    } else {
        for (name, a) in ["A", "B"].iter().zip(&d.final_answer) {
            let text = a.as_deref().unwrap_or("(none)");
            writeln!(out, "  {name}: {}", sanitize_line(&truncate(text, 400)))?;
        }
    }
    Ok(())
}

/// The Markdown report, for a pull request or an issue.
pub fn write_markdown(sides: &Sides, d: &RunDiff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## fanout diff\n")?;
    writeln!(out, "| run | trace | source |\n|---|---|---|")?;
    for (name, i) in [("A", 0), ("B", 1)] {
        writeln!(
            out,
            "| {name} | `{}` | {} |",
            escape(&sides.trace_ids[i]),
            escape(&sides.sources[i])
        )?;
    }
    writeln!(out)?;
    if d.is_equivalent() {
        writeln!(
            out,
            "**Equivalent**: the same batches, calls, arguments, results, findings and answer."
        )?;
        return Ok(());
    }
    if let Some(b) = d.first_divergence.map(|i| &d.batches[i]) {
        writeln!(
            out,
            "**First divergence: batch {}**\n",
            escape(&batch_label(b))
        )?;
    }
    for b in d.batches.iter().filter(|b| b.differs()) {
        writeln!(out, "### Batch {}\n", escape(&batch_label(b)))?;
        for line in batch_lines(b) {
            writeln!(out, "- {}", escape(&line))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "### Final answer\n")?;
    if d.final_answer[0] == d.final_answer[1] {
        writeln!(out, "The same in both runs.")?;
    } else {
        writeln!(out, "| run | answer |\n|---|---|")?;
        for (name, a) in ["A", "B"].iter().zip(&d.final_answer) {
            let text = a.as_deref().unwrap_or("(none)");
            writeln!(out, "| {name} | {} |", escape(&truncate(text, 400)))?;
        }
    }
    Ok(())
}
