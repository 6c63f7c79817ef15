//! The seed's idempotency test over many analysed runs: for every tool seen, whether it is
//! read-only, write-only or read-modify-write, and whether it looks atomic, idempotent and
//! independent, each verdict with the evidence behind it. Also the merge candidates: tools
//! reliably called together in one batch where one needs the other's output.
//!
//! Pure: works from runs and their analyses, which already carry every access and finding.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::resources::names::{ToolPhrase, VerbClass};
use super::resources::values::{result_idents, transitions};
use super::types::{Analysis, FindingKind};
use crate::model::Run;

/// How a tool touches state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolMode {
    ReadOnly,
    WriteOnly,
    ReadModifyWrite,
    /// No access could be inferred.
    Unknown,
}

impl ToolMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read-only",
            Self::WriteOnly => "write-only",
            Self::ReadModifyWrite => "read-modify-write",
            Self::Unknown => "unknown",
        }
    }
}

/// A yes/no that the evidence may not settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Yes,
    No,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Unknown => "?",
        }
    }
}

/// One row of the catalog report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolProfile {
    pub tool: String,
    /// Calls seen, and in how many runs.
    pub calls: usize,
    pub runs: usize,
    /// Calls that ran beside a sibling in a parallel batch.
    pub parallel_calls: usize,
    pub mode: ToolMode,
    pub atomic: Verdict,
    pub idempotent: Verdict,
    pub independent: Verdict,
    /// One line per verdict and more: what each rests on.
    pub evidence: Vec<String>,
}

/// Two tools that keep being called together where one needs the other's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeCandidate {
    /// The tool whose output is needed.
    pub provider: String,
    pub consumer: String,
    /// Batches holding both.
    pub together: usize,
    /// Batches holding the provider.
    pub provider_batches: usize,
    pub evidence: Vec<String>,
}

#[derive(Default)]
struct Acc {
    calls: usize,
    runs: BTreeSet<String>,
    parallel: usize,
    reads: bool,
    writes: bool,
    read_write: bool,
    multi_write: bool,
    findings: Vec<String>,
    lost_update: Vec<String>,
    hints: Option<Value>,
    transitions_by_args: BTreeMap<String, BTreeSet<String>>,
    evidence: BTreeSet<String>,
}

/// Classifies every tool seen across `runs`, sorted by tool name.
pub fn audit_catalog(runs: &[(&Run, &Analysis)]) -> Vec<ToolProfile> {
    let mut tools: BTreeMap<String, Acc> = BTreeMap::new();
    for (run, analysis) in runs {
        let trace = run.trace_id.to_string();
        for call in &run.tool_calls {
            let acc = tools.entry(call.name.clone()).or_default();
            acc.calls += 1;
            acc.runs.insert(trace.clone());
            if run.batch_of(call.index).is_some_and(|b| b.is_parallel()) {
                acc.parallel += 1;
            }
            let accesses = analysis
                .accesses
                .get(call.index)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let written: BTreeSet<&str> = accesses
                .iter()
                .filter(|a| a.mode.writes())
                .map(|a| a.resource.as_str())
                .collect();
            for a in accesses {
                acc.reads |= a.mode.reads();
                acc.writes |= a.mode.writes();
                // Read-modify-write: the state it writes is state it read (the same
                // resource, or one nested in the other); a looked-up reference is not.
                acc.read_write |= a.mode == super::types::AccessMode::ReadWrite
                    || a.mode.reads()
                        && written.iter().any(|w| {
                            *w != a.resource && super::resources::names::overlaps(w, &a.resource)
                        });
                if acc.evidence.len() < 4 {
                    acc.evidence.insert(format!(
                        "{} {}: {}",
                        a.mode.as_str(),
                        a.resource,
                        a.evidence
                    ));
                }
            }
            acc.multi_write |= written.len() > 1;
            if let (Some(args), Some(result)) = (&call.arguments, &call.result) {
                let t = transitions(result);
                if !t.is_empty() {
                    let news = t
                        .iter()
                        .map(|x| format!("{}={}", x.field, x.new))
                        .collect::<Vec<_>>()
                        .join(",");
                    acc.transitions_by_args
                        .entry(args.to_string())
                        .or_default()
                        .insert(news);
                }
            }
            if acc.hints.is_none() {
                acc.hints = run
                    .tool_definitions
                    .iter()
                    .find(|d| d.name == call.name)
                    .and_then(|d| d.annotations.clone());
            }
        }
        for f in &analysis.findings {
            let names: Vec<&str> = f
                .calls
                .iter()
                .filter_map(|&c| run.tool_calls.get(c))
                .map(|c| c.name.as_str())
                .collect();
            for (i, &c) in f.calls.iter().enumerate() {
                let Some(call) = run.tool_calls.get(c) else {
                    continue;
                };
                let others: Vec<&str> = names
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, n)| *n)
                    .collect();
                let acc = tools.entry(call.name.clone()).or_default();
                let batch = run.batches.get(f.batch).map_or("?", |b| b.id.as_str());
                acc.findings.push(format!(
                    "{} ({}) with {} on {} in batch {batch} of trace {}",
                    f.kind.label(),
                    f.severity.as_str(),
                    others.join(", "),
                    f.resource,
                    trace
                ));
                if f.kind == FindingKind::SharedStateMutation
                    && f.explanation.starts_with("lost update")
                {
                    acc.lost_update
                        .push(format!("lost update on {} in trace {}", f.resource, trace));
                }
            }
        }
    }
    tools
        .into_iter()
        .map(|(name, acc)| profile(name, acc))
        .collect()
}

