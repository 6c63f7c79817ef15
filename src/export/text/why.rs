//! `fanout why`: the backward path from the final answer in plain words — the answer's value,
//! the call whose result produced it, its batch, the finding there and the sibling it collided
//! with — followed by the suspect batches and the latency figures.

use crate::units;
use std::io::{self, Write};

use super::{clean, latency_line, write_header};
use crate::export::dto::TraceReport;
use crate::export::{prose, truncate};

/// Writes the why-path of one trace.
pub fn write_why(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    write_header(r, out)?;
    writeln!(out)?;
    match &r.final_answer {
        Some(a) => writeln!(
            out,
            "The agent answered: \"{}\"",
            truncate(&clean(&a.text), 300)
        )?,
        None => writeln!(out, "The trace records no final answer.")?,
    }
    let steps = prose::why_sentences(r);
    if steps.is_empty() {
        writeln!(out, "fanout found no value of the answer that came from a tool result, so no path back to a batch.")?;
    }
    for (i, s) in steps.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, clean(s))?;
    }
    if r.suspects_to_show().is_empty() {
        writeln!(out, "Suspect batches: none.")?;
    } else {
        writeln!(
            out,
            "Suspect batches, most likely first: {}.",
            clean(&r.suspects_to_show().join(", "))
        )?;
    }
    writeln!(out, "{}", latency_line(r))?;
    for b in r
        .batches
        .iter()
        .filter(|b| b.parallel && r.suspect_batch_ids.contains(&b.batch_id))
    {
        if let (Some(w), Some(s)) = (b.wall_nanos, b.sum_nanos) {
            let saved = units::duration(s.saturating_sub(w));
            writeln!(
                out,
                "  batch {}: wall {} for {} of calls ({saved} saved by running them together)",
                clean(&b.batch_id),
                units::duration(w),
                units::duration(s)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    fn why(t: &crate::analysis::AnalyzedTrace) -> String {
        let mut buf = Vec::new();
        write_why(&TraceReport::from_analyzed(t), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn why_walks_from_the_value_to_the_colliding_sibling() {
        let s = why(&fixtures::lost_update());
        assert!(
            s.contains("1. The answer contains the value \"70\"."),
            "{s}"
        );
        assert!(
            s.contains("2. \"70\" came from the result of withdraw (call_wd)."),
            "{s}"
        );
        assert!(
            s.contains("batch b1 with 1 sibling, emitted by model call 1"),
            "{s}"
        );
        assert!(s.contains("observed shared-state mutation on account:acc-1001: it collided with its sibling deposit (call_dep). They overlapped for 135ms."), "{s}");
        assert!(s.contains("Suspect batches, most likely first: b1."), "{s}");
        assert!(s.contains("latency: total 400ms"), "{s}");
        assert!(
            s.contains("batch b1: wall 150ms for 285ms of calls (135ms saved"),
            "{s}"
        );
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'));
    }

    #[test]
    fn why_without_a_path_says_so() {
        let s = why(&fixtures::read_only());
        assert!(s.contains("no path back to a batch"), "{s}");
    }

    #[test]
    fn why_on_a_transcript_gives_no_times() {
        let s = why(&fixtures::untimed_transcript());
        assert!(s.contains("latency: untimed"), "{s}");
        assert!(
            s.contains("latent shared-state mutation on cart:c-1"),
            "{s}"
        );
        assert!(!s.contains("overlapped for"), "{s}");
    }
}
