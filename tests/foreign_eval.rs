//! Evaluation of the analysis on third-party data nobody on this project wrote: prints the figures
//! the targets are stated in, and fails when they fall below the floors measured when the
//! rules were last changed (so a regression fails, and a gain is kept by raising the floor).
//!
//! - BFCL multi-turn (`tests/fixtures/foreign/bfcl`): each turn's ground-truth calls form one
//!   batch. Which calls *need an order* comes from the benchmark itself, not from fanout:
//!   `label_bfcl_order.py` replays every pair of siblings swapped with BFCL's own simulators and
//!   a pair needs an order when that changes a result or the final state (`order_labels.json`).
//!   Measured: the share of ordering batches flagged (a finding above `info`), the share of
//!   ordering pairs covered, the share of findings on pairs that commute (false alarms), and
//!   the share of independent batches flagged.
//! - tau-bench airline conversations (`tests/fixtures/foreign/tau-bench`): one call per turn, so
//!   no finding can be right; measured are invented resources (a `file:` resource made from a
//!   value that is no path, a collection wildcard claimed above `low` confidence), and whether a
//!   call whose id repeats keeps its own result.
//! - Framework recordings (`tests/fixtures/foreign/cassettes`: pydantic-ai, OpenInference,
//!   OpenLLMetry): every parallel batch there is independent by construction of the tests
//!   (two lookups of one city, four entity lookups, a delete and a create of different files),
//!   so every finding above `info` is false; the structured-output tool is the final answer.
//!
//! The subsets under `tests/fixtures/foreign` always run; the whole held-in folders of
//! `../shared/corpus/foreign` run when present and print "skipped" otherwise.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fanout::analysis::{analyze_trace, AnalyzedTrace, Catalog, Confidence, Severity};
use fanout::model::{CallStatus, Trace};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/foreign")
}

fn foreign_dir() -> Option<PathBuf> {
    common::corpus_dir()
        .map(|c| c.join("foreign"))
        .filter(|d| d.is_dir())
}

/// Every trace of a file, normalized and analysed, in file order.
fn analysed(path: &Path) -> Vec<AnalyzedTrace> {
    let spans =
        fanout::ingest::load_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut order = Vec::new();
    let mut by_trace: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for s in spans {
        if !by_trace.contains_key(&s.trace_id) {
            order.push(s.trace_id);
        }
        by_trace.entry(s.trace_id).or_default().push(s);
    }
    order
        .into_iter()
        .map(|id| {
            let trace = Trace::new(id, by_trace.remove(&id).unwrap_or_default());
            analyze_trace(&trace, &Catalog::default())
        })
        .collect()
}

/// How many examples to print per figure (`FANOUT_EVAL_EXAMPLES`, default 12).
fn examples_shown() -> usize {
    std::env::var("FANOUT_EVAL_EXAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        1.0
    } else {
        n as f64 / d as f64
    }
}

// ---------------------------------------------------------------------------------------------
// BFCL

#[derive(Debug, Default)]
struct BfclScore {
    batches: usize,
    ordering: usize,
    ordering_flagged: usize,
    independent: usize,
    independent_flagged: usize,
    pairs: usize,
    pairs_covered: usize,
    flagged_findings: usize,
    false_findings: usize,
    info_findings: usize,
    examples: Vec<String>,
}

impl BfclScore {
    fn print(&self, what: &str) {
        println!(
            "{what}: {} batches; ordering batches flagged {}/{} = {:.3}; ordering pairs covered {}/{} = {:.3}; \
             findings above info {} of which on commuting pairs {} = {:.3}; independent batches flagged {}/{} = {:.3}; info findings {}",
            self.batches,
            self.ordering_flagged,
            self.ordering,
            ratio(self.ordering_flagged, self.ordering),
            self.pairs_covered,
            self.pairs,
            ratio(self.pairs_covered, self.pairs),
            self.flagged_findings,
            self.false_findings,
            1.0 - ratio(self.flagged_findings - self.false_findings, self.flagged_findings),
            self.independent_flagged,
            self.independent,
            ratio(self.independent_flagged, self.independent),
            self.info_findings,
        );
        for e in self.examples.iter().take(examples_shown()) {
            println!("  {e}");
        }
    }

