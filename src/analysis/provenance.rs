//! Data flow and the path from the final answer back to its batch.
//!
//! A value (number, id, name, short string) in a tool's result that reappears in a later tool's
//! arguments, a later model input or the final answer becomes a [`FlowEdge`]. Values the call was
//! given in its own arguments are echoes, not products, and are skipped; values found in more
//! than [`MAX_POSTINGS`] places carry no information and are skipped too. Matching goes through
//! an inverted token index so long runs stay linear-ish.
//!
//! The backward slice from the answer (flow edges, plus earlier writes of resources a feeding
//! call read) gives the batches that fed it: the suspects, those with findings first.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::resources::names::overlaps;
use super::resources::CallResources;
use super::types::{Finding, FlowEdge, FlowTarget, Severity, WhyPath, WhyStep};
use crate::model::Run;

/// A value seen in more places than this is too common to trace.
pub const MAX_POSTINGS: usize = 50;
const MAX_VALUES_PER_CALL: usize = 200;

/// What provenance produces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    pub flow: Vec<FlowEdge>,
    pub suspects: Vec<usize>,
    pub why: WhyPath,
}

/// Splits text into lowercase tokens; inner `-_./@:` stay (ids, paths, decimals).
fn tokens(text: &str) -> Vec<String> {
    token_iter(text).map(Cow::into_owned).collect()
}

/// Characters that end a token besides whitespace.
fn separates(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '('
                | ')'
                | '{'
                | '}'
                | '['
                | ']'
                | ','
                | ';'
                | '!'
                | '?'
                | '='
                | '<'
                | '>'
                | '`'
                | '|'
                | '*'
        )
}

/// [`tokens`] without copying: a token already in lowercase is borrowed from `text`.
fn token_iter(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(separates)
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|t| !t.is_empty())
        .map(|t| match number_key(t) {
            Some(n) => Cow::Owned(n),
            None if t.chars().any(char::is_uppercase) => Cow::Owned(t.to_lowercase()),
            None => Cow::Borrowed(t),
        })
}

/// `120`, `120.0`, `$120` → `#120`; decimals keep up to 6 places.
fn number_key(t: &str) -> Option<String> {
    let t = t.trim_start_matches(['$', '€', '£', '¥', '+']);
    if t.is_empty()
        || !t
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '-')
    {
        return None;
    }
    let f: f64 = t.parse().ok()?;
    f.is_finite()
        .then(|| format!("#{}", (f * 1e6).round() / 1e6))
}

/// A traceable value from a result.
#[derive(Debug, Clone)]
struct Traced {
    shown: String,
    tokens: Vec<String>,
    /// Lowercase text for multi-token confirmation.
    text: String,
}

fn leaves(v: &Value, out: &mut Vec<Value>) {
    if out.len() >= MAX_VALUES_PER_CALL {
        return;
    }
    match v {
        Value::Object(m) => m.values().for_each(|x| leaves(x, out)),
        Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
        Value::Number(_) => out.push(v.clone()),
        Value::String(s) => match crate::model::span::parse_json_string(s) {
            inner @ (Value::Object(_) | Value::Array(_)) => leaves(&inner, out),
            _ => out.push(v.clone()),
        },
        _ => {}
    }
}

const DULL: &[&str] = &[
    "true", "false", "null", "none", "ok", "success", "yes", "no", "error", "the", "and", "n/a",
    "tool",
];

fn traced_values(result: &Value, args: Option<&Value>) -> Vec<Traced> {
    let mut given = BTreeSet::new();
    if let Some(a) = args {
        let mut l = Vec::new();
        leaves(a, &mut l);
        for v in l {
            given.insert(shown(&v).to_lowercase());
        }
    }
    let mut l = Vec::new();
    leaves(result, &mut l);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for v in l {
        let s = shown(&v);
        let lower = s.to_lowercase();
        if given.contains(&lower) || !seen.insert(lower.clone()) {
            continue;
        }
        if let Value::String(_) = v {
            let words = s.split_whitespace().count();
            if s.chars().count() < 3
                || s.len() > 80
                || words > 6
                || DULL.contains(&lower.as_str())
                || !specific(&s)
            {
                continue;
            }
        }
        let toks = tokens(&s);
        if toks.is_empty() {
            continue;
        }
        out.push(Traced {
            shown: s,
            tokens: toks,
            text: lower,
        });
    }
    out
}

