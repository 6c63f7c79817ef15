//! Comparing two analysed runs (the one that worked and the one that did not): batches aligned
//! in model order, calls matched inside each pair of batches, and every difference that can
//! change an answer (calls, arguments, results, status, resources, sibling overlap and order,
//! findings, the final answer), with the earliest diverging batch named first.
//!
//! Pure like the rest of analysis: two [`AnalyzedTrace`]s in, a [`RunDiff`] out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::{AnalyzedTrace, FindingKind, Severity};
use crate::model::{CallStatus, ToolCall};
use crate::normalize::matching::canonical;

/// Above this many batch pairs the alignment falls back to position (the dynamic programme is
/// quadratic in the number of batches).
const ALIGN_LIMIT: usize = 4_000_000;

/// Everything that differs between run A and run B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDiff {
    /// Batches of A and B side by side, in model order; unmatched batches stand alone.
    pub batches: Vec<BatchDiff>,
    /// Model calls in A and in B.
    pub model_calls: [usize; 2],
    /// The final answers of A and B.
    pub final_answer: [Option<String>; 2],
    /// Index into `batches` of the earliest pair that differs.
    pub first_divergence: Option<usize>,
}

impl RunDiff {
    /// No difference in batches, calls, findings or the final answer.
    pub fn is_equivalent(&self) -> bool {
        self.first_divergence.is_none()
            && self.final_answer[0] == self.final_answer[1]
            && self.model_calls[0] == self.model_calls[1]
    }
}

/// One batch of A beside one of B (or a batch only one run has).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchDiff {
    /// Batch ids (`b1`...) in A and in B.
    pub ids: [Option<String>; 2],
    pub calls: Vec<CallDiff>,
    /// Matched sibling pairs that overlapped in one run and not in the other.
    pub overlap: Vec<OverlapChange>,
    /// The matched calls started in a different order.
    pub order_changed: bool,
    /// Findings of this batch that differ: present in one run only, or with another severity.
    pub findings: Vec<FindingChange>,
}

impl BatchDiff {
    pub fn differs(&self) -> bool {
        self.ids[0].is_none()
            || self.ids[1].is_none()
            || self.calls.iter().any(CallDiff::differs)
            || !self.overlap.is_empty()
            || self.order_changed
            || !self.findings.is_empty()
    }
}

/// How two calls were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPairing {
    /// Same tool, same canonical arguments.
    Arguments,
    /// Same tool, in emission order (the arguments differ).
    Position,
    /// The call exists in one run only.
    Unmatched,
}

/// A value of A beside the value of B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change<T> {
    pub a: T,
    pub b: T,
}

/// One call of A beside its counterpart in B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallDiff {
    pub name: String,
    /// Tool-call indices in A and in B.
    pub calls: [Option<usize>; 2],
    /// Call ids in A and in B.
    pub call_ids: [Option<String>; 2],
    pub paired_by: CallPairing,
    pub arguments: Option<Change<Option<Value>>>,
    pub result: Option<Change<Option<Value>>>,
    pub status: Option<Change<CallStatus>>,
    /// Resources (with their access mark) touched in one run only.
    pub resources_only: [Vec<String>; 2],
}

impl CallDiff {
    pub fn differs(&self) -> bool {
        self.paired_by == CallPairing::Unmatched
            || self.arguments.is_some()
            || self.result.is_some()
            || self.status.is_some()
            || self.resources_only.iter().any(|r| !r.is_empty())
    }
}

/// Two siblings, named by tool and call ids in A, that overlapped in one run only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlapChange {
    pub calls: [String; 2],
    /// Whether they overlapped in A and in B.
    pub overlapped: [bool; 2],
}

/// A finding of one batch that is not the same in both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingChange {
    pub kind: FindingKind,
    pub resource: String,
    /// Its severity in A and in B (`None`: absent there).
    pub severity: [Option<Severity>; 2],
    /// Its explanation in the run that has it (A's when both do).
    pub explanation: String,
}

/// Compares run `a` with run `b`.
pub fn diff(a: &AnalyzedTrace, b: &AnalyzedTrace) -> RunDiff {
    let pairs = align_batches(a, b);
    let batches: Vec<BatchDiff> = pairs
        .into_iter()
        .map(|(x, y)| batch_diff(a, b, x, y))
        .collect();
    let first_divergence = batches.iter().position(BatchDiff::differs);
    let answer = |t: &AnalyzedTrace| t.run.final_answer.as_ref().map(|f| f.text.clone());
    RunDiff {
        batches,
        model_calls: [a.run.model_calls.len(), b.run.model_calls.len()],
        final_answer: [answer(a), answer(b)],
        first_divergence,
    }
}