    fn false_share(&self) -> f64 {
        1.0 - ratio(
            self.flagged_findings - self.false_findings,
            self.flagged_findings,
        )
    }
}

/// `(batch label, pairs that need an order)` from `order_labels.json`.
fn bfcl_labels(path: &Path) -> BTreeMap<String, BTreeSet<(usize, usize)>> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let pairs = b["pairs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p[0].as_u64().unwrap() as usize,
                        p[1].as_u64().unwrap() as usize,
                    )
                })
                .collect();
            (b["batch"].as_str().unwrap().to_owned(), pairs)
        })
        .collect()
}

/// `bfcl_<task>_<turn>_<n>` → (`bfcl_<task>_<turn>`, n).
fn bfcl_position(call_id: &str) -> Option<(String, usize)> {
    let (batch, n) = call_id.rsplit_once('_')?;
    Some((batch.to_owned(), n.parse().ok()?))
}

fn score_bfcl(file: &Path, labels: &BTreeMap<String, BTreeSet<(usize, usize)>>) -> BfclScore {
    let mut s = BfclScore::default();
    for at in analysed(file) {
        let (run, a) = (&at.run, &at.analysis);
        let mut flagged_batches: BTreeSet<String> = BTreeSet::new();
        let mut covered: BTreeSet<(String, (usize, usize))> = BTreeSet::new();
        for f in &a.findings {
            if f.severity == Severity::Info {
                s.info_findings += 1;
                continue;
            }
            let pos: Vec<(String, usize)> = f
                .calls
                .iter()
                .filter_map(|&c| bfcl_position(&run.tool_calls[c].display_id()))
                .collect();
            // A finding names every call that meets on its resource: it covers each pair of
            // them, and is a false alarm when none of those pairs needs an order.
            let Some((b1, _)) = pos.first() else {
                continue;
            };
            if pos.len() < 2 || pos.iter().any(|(b, _)| b != b1) {
                continue;
            }
            s.flagged_findings += 1;
            let mut pairs = Vec::new();
            for (x, (_, i)) in pos.iter().enumerate() {
                for (_, j) in &pos[x + 1..] {
                    pairs.push(((*i).min(*j), (*i).max(*j)));
                }
            }
            let labelled = labels.get(b1);
            let needed: Vec<(usize, usize)> = pairs
                .iter()
                .copied()
                .filter(|p| labelled.is_some_and(|l| l.contains(p)))
                .collect();
            if needed.is_empty() {
                s.false_findings += 1;
                s.examples.push(format!(
                    "false: {b1} {:?}: {} {} on {}: {}",
                    pairs,
                    f.severity.as_str(),
                    f.kind.as_str(),
                    f.resource,
                    f.explanation
                ));
            }
            for pair in needed {
                covered.insert((b1.clone(), pair));
            }
            flagged_batches.insert(b1.clone());
        }
        for b in run.batches.iter().filter(|b| b.is_parallel()) {
            let Some((label, _)) = b
                .calls
                .first()
                .and_then(|&c| bfcl_position(&run.tool_calls[c].display_id()))
            else {
                continue;
            };
            let Some(pairs) = labels.get(&label) else {
                continue;
            };
            s.batches += 1;
            if pairs.is_empty() {
                s.independent += 1;
                s.independent_flagged += usize::from(flagged_batches.contains(&label));
            } else {
                s.ordering += 1;
                s.ordering_flagged += usize::from(flagged_batches.contains(&label));
                s.pairs += pairs.len();
                for p in pairs {
                    if covered.contains(&(label.clone(), *p)) {
                        s.pairs_covered += 1;
                    } else if s.examples.len() < 400 {
                        let names: Vec<String> = [p.0, p.1]
                            .iter()
                            .filter_map(|n| b.calls.get(*n))
                            .map(|&c| {
                                let c = &run.tool_calls[c];
                                format!(
                                    "{}({})",
                                    c.name,
                                    c.arguments
                                        .as_ref()
                                        .map(Value::to_string)
                                        .unwrap_or_default()
                                )
                            })
                            .collect();
                        s.examples.push(format!("missed: {label} {p:?} {names:?}"));
                    }
                }
            }
        }
    }
    s
}