/// A value worth following: an id or code (digits, capitals, `-_./@:`), a name of several words;
/// not one common lowercase word (`pending`, `fine`), which reappears by chance.
fn specific(s: &str) -> bool {
    let t = s.trim();
    t.split_whitespace().count() > 1
        || t.chars().any(|c| c.is_ascii_digit() || c.is_uppercase())
        || t.contains(['-', '_', '.', '/', '@', ':'])
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    }
}

/// One place a value can reappear.
struct Target {
    what: FlowTarget,
    /// Position in run order: a flow only goes forward.
    order: (usize, usize),
    text: String,
}

/// Builds flow edges, suspects and the why path.
pub fn provenance(run: &Run, calls: &[CallResources], findings: &[Finding]) -> Provenance {
    // Order of a call: its emitting model call (then its index); model call m "happens" at m.
    let call_order = |i: usize| -> (usize, usize) {
        let c = &run.tool_calls[i];
        (c.emitted_by.map_or(i, |m| m), 1)
    };
    let mut targets: Vec<Target> = Vec::new();
    for (i, c) in run.tool_calls.iter().enumerate() {
        if let Some(a) = &c.arguments {
            targets.push(Target {
                what: FlowTarget::ToolCall(i),
                order: call_order(i),
                text: a.to_string().to_lowercase(),
            });
        }
    }
    for m in &run.model_calls {
        if let Some(inp) = &m.input {
            targets.push(Target {
                what: FlowTarget::ModelCall(m.index),
                order: (m.index, 0),
                text: inp.to_string().to_lowercase(),
            });
        }
    }
    if let Some(fa) = &run.final_answer {
        targets.push(Target {
            what: FlowTarget::FinalAnswer,
            order: (usize::MAX, 0),
            text: fa.text.to_lowercase(),
        });
    }
    let mut postings: HashMap<Cow<'_, str>, Vec<usize>> = HashMap::new();
    for (ti, t) in targets.iter().enumerate() {
        for tok in token_iter(&t.text) {
            let p = postings.entry(tok).or_default();
            if p.last() != Some(&ti) {
                p.push(ti);
            }
        }
    }

    let mut flow = Vec::new();
    for (i, c) in run.tool_calls.iter().enumerate() {
        let Some(result) = &c.result else { continue };
        let from = call_order(i);
        for v in traced_values(result, c.arguments.as_ref()) {
            let Some(rarest) = v
                .tokens
                .iter()
                .filter_map(|t| postings.get(t.as_str()))
                .min_by_key(|p| p.len())
            else {
                continue;
            };
            let common = rarest.len() > MAX_POSTINGS;
            let mut first_model: Option<usize> = None;
            for &ti in rarest {
                let t = &targets[ti];
                if t.order <= from || common && t.what != FlowTarget::FinalAnswer {
                    continue;
                }
                if v.tokens.len() > 1 && !contains_phrase(&t.text, &v.text) {
                    continue;
                }
                match t.what {
                    FlowTarget::ModelCall(m) => {
                        // Only the first model call that saw it: later ones inherit the history.
                        if first_model.is_some_and(|f| f <= m) {
                            continue;
                        }
                        first_model = Some(m);
                    }
                    FlowTarget::ToolCall(j) if j == i => continue,
                    _ => {}
                }
                flow.push(FlowEdge {
                    from_call: i,
                    to: t.what,
                    value: v.shown.clone(),
                });
            }
            if common
                && !rarest
                    .iter()
                    .any(|&ti| targets[ti].what == FlowTarget::FinalAnswer)
            {
                continue;
            }
        }
    }
    flow.retain({
        let mut firsts: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for e in &flow {
            if let FlowTarget::ModelCall(m) = e.to {
                let f = firsts.entry((e.from_call, e.value.clone())).or_insert(m);
                *f = (*f).min(m);
            }
        }
        move |e| match e.to {
            FlowTarget::ModelCall(m) => firsts.get(&(e.from_call, e.value.clone())) == Some(&m),
            _ => true,
        }
    });
    let (suspects, why) = suspects_and_why(run, calls, findings, &flow);
    Provenance {
        flow,
        suspects,
        why,
    }
}

fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// How specific a traced value is: long ids and many-digit numbers beat `2`.
fn specificity(v: &str) -> usize {
    let digits = v.chars().filter(char::is_ascii_digit).count();
    v.chars().count() + digits
}