fn profile(tool: String, acc: Acc) -> ToolProfile {
    let phrase = ToolPhrase::parse(&tool);
    let verb = phrase.verb.clone().unwrap_or_default();
    let mut evidence: Vec<String> = acc.evidence.iter().cloned().collect();
    let mode = if acc.read_write {
        ToolMode::ReadModifyWrite
    } else if acc.writes {
        ToolMode::WriteOnly
    } else if acc.reads {
        ToolMode::ReadOnly
    } else {
        ToolMode::Unknown
    };
    let hint = |k: &str| {
        acc.hints
            .as_ref()
            .and_then(|h| h.get(k))
            .and_then(Value::as_bool)
    };

    let atomic = if let Some(l) = acc.lost_update.first() {
        evidence.push(format!("not atomic: {l}"));
        Verdict::No
    } else {
        match mode {
            ToolMode::ReadOnly => {
                evidence.push("atomic: it only reads and returns".into());
                Verdict::Yes
            }
            ToolMode::ReadModifyWrite => {
                evidence.push(
                    "not atomic: it reads the prior state, then writes; a sibling can interleave"
                        .into(),
                );
                Verdict::No
            }
            ToolMode::WriteOnly if acc.multi_write => {
                evidence.push("not atomic: one call writes several resources".into());
                Verdict::No
            }
            ToolMode::WriteOnly => {
                evidence.push("looks atomic: one blind write per call".into());
                Verdict::Yes
            }
            ToolMode::Unknown => Verdict::Unknown,
        }
    };

    let repeated_differs = acc.transitions_by_args.values().find(|news| news.len() > 1);
    let idempotent = if let Some(h) = hint("idempotentHint") {
        evidence.push(format!("MCP idempotentHint={h}"));
        if h {
            Verdict::Yes
        } else {
            Verdict::No
        }
    } else if let Some(news) = repeated_differs {
        evidence.push(format!(
            "not idempotent: the same arguments gave different new values ({})",
            news.iter().cloned().collect::<Vec<_>>().join(" vs ")
        ));
        Verdict::No
    } else if mode == ToolMode::ReadOnly || hint("readOnlyHint") == Some(true) {
        evidence.push("idempotent: read-only".into());
        Verdict::Yes
    } else {
        match phrase.class {
            Some(VerbClass::Create) => {
                evidence.push(format!(
                    "not idempotent: '{verb}' creates something new on each call"
                ));
                Verdict::No
            }
            Some(VerbClass::ReadModifyWrite) => {
                evidence.push(format!(
                    "not idempotent: '{verb}' changes state relative to its prior value"
                ));
                Verdict::No
            }
            Some(VerbClass::Write)
                if matches!(
                    verb.as_str(),
                    "send"
                        | "post"
                        | "publish"
                        | "notify"
                        | "email"
                        | "log"
                        | "emit"
                        | "dispatch"
                        | "trigger"
                        | "submit"
                        | "enqueue"
                ) =>
            {
                evidence.push(format!("not idempotent: '{verb}' sends again on each call"));
                Verdict::No
            }
            Some(VerbClass::Write) => {
                evidence.push(format!(
                    "looks idempotent: '{verb}' sets a state; repeating it leaves the same state"
                ));
                Verdict::Yes
            }
            _ if mode == ToolMode::ReadModifyWrite => {
                evidence.push("not idempotent: read-modify-write".into());
                Verdict::No
            }
            _ => Verdict::Unknown,
        }
    };

    let independent = if !acc.findings.is_empty() {
        for f in acc.findings.iter().take(3) {
            evidence.push(format!("not independent: {f}"));
        }
        Verdict::No
    } else if acc.parallel > 0 {
        evidence.push(format!(
            "independent so far: {} call(s) beside siblings, no conflict",
            acc.parallel
        ));
        Verdict::Yes
    } else {
        evidence.push("never ran beside a sibling".into());
        Verdict::Unknown
    };
    ToolProfile {
        tool,
        calls: acc.calls,
        runs: acc.runs.len(),
        parallel_calls: acc.parallel,
        mode,
        atomic,
        idempotent,
        independent,
        evidence,
    }
}