fn assert_bfcl_floors(s: &BfclScore, what: &str, min_recall: f64, max_false: f64, max_indep: f64) {
    assert!(s.batches > 0, "{what}: no batches read");
    let recall = ratio(s.ordering_flagged, s.ordering);
    let indep = ratio(s.independent_flagged, s.independent);
    assert!(
        recall >= min_recall,
        "{what}: ordering batches flagged {recall:.3} < {min_recall}"
    );
    assert!(
        s.false_share() <= max_false,
        "{what}: false alarms {:.3} of what is flagged > {max_false}",
        s.false_share()
    );
    assert!(
        indep <= max_indep,
        "{what}: independent batches flagged {indep:.3} > {max_indep}"
    );
}

#[test]
fn bfcl_subset_ordering_needs_are_flagged() {
    let dir = fixtures().join("bfcl");
    let labels = bfcl_labels(&dir.join("order_labels.json"));
    let s = score_bfcl(&dir.join("subset.jsonl"), &labels);
    s.print("bfcl subset");
    assert!(s.ordering > 5 && s.independent > 5, "{s:?}");
    // Floors: the figures measured when the rules last changed, rounded down.
    assert_bfcl_floors(&s, "bfcl subset", 0.6, 0.05, 0.005);
}

#[test]
fn bfcl_held_in_ordering_needs_are_flagged() {
    let Some(dir) = foreign_dir() else {
        return common::skip_without_corpus("bfcl_held_in_ordering_needs_are_flagged");
    };
    let labels = bfcl_labels(&fixtures().join("bfcl/order_labels.json"));
    let s = score_bfcl(
        &dir.join("bfcl/bfcl_v4_multi_turn_base.held-in.jsonl"),
        &labels,
    );
    s.print("bfcl held-in");
    assert_bfcl_floors(&s, "bfcl held-in", 0.68, 0.03, 0.005);
}

// ---------------------------------------------------------------------------------------------
// tau-bench

#[derive(Debug, Default)]
struct TauScore {
    conversations: usize,
    calls: usize,
    accesses: usize,
    findings_above_info: usize,
    file_from_non_path: usize,
    confident_wildcards: usize,
    name_only_writes: usize,
    reused_id_calls: usize,
    reused_id_wrong_result: usize,
    reused_id_warned: usize,
    reused_id_conversations: usize,
    examples: Vec<String>,
}

/// A value a person would call a path: it has a folder separator or a file extension.
fn path_like(v: &str) -> bool {
    let last = v.rsplit('/').next().unwrap_or(v);
    v.contains('/')
        || last.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(char::is_alphanumeric)
        })
}

fn string_leaves(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.trim().to_lowercase()),
        Value::Array(a) => a.iter().for_each(|x| string_leaves(x, out)),
        Value::Object(m) => m.values().for_each(|x| string_leaves(x, out)),
        _ => {}
    }
}

/// For every call (in emission order) the content of the tool message that answered it.
fn expected_results(conversation: &Value) -> Vec<Option<String>> {
    let msgs = conversation["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        for tc in m["tool_calls"].as_array().into_iter().flatten() {
            let id = tc["id"].as_str().unwrap_or_default();
            let answer = msgs[i + 1..]
                .iter()
                .take_while(|n| n["role"] != "assistant")
                .find(|n| n["role"] == "tool" && n["tool_call_id"] == id)
                .and_then(|n| n["content"].as_str().map(str::to_owned));
            out.push(answer);
        }
    }
    out
}