fn suspects_and_why(
    run: &Run,
    calls: &[CallResources],
    findings: &[Finding],
    flow: &[FlowEdge],
) -> (Vec<usize>, WhyPath) {
    let worst: BTreeMap<usize, Severity> = findings.iter().fold(BTreeMap::new(), |mut m, f| {
        let e = m.entry(f.batch).or_insert(f.severity);
        *e = (*e).max(f.severity);
        m
    });
    // Backward slice over tool → tool edges and earlier writes of what a feeder read.
    let answer_edges: Vec<&FlowEdge> = flow
        .iter()
        .filter(|e| e.to == FlowTarget::FinalAnswer)
        .collect();
    let mut slice: BTreeSet<usize> = answer_edges.iter().map(|e| e.from_call).collect();
    let direct: BTreeMap<usize, usize> = answer_edges.iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.from_call).or_insert(0) += 1;
        m
    });
    let mut stack: Vec<usize> = slice.iter().copied().collect();
    let mut budget = 10_000usize;
    while let Some(c) = stack.pop() {
        for e in flow.iter().filter(|e| e.to == FlowTarget::ToolCall(c)) {
            if slice.insert(e.from_call) {
                stack.push(e.from_call);
            }
        }
        let batch_c = run.tool_calls.get(c).and_then(|t| t.batch);
        let reads: Vec<&str> = calls
            .get(c)
            .map(|r| {
                r.accesses
                    .iter()
                    .filter(|a| a.mode.reads())
                    .map(|a| a.resource.as_str())
                    .collect()
            })
            .unwrap_or_default();
        for (w, rw) in calls.iter().enumerate() {
            if budget == 0 {
                break;
            }
            budget -= 1;
            let batch_w = run.tool_calls.get(w).and_then(|t| t.batch);
            if w == c || batch_w.is_none() || batch_w >= batch_c || slice.contains(&w) {
                continue;
            }
            if rw
                .accesses
                .iter()
                .any(|a| a.mode.writes() && reads.iter().any(|r| overlaps(r, &a.resource)))
            {
                slice.insert(w);
                stack.push(w);
            }
        }
    }
    let mut feeders: BTreeMap<usize, usize> = BTreeMap::new();
    for &c in &slice {
        if let Some(b) = run.tool_calls.get(c).and_then(|t| t.batch) {
            *feeders.entry(b).or_insert(0) += direct.get(&c).copied().unwrap_or(0);
        }
    }
    // A racing batch whose contested resource a later call on the answer's path read: the
    // answer went through what the race left behind, so that race is the first suspect, ahead
    // of a batch nearer the answer.
    let read_later = |b: usize, resource: &str| {
        slice.iter().any(|&c| {
            run.tool_calls
                .get(c)
                .and_then(|t| t.batch)
                .is_some_and(|cb| cb > b)
                && calls.get(c).is_some_and(|r| {
                    r.accesses
                        .iter()
                        .any(|a| a.mode.reads() && overlaps(&a.resource, resource))
                })
        })
    };
    let raced: BTreeSet<usize> = findings
        .iter()
        .filter(|f| f.severity > Severity::Info && feeders.contains_key(&f.batch))
        .filter(|f| read_later(f.batch, &f.resource))
        .map(|f| f.batch)
        .collect();
    let mut ranked: Vec<usize> = feeders.keys().copied().collect();
    ranked.sort_by_key(|b| {
        let sev = worst.get(b).copied().filter(|s| *s > Severity::Info);
        (
            sev.is_none(),
            !raced.contains(b),
            std::cmp::Reverse(sev),
            std::cmp::Reverse(feeders.get(b).copied().unwrap_or(0)),
            std::cmp::Reverse(*b),
        )
    });
    let mut with_findings: Vec<usize> = ranked
        .iter()
        .copied()
        .filter(|b| worst.get(b).is_some_and(|s| *s > Severity::Info))
        .collect();
    let without: Vec<usize> = ranked
        .iter()
        .copied()
        .filter(|b| !with_findings.contains(b))
        .collect();
    let mut others: Vec<(Severity, usize)> = worst
        .iter()
        .filter(|(b, s)| **s > Severity::Info && !feeders.contains_key(b))
        .map(|(b, s)| (*s, *b))
        .collect();
    others.sort_by_key(|(s, b)| (std::cmp::Reverse(*s), *b));
    with_findings.extend(without);
    with_findings.extend(others.into_iter().map(|(_, b)| b));
    let suspects = with_findings;

    let mut steps = Vec::new();
    let Some(answer) = &run.final_answer else {
        return (suspects, WhyPath { steps });
    };
    let top = suspects.first().copied();
    let edge_of = |call: usize| {
        answer_edges
            .iter()
            .filter(|e| e.from_call == call)
            .max_by_key(|e| specificity(&e.value))
            .copied()
    };
    // The worst finding of the top suspect batch, and in it the call that went wrong: the
    // second one (the reader, the user, the write that won).
    let finding = top.and_then(|b| {
        findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.batch == b)
            .max_by_key(|(_, f)| (f.severity, f.calls.iter().any(|&c| edge_of(c).is_some())))
    });
    let chosen: Option<(usize, Option<&FlowEdge>)> = match finding {
        Some((_, f)) => {
            let victim = f.calls.get(1).copied();
            let fed: Vec<(usize, &FlowEdge)> = f
                .calls
                .iter()
                .filter_map(|&c| edge_of(c).map(|e| (c, e)))
                .collect();
            match victim {
                Some(v) if edge_of(v).is_some() => Some((v, edge_of(v))),
                Some(v) if f.kind != super::types::FindingKind::SharedStateMutation => {
                    Some((v, None))
                }
                _ => fed
                    .iter()
                    .max_by_key(|(_, e)| specificity(&e.value))
                    .map(|(c, e)| (*c, Some(*e)))
                    .or(victim.map(|v| (v, None))),
            }
        }
        None => answer_edges
            .iter()
            .filter(|e| run.tool_calls.get(e.from_call).and_then(|c| c.batch) == top)
            .chain(answer_edges.iter())
            .max_by_key(|e| {
                (
                    run.tool_calls.get(e.from_call).and_then(|c| c.batch) == top,
                    specificity(&e.value),
                )
            })
            .map(|e| (e.from_call, Some(*e))),
    };
    let value = chosen.and_then(|(_, e)| e).map(|e| e.value.clone());
    steps.push(WhyStep::Answer {
        text: answer.text.clone(),
        value: value.clone(),
    });
    if let Some((call, _)) = chosen {
        // When the value reached the answer through a later call (its arguments carried it on),
        // show that hop first: answer <- later call <- the call that went wrong.
        let later_batch = |c: usize| run.tool_calls.get(c).and_then(|t| t.batch);
        let hop = value.as_ref().and_then(|v| {
            flow.iter()
                .filter(|f| f.from_call == call && &f.value == v)
                .filter_map(|f| match f.to {
                    FlowTarget::ToolCall(l) if later_batch(l) > later_batch(call) => Some(l),
                    _ => None,
                })
                .find(|l| answer_edges.iter().any(|e| e.from_call == *l))
        });
        if let Some(later) = hop {
            steps.push(WhyStep::Call {
                call: later,
                value: value.clone(),
            });
        }
        steps.push(WhyStep::Call { call, value });
    }
    let batch = chosen
        .and_then(|(c, _)| run.tool_calls.get(c).and_then(|t| t.batch))
        .or(top);
    if let Some(b) = batch {
        steps.push(WhyStep::Batch { batch: b });
        let call = chosen.map(|(c, _)| c);
        let in_batch = finding.filter(|(_, f)| f.batch == b).or_else(|| {
            findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.batch == b)
                .max_by_key(|(_, f)| (call.is_some_and(|c| f.calls.contains(&c)), f.severity))
        });
        if let Some((fi, f)) = in_batch {
            let sibling = f.calls.iter().copied().find(|c| Some(*c) != call);
            steps.push(WhyStep::Finding {
                finding: fi,
                sibling,
            });
        }
    }
    (suspects, WhyPath { steps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_make_numbers_comparable() {
        assert_eq!(
            tokens("The balance is $120."),
            vec!["the", "balance", "is", "#120"]
        );
        assert_eq!(
            tokens(r#"{"total":53.98,"id":"ORD-1"}"#),
            vec!["total", "#53.98", "id", "ord-1"]
        );
        assert_eq!(number_key("€53.98").as_deref(), Some("#53.98"));
        assert!(contains_phrase("2 x widget 9 (sku)", "widget 9"));
        assert!(!contains_phrase("widget 90", "widget 9"));
    }

    #[test]
    fn a_race_on_what_the_answer_read_is_the_first_suspect() {
        use crate::analysis::test_support::{empty_trace, run};
        use crate::analysis::{analyze, Catalog, Severity};
        use serde_json::json;
        let r = run(
            vec![
                // Two siblings overwrite each other in the report.
                vec![
                    (
                        "w1",
                        "write_file",
                        json!({"path": "out/report.md", "content": "EU Q3 sales 1200"}),
                        json!({"ok": true}),
                        Some((0, 20)),
                    ),
                    (
                        "w2",
                        "write_file",
                        json!({"path": "out/report.md", "content": "US Q3 sales 900"}),
                        json!({"ok": true}),
                        Some((5, 25)),
                    ),
                ],
                // Nearer the answer: a stale read on a counter, feeding it a number directly.
                vec![
                    (
                        "g",
                        "get_counter",
                        json!({"counter_id": "C-1"}),
                        json!({"value": 41}),
                        Some((100, 120)),
                    ),
                    (
                        "i",
                        "increment_counter",
                        json!({"counter_id": "C-1"}),
                        json!({"value": 42}),
                        Some((105, 125)),
                    ),
                ],
                // Publishes what the race left in the report.
                vec![(
                    "p",
                    "publish_report",
                    json!({"path": "out/report.md"}),
                    json!({"published": "US Q3 sales 900", "url": "https://x.io/r/77"}),
                    Some((200, 220)),
                )],
            ],
            Some("Published https://x.io/r/77 (counter 42): US Q3 sales 900."),
        );
        let a = analyze(&empty_trace(), &r, &Catalog::default());
        let worst = |b: usize| {
            a.findings
                .iter()
                .filter(|f| f.batch == b)
                .map(|f| f.severity)
                .max()
        };
        assert!(
            worst(0) > Some(Severity::Info) && worst(1) > Some(Severity::Info),
            "{:?}",
            a.findings
        );
        assert_eq!(a.suspects.first(), Some(&0), "{:?}", a.suspects);
    }

    #[test]
    fn common_words_are_not_followed() {
        assert!(!specific("pending") && !specific("fine"));
        assert!(specific("ORD-7") && specific("Mexico City") && specific("a@x.io"));
    }

    #[test]
    fn the_answer_is_traced_through_later_arguments_back_to_the_racing_batch() {
        use crate::analysis::test_support::{empty_trace, run};
        use crate::analysis::{analyze, Catalog};
        use serde_json::json;
        let r = run(
            vec![
                vec![
                    (
                        "b",
                        "get_balance",
                        json!({"account_id": "A-2"}),
                        json!({"balance": 100}),
                        Some((0, 10)),
                    ),
                    (
                        "i",
                        "get_invoice",
                        json!({"invoice_id": "INV-7"}),
                        json!({"due": 130}),
                        Some((0, 12)),
                    ),
                ],
                vec![
                    (
                        "d1",
                        "deposit",
                        json!({"account_id": "A-2", "amount": 15}),
                        json!({"previous_balance": 100, "new_balance": 115}),
                        Some((100, 150)),
                    ),
                    (
                        "d2",
                        "deposit",
                        json!({"account_id": "A-2", "amount": 25}),
                        json!({"previous_balance": 100, "new_balance": 125}),
                        Some((100, 180)),
                    ),
                ],
                vec![(
                    "p",
                    "pay_invoice",
                    json!({"invoice_id": "INV-7", "amount": 125}),
                    json!({"remaining": 5}),
                    Some((300, 320)),
                )],
            ],
            Some("Paid 125; $5 still due."),
        );
        let a = analyze(&empty_trace(), &r, &Catalog::default());
        assert!(
            a.flow.contains(&FlowEdge {
                from_call: 3,
                to: FlowTarget::ToolCall(4),
                value: "125".into()
            }),
            "{:?}",
            a.flow
        );
        assert!(
            a.flow.contains(&FlowEdge {
                from_call: 4,
                to: FlowTarget::FinalAnswer,
                value: "5".into()
            }),
            "{:?}",
            a.flow
        );
        // The racing batch comes first, ahead of the later batch that fed the answer directly.
        assert_eq!(a.suspects.first(), Some(&1));
        assert!(a.suspects.contains(&2));
        // The path shows the hop: the answer's 125 reached it through pay_invoice (call 4),
        // whose arguments carried the racing deposit's (call 3) result.
        let why = &a.why.steps;
        assert!(
            matches!(why.get(1), Some(WhyStep::Call { call: 4, .. })),
            "{why:?}"
        );
        assert!(
            matches!(why.get(2), Some(WhyStep::Call { call: 3, .. })),
            "{why:?}"
        );
        assert!(
            matches!(why.get(3), Some(WhyStep::Batch { batch: 1 })),
            "{why:?}"
        );
        assert!(
            matches!(why.get(4), Some(WhyStep::Finding { finding: 0, .. })),
            "{why:?}"
        );
    }
}