/// The tools of a batch as a sorted list: what it did, whatever the emission order.
fn signature(t: &AnalyzedTrace, batch: usize) -> Vec<&str> {
    let mut names: Vec<&str> = t.run.batches[batch]
        .calls
        .iter()
        .filter_map(|&c| t.run.tool_calls.get(c).map(|c| c.name.as_str()))
        .collect();
    names.sort_unstable();
    names
}

/// Pairs batches in three passes: batches doing the same thing (the same tools) by a longest
/// common subsequence; between those anchors, batches sharing a tool by another; what is left
/// between those, by position (the same step, done differently).
fn align_batches(a: &AnalyzedTrace, b: &AnalyzedTrace) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (a.run.batches.len(), b.run.batches.len());
    if n.saturating_mul(m) > ALIGN_LIMIT {
        return gap_by_position(0..n, 0..m);
    }
    let sa: Vec<Vec<&str>> = (0..n).map(|i| signature(a, i)).collect();
    let sb: Vec<Vec<&str>> = (0..m).map(|j| signature(b, j)).collect();
    let same = |i: usize, j: usize| sa[i] == sb[j];
    let shares = |i: usize, j: usize| sa[i].iter().any(|t| sb[j].contains(t));
    let mut out = Vec::new();
    for (x, y, anchored) in between_anchors(0..n, 0..m, &same) {
        if anchored {
            out.push((Some(x.start), Some(y.start)));
            continue;
        }
        for (x2, y2, anchored2) in between_anchors(x, y, &shares) {
            if anchored2 {
                out.push((Some(x2.start), Some(y2.start)));
            } else {
                out.extend(gap_by_position(x2, y2));
            }
        }
    }
    out
}

type Span2 = (std::ops::Range<usize>, std::ops::Range<usize>, bool);

/// Splits `xs` × `ys` at the pairs of a longest common subsequence under `eq`: each anchor as a
/// pair of one-element ranges marked `true`, the stretches between anchors marked `false`.
fn between_anchors(
    xs: std::ops::Range<usize>,
    ys: std::ops::Range<usize>,
    eq: &dyn Fn(usize, usize) -> bool,
) -> Vec<Span2> {
    let anchors = lcs(xs.clone(), ys.clone(), eq);
    let mut out = Vec::new();
    let (mut i, mut j) = (xs.start, ys.start);
    for (ai, bj) in anchors {
        if i < ai || j < bj {
            out.push((i..ai, j..bj, false));
        }
        out.push((ai..ai + 1, bj..bj + 1, true));
        (i, j) = (ai + 1, bj + 1);
    }
    if i < xs.end || j < ys.end {
        out.push((i..xs.end, j..ys.end, false));
    }
    out
}

fn gap_by_position(
    xs: std::ops::Range<usize>,
    ys: std::ops::Range<usize>,
) -> Vec<(Option<usize>, Option<usize>)> {
    let (mut xs, mut ys) = (xs.peekable(), ys.peekable());
    let mut out = Vec::new();
    while xs.peek().is_some() || ys.peek().is_some() {
        out.push((xs.next(), ys.next()));
    }
    out
}