fn result_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn score_tau(file: &Path) -> TauScore {
    let mut s = TauScore::default();
    let text = std::fs::read_to_string(file).unwrap();
    let conversations: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let traces = analysed(file);
    assert_eq!(
        traces.len(),
        conversations.len(),
        "one trace per conversation"
    );
    for (at, conv) in traces.iter().zip(&conversations) {
        let (run, a) = (&at.run, &at.analysis);
        s.conversations += 1;
        s.calls += run.tool_calls.len();
        s.findings_above_info += a
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .count();
        for (c, accesses) in run.tool_calls.iter().zip(&a.accesses) {
            s.accesses += accesses.len();
            let mut values = Vec::new();
            if let Some(args) = &c.arguments {
                string_leaves(args, &mut values);
            }
            for acc in accesses {
                if let Some(p) = acc.resource.strip_prefix("file:") {
                    if values.iter().any(|v| v == p) && !path_like(p) {
                        s.file_from_non_path += 1;
                        s.examples.push(format!(
                            "file from a non-path: {} -> {}",
                            c.name, acc.resource
                        ));
                    }
                }
                if acc.resource.ends_with(":*") && acc.confidence > Confidence::Low {
                    s.confident_wildcards += 1;
                    s.examples.push(format!(
                        "wildcard above low: {} -> {} ({})",
                        c.name, acc.resource, acc.evidence
                    ));
                }
                if acc.mode.writes()
                    && acc.source == fanout::analysis::EvidenceSource::ToolName
                    && acc.resource.ends_with(":*")
                {
                    s.name_only_writes += 1;
                }
            }
        }
        // Calls whose id repeats within the conversation keep their own result.
        let expected = expected_results(conv);
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for c in &run.tool_calls {
            *counts.entry(c.display_id()).or_default() += 1;
        }
        let reused = counts.values().any(|&n| n > 1);
        if reused {
            s.reused_id_conversations += 1;
            s.reused_id_warned +=
                usize::from(run.degraded.iter().any(|d| d.code == "tool_call_id_reused"));
        }
        for (i, c) in run.tool_calls.iter().enumerate() {
            if counts.get(&c.display_id()).copied().unwrap_or(0) < 2 {
                continue;
            }
            s.reused_id_calls += 1;
            let want = expected.get(i).cloned().flatten();
            let got = c.result.as_ref().map(result_text);
            let same = match (&want, &got) {
                (Some(w), Some(g)) => {
                    let parse = |t: &str| serde_json::from_str::<Value>(t).ok();
                    w == g || parse(w).is_some() && parse(w) == parse(g)
                }
                (None, None) => true,
                _ => false,
            };
            if !same {
                s.reused_id_wrong_result += 1;
                if s.examples.len() < 40 {
                    s.examples.push(format!(
                        "reused id {}: {} got {:?}",
                        c.display_id(),
                        c.name,
                        got.map(|g| g.chars().take(60).collect::<String>())
                    ));
                }
            }
        }
    }
    s
}

impl TauScore {
    fn print(&self, what: &str) {
        println!(
            "{what}: {} conversations, {} calls, {} accesses; findings above info {}; file resources from non-paths {}; wildcards above low {}; wildcard writes from the name alone {}; calls with a reused id {} of which with a wrong result {}; conversations with reused ids {} of which warned {}",
            self.conversations,
            self.calls,
            self.accesses,
            self.findings_above_info,
            self.file_from_non_path,
            self.confident_wildcards,
            self.name_only_writes,
            self.reused_id_calls,
            self.reused_id_wrong_result,
            self.reused_id_conversations,
            self.reused_id_warned,
        );
        let mut shown = BTreeSet::new();
        for e in &self.examples {
            if shown.insert(e) && shown.len() <= examples_shown() {
                println!("  {e}");
            }
        }
    }
}

