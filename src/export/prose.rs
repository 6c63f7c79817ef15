//! Sentences shared by the text formats (terminal, Markdown, SVG, SARIF, JUnit): a finding in
//! words and the why-path in words. They hold raw trace text; each writer escapes or sanitizes
//! the whole sentence for its medium.

use super::dto::{FindingDto, TraceReport, WhyStepDto};
use super::truncate;
use crate::units;

/// `deposit (call_dep)` for a call by its run index; the bare id when it is not in the report.
pub fn call_name(r: &TraceReport, index: usize, fallback: &str) -> String {
    r.call(index).map_or_else(
        || fallback.to_owned(),
        |c| format!("{} ({})", c.tool, c.call_id),
    )
}

/// How long two calls overlapped, when both are timed and they did.
pub fn overlap_nanos(r: &TraceReport, a: usize, b: usize) -> Option<u64> {
    let (a, b) = (r.call(a)?, r.call(b)?);
    let s = a.start_unix_nano?.max(b.start_unix_nano?);
    let e = a.end_unix_nano?.min(b.end_unix_nano?);
    (e > s).then(|| e - s)
}

/// `Observed shared-state mutation` etc.
pub fn finding_title(f: &FindingDto) -> String {
    let kind = f.kind.label();
    let sev = f.severity.as_str();
    let mut t = format!("{sev} {kind}");
    if let Some(first) = t.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    t
}

/// One sentence: what collided, where, and why fanout thinks so.
pub fn finding_sentence(r: &TraceReport, f: &FindingDto) -> String {
    let names: Vec<String> = f
        .call_indexes
        .iter()
        .zip(&f.call_ids)
        .map(|(&i, id)| call_name(r, i, id))
        .collect();
    let between = match names.as_slice() {
        [] => String::new(),
        [one] => format!(" involving {one}"),
        [init @ .., last] => format!(" between {} and {last}", init.join(", ")),
    };
    let overlap = match f.call_indexes.as_slice() {
        [a, b, ..] => overlap_nanos(r, *a, *b)
            .map(|ns| format!(" (overlapped {})", units::duration(ns)))
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!(
        "{} on {} in batch {}{between}{overlap}: {}",
        finding_title(f),
        f.resource,
        f.batch_id,
        f.explanation
    )
}

/// `text` as a sentence of its own, ending with a full stop; a plain first word is capitalized
/// (`lost update` → `Lost update`) but a name (`summarize_session`, `account:x`) is left alone.
fn as_sentence(text: &str) -> String {
    let t = text.trim();
    let first = t.split(' ').next().unwrap_or("");
    let plain = !first.is_empty() && first.chars().all(|c| c.is_ascii_lowercase());
    let mut out: String = if plain {
        t.chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .chain(t.chars().skip(1))
            .collect()
    } else {
        t.to_owned()
    };
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The why-path, one sentence per step, in the order a person walks it.
pub fn why_sentences(r: &TraceReport) -> Vec<String> {
    r.why
        .iter()
        .enumerate()
        .map(
            |(i, s)| match (i.checked_sub(1).and_then(|p| r.why.get(p)), s.step.as_str()) {
                // A second call step: the value travelled through the previous call's arguments.
                (Some(prev), "call") if prev.step == "call" => {
                    let what = s.value.as_deref().map_or_else(|| "it".to_owned(), quote);
                    format!(
                        "{} got {what} in its arguments from the result of {}.",
                        by_id(r, prev.call_id.as_deref()),
                        by_id(r, s.call_id.as_deref())
                    )
                }
                _ => why_sentence(r, s),
            },
        )
        .collect()
}

fn by_id(r: &TraceReport, id: Option<&str>) -> String {
    let id = id.unwrap_or("?");
    r.calls()
        .find(|c| c.call_id == id)
        .map_or_else(|| id.to_owned(), |c| format!("{} ({})", c.tool, c.call_id))
}

fn quote(v: &str) -> String {
    format!("\"{}\"", truncate(v, 80))
}

fn why_sentence(r: &TraceReport, s: &WhyStepDto) -> String {
    match s.step.as_str() {
        "answer" => match &s.value {
            Some(v) => format!("The answer contains the value {}.", quote(v)),
            None => "The answer was traced as a whole.".to_owned(),
        },
        "call" => {
            let what = s.value.as_deref().map_or_else(|| "It".to_owned(), quote);
            format!(
                "{what} came from the result of {}.",
                by_id(r, s.call_id.as_deref())
            )
        }
        "batch" => {
            let id = s.batch_id.as_deref().unwrap_or("?");
            match r.batches.iter().find(|b| b.batch_id == id) {
                Some(b) => {
                    let sib = b.calls.len().saturating_sub(1);
                    let emitted = b
                        .emitted_by_model_call
                        .map(|m| format!(", emitted by model call {}", m + 1))
                        .unwrap_or_default();
                    format!(
                        "That call ran in batch {id} with {sib} sibling{}{emitted}.",
                        if sib == 1 { "" } else { "s" }
                    )
                }
                None => format!("That call ran in batch {id}."),
            }
        }
        "finding" => match s.finding.and_then(|i| r.findings.get(i)) {
            Some(f) => {
                let sibling = s
                    .sibling_call_id
                    .as_deref()
                    .map(|id| format!(": it collided with its sibling {}", by_id(r, Some(id))))
                    .unwrap_or_default();
                let overlap = match f.call_indexes.as_slice() {
                    [a, b, ..] => overlap_nanos(r, *a, *b)
                        .map(|ns| format!(" They overlapped for {}.", units::duration(ns)))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let title = finding_title(f).to_lowercase();
                let article = if title.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!(
                    "In batch {} fanout found {article} {title} on {}{sibling}.{overlap} {}",
                    f.batch_id,
                    f.resource,
                    as_sentence(&f.explanation)
                )
            }
            None => {
                "A finding was reported in that batch, but it is not in this export.".to_owned()
            }
        },
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    #[test]
    fn a_finding_reads_as_one_sentence_naming_both_calls() {
        let r = TraceReport::from_analyzed(&fixtures::lost_update());
        let s = finding_sentence(&r, &r.findings[0]);
        assert!(s.starts_with("Observed shared-state mutation on account:acc-1001 in batch b1 between deposit (call_dep) and withdraw (call_wd) (overlapped 135ms): Lost update"), "{s}");
    }

    #[test]
    fn explanations_become_sentences() {
        assert_eq!(as_sentence("lost update on x"), "Lost update on x.");
        assert_eq!(as_sentence("Done!"), "Done!");
        assert_eq!(
            as_sentence("summarize_session reads s"),
            "summarize_session reads s."
        );
        assert_eq!(as_sentence(""), "");
    }

    #[test]
    fn the_why_path_names_value_call_batch_and_sibling() {
        let r = TraceReport::from_analyzed(&fixtures::lost_update());
        let w = why_sentences(&r);
        assert_eq!(w[0], "The answer contains the value \"70\".");
        assert_eq!(w[1], "\"70\" came from the result of withdraw (call_wd).");
        assert_eq!(
            w[2],
            "That call ran in batch b1 with 1 sibling, emitted by model call 1."
        );
        assert!(w[3].starts_with("In batch b1 fanout found an observed shared-state mutation on account:acc-1001: it collided with its sibling deposit (call_dep). They overlapped for 135ms."), "{}", w[3]);
    }
}