/// Tools called together in one batch where one needs the other's output, most frequent first.
/// "Needs" rests on a context or timing finding between them, or on the provider being a lookup
/// of an id (`get_customer_id`) that the consumer's result names without being given it.
pub fn merge_candidates(runs: &[(&Run, &Analysis)]) -> Vec<MergeCandidate> {
    let mut batches_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut pairs: BTreeMap<(String, String), (usize, BTreeSet<String>)> = BTreeMap::new();
    for (run, analysis) in runs {
        for b in run.batches.iter().filter(|b| b.is_parallel()) {
            let calls: Vec<&crate::model::ToolCall> = b
                .calls
                .iter()
                .filter_map(|&c| run.tool_calls.get(c))
                .collect();
            let names: BTreeSet<&str> = calls.iter().map(|c| c.name.as_str()).collect();
            for n in &names {
                *batches_of.entry((*n).to_owned()).or_default() += 1;
            }
            for p in &calls {
                for c in &calls {
                    if p.name == c.name {
                        continue;
                    }
                    let mut why = Vec::new();
                    for f in analysis.findings.iter().filter(|f| {
                        f.batch == b.index
                            && f.calls.first() == Some(&p.index)
                            && f.calls.contains(&c.index)
                    }) {
                        if matches!(
                            f.kind,
                            FindingKind::ContextDependency | FindingKind::ExecutionTimingDependency
                        ) {
                            why.push(format!("{}: {}", f.kind.label(), f.explanation));
                        }
                    }
                    let phrase = ToolPhrase::parse(&p.name);
                    if let (true, Some(noun)) = (phrase.names_id, phrase.head()) {
                        let given = c
                            .arguments
                            .as_ref()
                            .map(|a| a.to_string().to_lowercase())
                            .unwrap_or_default();
                        let named = c.result.as_ref().map(result_idents).unwrap_or_default();
                        if named.iter().any(|i| i.noun == noun)
                            && !given.contains(&format!("{noun}_id"))
                        {
                            why.push(format!(
                                "{} looks up the {noun} id; {} works on a {noun} it was not given",
                                p.name, c.name
                            ));
                        }
                    }
                    if !why.is_empty() {
                        let e = pairs.entry((p.name.clone(), c.name.clone())).or_default();
                        e.0 += 1;
                        e.1.extend(why.into_iter().take(2));
                    }
                }
            }
        }
    }
    let mut out: Vec<MergeCandidate> = pairs
        .into_iter()
        .map(|((provider, consumer), (together, evidence))| {
            let provider_batches = batches_of.get(&provider).copied().unwrap_or(together);
            MergeCandidate {
                provider,
                consumer,
                together,
                provider_batches,
                evidence: evidence.into_iter().take(4).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.together
            .cmp(&a.together)
            .then_with(|| a.provider.cmp(&b.provider))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::{empty_trace, run};
    use crate::analysis::{analyze, Catalog};
    use serde_json::json;

    #[test]
    fn tools_are_classified_with_evidence() {
        let r1 = run(
            vec![
                vec![
                    (
                        "d1",
                        "deposit",
                        json!({"account_id": "A", "amount": 10}),
                        json!({"previous_balance": 100, "new_balance": 110}),
                        Some((0, 100)),
                    ),
                    (
                        "d2",
                        "deposit",
                        json!({"account_id": "A", "amount": 20}),
                        json!({"previous_balance": 100, "new_balance": 120}),
                        Some((0, 150)),
                    ),
                    (
                        "g",
                        "get_customer",
                        json!({"customer_id": "C"}),
                        json!({"tier": "gold"}),
                        Some((0, 50)),
                    ),
                ],
                vec![(
                    "s",
                    "set_theme",
                    json!({"user_id": "u1", "theme": "dark"}),
                    json!({"ok": true}),
                    Some((200, 210)),
                )],
            ],
            Some("done"),
        );
        let a1 = analyze(&empty_trace(), &r1, &Catalog::default());
        let report = audit_catalog(&[(&r1, &a1)]);
        let get = |n: &str| report.iter().find(|p| p.tool == n).unwrap();
        let d = get("deposit");
        assert_eq!(
            (d.mode, d.atomic, d.idempotent, d.independent),
            (
                ToolMode::ReadModifyWrite,
                Verdict::No,
                Verdict::No,
                Verdict::No
            )
        );
        assert!(
            d.evidence.iter().any(|e| e.contains("lost update")),
            "{:?}",
            d.evidence
        );
        let g = get("get_customer");
        assert_eq!(
            (g.mode, g.atomic, g.idempotent, g.independent),
            (ToolMode::ReadOnly, Verdict::Yes, Verdict::Yes, Verdict::Yes)
        );
        let s = get("set_theme");
        assert!(
            s.evidence.iter().any(|e| e.contains("blind write")),
            "{:?}",
            s.evidence
        );
        assert_eq!(
            (s.mode, s.idempotent, s.independent),
            (ToolMode::WriteOnly, Verdict::Yes, Verdict::Unknown)
        );
    }

    #[test]
    fn an_id_lookup_and_its_consumer_called_together_are_merge_candidates() {
        let batch = || {
            vec![vec![
                (
                    "i",
                    "get_customer_id",
                    json!({"email": "j@x.io"}),
                    json!({"customer_id": "cus_j"}),
                    Some((0, 80)),
                ),
                (
                    "o",
                    "get_recent_orders",
                    json!({"limit": 3}),
                    json!({"customer_id": "cus_b", "orders": []}),
                    Some((0, 40)),
                ),
            ]]
        };
        let (r1, r2) = (run(batch(), Some("x")), run(batch(), Some("y")));
        let (a1, a2) = (
            analyze(&empty_trace(), &r1, &Catalog::default()),
            analyze(&empty_trace(), &r2, &Catalog::default()),
        );
        let m = merge_candidates(&[(&r1, &a1), (&r2, &a2)]);
        assert_eq!(m.len(), 1, "{m:#?}");
        assert_eq!(
            (
                m[0].provider.as_str(),
                m[0].consumer.as_str(),
                m[0].together,
                m[0].provider_batches
            ),
            ("get_customer_id", "get_recent_orders", 2, 2)
        );
        let report = audit_catalog(&[(&r1, &a1)]);
        assert!(report.iter().all(|p| p.independent == Verdict::No));
    }

    #[test]
    fn a_create_that_looks_up_a_reference_is_write_only() {
        let r = run(
            vec![vec![(
                "c",
                "create_order",
                json!({"order_id": "O-1", "customer_id": "C-1"}),
                json!({"created": true}),
                Some((0, 10)),
            )]],
            Some("ok"),
        );
        let a = analyze(&empty_trace(), &r, &Catalog::default());
        let p = &audit_catalog(&[(&r, &a)])[0];
        assert_eq!((p.mode, p.idempotent), (ToolMode::WriteOnly, Verdict::No));
    }
}