#[test]
fn tau_subset_invents_no_resources() {
    let s = score_tau(&fixtures().join("tau-bench/subset.jsonl"));
    s.print("tau-bench subset");
    assert!(s.calls > 50 && s.reused_id_calls > 0, "{s:?}");
    assert_eq!(
        s.findings_above_info, 0,
        "one call per turn: nothing to collide"
    );
    assert_eq!(s.file_from_non_path, 0, "{:#?}", s.examples);
    assert_eq!(s.confident_wildcards, 0, "{:#?}", s.examples);
    assert_eq!(s.reused_id_wrong_result, 0, "{:#?}", s.examples);
    assert_eq!(s.reused_id_warned, s.reused_id_conversations);
}

#[test]
fn tau_held_in_invents_no_resources() {
    let Some(dir) = foreign_dir() else {
        return common::skip_without_corpus("tau_held_in_invents_no_resources");
    };
    let s = score_tau(&dir.join("tau-bench/gpt-4o-airline.converted.jsonl"));
    s.print("tau-bench held-in");
    assert_eq!(s.findings_above_info, 0);
    assert_eq!(s.file_from_non_path, 0);
    assert_eq!(s.confident_wildcards, 0);
    assert_eq!(s.reused_id_wrong_result, 0);
    assert_eq!(s.reused_id_warned, s.reused_id_conversations);
}

// ---------------------------------------------------------------------------------------------
// Framework recordings

#[derive(Debug, Default)]
struct CassetteScore {
    files: usize,
    parallel_batches: usize,
    findings_above_info: usize,
    output_tool_files: usize,
    output_tool_answered: usize,
    output_tool_never_run: usize,
    examples: Vec<String>,
}

/// Names of structured-output tools the request declared and the model called: the calls whose
/// arguments are the run's answer (pydantic-ai's `final_result`, and the like).
fn output_tool_called(doc: &Value) -> bool {
    doc.to_string().contains("\"final_result")
}

fn score_cassettes(dir: &Path) -> CassetteScore {
    let mut s = CassetteScore::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.ends_with(".json") && !n.contains(".request") && !n.contains(".response")
        })
        .collect();
    files.sort();
    for f in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        for at in analysed(&f) {
            s.files += 1;
            let (run, a) = (&at.run, &at.analysis);
            s.parallel_batches += run.batches.iter().filter(|b| b.is_parallel()).count();
            for x in a.findings.iter().filter(|x| x.severity > Severity::Info) {
                s.findings_above_info += 1;
                s.examples.push(format!(
                    "{name}: {} {} on {}: {}",
                    x.severity.as_str(),
                    x.kind.as_str(),
                    x.resource,
                    x.explanation
                ));
            }
            if output_tool_called(&doc) {
                s.output_tool_files += 1;
                let never_run = run.tool_calls.iter().any(|c| {
                    c.name.starts_with("final_result") && c.status == CallStatus::NotExecuted
                });
                s.output_tool_never_run += usize::from(never_run);
                s.output_tool_answered += usize::from(run.final_answer.is_some());
                if run.final_answer.is_none() {
                    s.examples.push(format!("{name}: no final answer"));
                }
            }
        }
    }
    s
}

impl CassetteScore {
    fn print(&self, what: &str) {
        println!(
            "{what}: {} runs, {} parallel batches; findings above info {}; runs answering through an output tool {} of which answered {} and with the output tool shown as never run {}",
            self.files,
            self.parallel_batches,
            self.findings_above_info,
            self.output_tool_files,
            self.output_tool_answered,
            self.output_tool_never_run
        );
        for e in self.examples.iter().take(examples_shown()) {
            println!("  {e}");
        }
    }
}

#[test]
fn framework_recordings_raise_no_false_alarm() {
    let s = score_cassettes(&fixtures().join("cassettes"));
    s.print("framework recordings");
    assert!(s.files >= 15 && s.parallel_batches >= 15, "{s:?}");
    assert_eq!(s.findings_above_info, 0, "{:#?}", s.examples);
    // The structured-output tool is the answer, not a call nobody ran.
    assert!(s.output_tool_files >= 6, "{s:?}");
    assert_eq!(
        s.output_tool_answered, s.output_tool_files,
        "{:#?}",
        s.examples
    );
    assert_eq!(s.output_tool_never_run, 0);
}