/// Index pairs of a longest common subsequence of the ranges `xs` and `ys` under `eq`.
fn lcs(
    xs: std::ops::Range<usize>,
    ys: std::ops::Range<usize>,
    eq: &dyn Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    let (n, m) = (xs.len(), ys.len());
    let (x0, y0) = (xs.start, ys.start);
    // len[i][j]: LCS length of xs[i..] and ys[j..].
    let mut len = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[at(i, j)] = if eq(x0 + i, y0 + j) {
                len[at(i + 1, j + 1)] + 1
            } else {
                len[at(i + 1, j)].max(len[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if eq(x0 + i, y0 + j) {
            out.push((x0 + i, y0 + j));
            i += 1;
            j += 1;
        } else if len[at(i + 1, j)] >= len[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn batch_diff(
    a: &AnalyzedTrace,
    b: &AnalyzedTrace,
    x: Option<usize>,
    y: Option<usize>,
) -> BatchDiff {
    let calls_of = |t: &AnalyzedTrace, i: Option<usize>| -> Vec<usize> {
        i.and_then(|i| t.run.batches.get(i))
            .map(|bt| bt.calls.clone())
            .unwrap_or_default()
    };
    let (ca, cb) = (calls_of(a, x), calls_of(b, y));
    let pairs = pair_calls(a, b, &ca, &cb);
    let calls: Vec<CallDiff> = pairs
        .iter()
        .map(|&(p, q, by)| call_diff(a, b, p, q, by))
        .collect();
    let matched: Vec<(usize, usize)> = pairs
        .iter()
        .filter_map(|&(p, q, _)| Some((p?, q?)))
        .collect();
    let (overlap, order_changed) = timing_changes(a, b, &matched);
    BatchDiff {
        ids: [
            x.map(|i| a.run.batches[i].id.clone()),
            y.map(|j| b.run.batches[j].id.clone()),
        ],
        calls,
        overlap,
        order_changed,
        findings: finding_changes(a, b, x, y),
    }
}

/// Pairs calls by tool and canonical arguments, then by tool in emission order.
fn pair_calls(
    a: &AnalyzedTrace,
    b: &AnalyzedTrace,
    ca: &[usize],
    cb: &[usize],
) -> Vec<(Option<usize>, Option<usize>, CallPairing)> {
    let key = |c: &ToolCall| {
        (
            c.name.clone(),
            c.arguments.as_ref().map(canonical).unwrap_or_default(),
        )
    };
    let mut free_b: Vec<Option<usize>> = cb.iter().copied().map(Some).collect();
    let mut out: Vec<(Option<usize>, Option<usize>, CallPairing)> = Vec::new();
    let mut by_key: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (slot, &q) in cb.iter().enumerate().rev() {
        by_key
            .entry(key(&b.run.tool_calls[q]))
            .or_default()
            .push(slot);
    }
    let mut unpaired_a = Vec::new();
    for &p in ca {
        match by_key
            .get_mut(&key(&a.run.tool_calls[p]))
            .and_then(Vec::pop)
        {
            Some(slot) => {
                out.push((Some(p), free_b[slot].take(), CallPairing::Arguments));
            }
            None => unpaired_a.push(p),
        }
    }
    for p in unpaired_a {
        let name = &a.run.tool_calls[p].name;
        let slot = free_b
            .iter()
            .position(|q| q.is_some_and(|q| &b.run.tool_calls[q].name == name));
        match slot.and_then(|s| free_b[s].take()) {
            Some(q) => out.push((Some(p), Some(q), CallPairing::Position)),
            None => out.push((Some(p), None, CallPairing::Unmatched)),
        }
    }
    out.extend(
        free_b
            .into_iter()
            .flatten()
            .map(|q| (None, Some(q), CallPairing::Unmatched)),
    );
    // Present them in A's emission order, B-only calls last in B's order.
    out.sort_by_key(|&(p, q, _)| (p.is_none(), p, q));
    out
}

fn call_diff(
    a: &AnalyzedTrace,
    b: &AnalyzedTrace,
    p: Option<usize>,
    q: Option<usize>,
    paired_by: CallPairing,
) -> CallDiff {
    let ta = p.and_then(|p| a.run.tool_calls.get(p));
    let tb = q.and_then(|q| b.run.tool_calls.get(q));
    let name = ta.or(tb).map(|c| c.name.clone()).unwrap_or_default();
    let resources = |t: &AnalyzedTrace, i: Option<usize>| -> BTreeSet<String> {
        i.and_then(|i| t.analysis.accesses.get(i))
            .map(|acc| {
                acc.iter()
                    .map(|x| format!("{} {}", x.mode.mark(), x.resource))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (ra, rb) = (resources(a, p), resources(b, q));
    let mut diff = CallDiff {
        name,
        calls: [p, q],
        call_ids: [
            ta.and_then(|c| c.call_id.clone()),
            tb.and_then(|c| c.call_id.clone()),
        ],
        paired_by,
        arguments: None,
        result: None,
        status: None,
        resources_only: [Vec::new(), Vec::new()],
    };
    let (Some(ta), Some(tb)) = (ta, tb) else {
        return diff;
    };
    let same = |x: &Option<Value>, y: &Option<Value>| {
        x.as_ref().map(canonical) == y.as_ref().map(canonical)
    };
    if !same(&ta.arguments, &tb.arguments) {
        diff.arguments = Some(Change {
            a: ta.arguments.clone(),
            b: tb.arguments.clone(),
        });
    }
    if !same(&ta.result, &tb.result) {
        diff.result = Some(Change {
            a: ta.result.clone(),
            b: tb.result.clone(),
        });
    }
    if ta.status != tb.status {
        diff.status = Some(Change {
            a: ta.status,
            b: tb.status,
        });
    }
    diff.resources_only = [
        ra.difference(&rb).cloned().collect(),
        rb.difference(&ra).cloned().collect(),
    ];
    diff
}

fn interval(c: &ToolCall) -> Option<(u64, u64)> {
    Some((c.start_unix_nano?, c.end_unix_nano?))
}

fn overlaps(x: (u64, u64), y: (u64, u64)) -> bool {
    x.0 < y.1 && y.0 < x.1
}

/// Sibling pairs whose overlap differs, and whether the start order changed. Untimed runs
/// (transcripts) have neither.
fn timing_changes(
    a: &AnalyzedTrace,
    b: &AnalyzedTrace,
    matched: &[(usize, usize)],
) -> (Vec<OverlapChange>, bool) {
    let times: Vec<((u64, u64), (u64, u64))> = matched
        .iter()
        .filter_map(|&(p, q)| {
            Some((
                interval(&a.run.tool_calls[p])?,
                interval(&b.run.tool_calls[q])?,
            ))
        })
        .collect();
    if times.len() != matched.len() {
        return (Vec::new(), false);
    }
    let label = |p: usize| {
        let c = &a.run.tool_calls[p];
        match &c.call_id {
            Some(id) => format!("{} ({id})", c.name),
            None => c.name.clone(),
        }
    };
    let mut changes = Vec::new();
    for i in 0..matched.len() {
        for j in i + 1..matched.len() {
            let in_a = overlaps(times[i].0, times[j].0);
            let in_b = overlaps(times[i].1, times[j].1);
            if in_a != in_b {
                changes.push(OverlapChange {
                    calls: [label(matched[i].0), label(matched[j].0)],
                    overlapped: [in_a, in_b],
                });
            }
        }
    }
    let mut by_a: Vec<usize> = (0..times.len()).collect();
    by_a.sort_by_key(|&i| times[i].0 .0);
    let order_changed = by_a.windows(2).any(|w| times[w[0]].1 .0 > times[w[1]].1 .0);
    (changes, order_changed)
}

fn finding_changes(
    a: &AnalyzedTrace,
    b: &AnalyzedTrace,
    x: Option<usize>,
    y: Option<usize>,
) -> Vec<FindingChange> {
    type Key = (FindingKind, String);
    let of = |t: &AnalyzedTrace, batch: Option<usize>| -> BTreeMap<Key, (Severity, String)> {
        let mut m: BTreeMap<Key, (Severity, String)> = BTreeMap::new();
        for f in t
            .analysis
            .findings
            .iter()
            .filter(|f| Some(f.batch) == batch)
        {
            let e = m
                .entry((f.kind, f.resource.clone()))
                .or_insert((f.severity, f.explanation.clone()));
            if f.severity > e.0 {
                *e = (f.severity, f.explanation.clone());
            }
        }
        m
    };
    let (fa, fb) = (of(a, x), of(b, y));
    let keys: BTreeSet<&Key> = fa.keys().chain(fb.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (sa, sb) = (fa.get(k), fb.get(k));
            if sa.map(|s| s.0) == sb.map(|s| s.0) {
                return None;
            }
            Some(FindingChange {
                kind: k.0,
                resource: k.1.clone(),
                severity: [sa.map(|s| s.0), sb.map(|s| s.0)],
                explanation: sa.or(sb).map(|s| s.1.clone()).unwrap_or_default(),
            })
        })
        .collect()
}

/// One leaf that differs between two JSON values: its path (`balance.new`, `items[2]`) and the
/// value on each side (`None`: absent there).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeafChange {
    pub path: String,
    pub values: [Option<Value>; 2],
}

/// The leaves that differ between `a` and `b`, in path order, at most `max` of them. JSON held
/// in strings is compared as JSON.
pub fn leaf_changes(a: Option<&Value>, b: Option<&Value>, max: usize) -> Vec<LeafChange> {
    let parse = |v: Option<&Value>| v.map(crate::normalize::record::parse_loose);
    let (a, b) = (parse(a), parse(b));
    let mut out = Vec::new();
    walk_leaves(String::new(), a.as_ref(), b.as_ref(), max, &mut out, 0);
    out
}

fn walk_leaves(
    path: String,
    a: Option<&Value>,
    b: Option<&Value>,
    max: usize,
    out: &mut Vec<LeafChange>,
    depth: usize,
) {
    if out.len() >= max {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) if depth < 32 => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                walk_leaves(join(k), x.get(k), y.get(k), max, out, depth + 1);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if depth < 32 => {
            for i in 0..x.len().max(y.len()) {
                walk_leaves(
                    format!("{path}[{i}]"),
                    x.get(i),
                    y.get(i),
                    max,
                    out,
                    depth + 1,
                );
            }
        }
        _ => {
            if a.map(canonical) != b.map(canonical) {
                out.push(LeafChange {
                    path: if path.is_empty() {
                        "(value)".to_owned()
                    } else {
                        path
                    },
                    values: [a.cloned(), b.cloned()],
                });
            }
        }
    }
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
