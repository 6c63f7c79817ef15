//! SARIF 2.1.0 output for `fanout audit --format sarif`, so CI systems list findings natively.
//!
//! One run for the whole audit; one rule per finding kind (`shared-state-mutation`,
//! `context-dependency`, `execution-timing-dependency`); one result per finding, its level from
//! the severity (`observed` → `error`, `latent` → `warning`, `info` → `note`). Traces have no
//! source files, so locations are *logical*: `run.logicalLocations` holds each trace (kind
//! `module`), its batches (`namespace`) and calls (`function`), linked by `parentIndex`; a result
//! points at its first call and lists the sibling(s) as related locations. A stable
//! `partialFingerprints` entry (SHA-256 of trace, kind, resource and call ids) lets code-scanning
//! services follow a finding across runs. Tools that insist on a physical file location (GitHub
//! code scanning does) will not place these results on a line.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::dto::{Report, TraceReport};
use super::prose;
use crate::analysis::Severity;

/// The rules, one per finding kind, in `ruleIndex` order.
pub const RULES: [(&str, &str, &str, &str); 3] = [
    (
        "shared_state_mutation",
        "shared-state-mutation",
        "Parallel siblings wrote the same state",
        "Two tool calls of one parallel batch touch the same resource and at least one writes it: a lost update (both read the same prior state) or a stale read. Serialize the calls, make the tool atomic, or merge them into one call.",
    ),
    (
        "context_dependency",
        "context-dependency",
        "A sibling reads context another sibling produces",
        "One tool call of a parallel batch reads context, session state or a value that another call of the same batch is meant to produce first. Run the producer first, in its own model turn.",
    ),
    (
        "execution_timing_dependency",
        "execution-timing-dependency",
        "A sibling needs another sibling's side effect",
        "One tool call of a parallel batch needs a side effect of another (a record, a session, a lock) as a precondition, but siblings have no order. Create first, use in a later turn.",
    ),
];

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Observed => "error",
        Severity::Latent => "warning",
        Severity::Info => "note",
    }
}

/// Logical locations of one trace, with their indices in `run.logicalLocations`.
struct Locations {
    list: Vec<Value>,
    /// (trace id, call index) → location index.
    calls: BTreeMap<(String, usize), usize>,
}

impl Locations {
    fn add_trace(&mut self, t: &TraceReport) {
        let trace_index = self.list.len();
        let trace_fqn = format!("trace/{}", t.trace_id);
        self.list
            .push(json!({"name": t.trace_id, "fullyQualifiedName": trace_fqn, "kind": "module"}));
        for b in &t.batches {
            let batch_index = self.list.len();
            let batch_fqn = format!("{trace_fqn}/{}", b.batch_id);
            self.list.push(json!({"name": b.batch_id, "fullyQualifiedName": batch_fqn, "kind": "namespace", "parentIndex": trace_index}));
            for c in &b.calls {
                self.calls
                    .insert((t.trace_id.clone(), c.index), self.list.len());
                self.list.push(json!({
                    "name": c.call_id,
                    "fullyQualifiedName": format!("{batch_fqn}/{}", c.call_id),
                    "decoratedName": format!("{} ({})", c.tool, c.call_id),
                    "kind": "function",
                    "parentIndex": batch_index,
                }));
            }
        }
    }

    fn reference(&self, trace: &str, call: usize) -> Option<Value> {
        let i = *self.calls.get(&(trace.to_owned(), call))?;
        let fqn = self.list.get(i)?.get("fullyQualifiedName")?.clone();
        Some(json!({"index": i, "fullyQualifiedName": fqn}))
    }
}

/// A SARIF artifact URI for an input file name: absolute paths become `file://` URIs, relative
/// ones stay relative references (resolved against the repository by code-scanning services);
/// characters URIs cannot hold are percent-encoded.
fn artifact_uri(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    if name.starts_with('/') {
        out.push_str("file://");
    }
    for b in name.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b'\\' => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The SARIF log as a JSON value.
pub fn document(report: &Report) -> Value {
    let mut locs = Locations {
        list: Vec::new(),
        calls: BTreeMap::new(),
    };
    for t in &report.traces {
        locs.add_trace(t);
    }
    let mut results = Vec::new();
    for t in &report.traces {
        for f in &t.findings {
            let Some(rule_index) = RULES.iter().position(|r| r.0 == f.kind.as_str()) else {
                continue;
            };
            let mut refs = f
                .call_indexes
                .iter()
                .filter_map(|&c| locs.reference(&t.trace_id, c));
            let physical = t.sources.first().map(|name| {
                json!({"physicalLocation": {"artifactLocation": {"uri": artifact_uri(name)}}})
            });
            let locations: Vec<Value> = refs
                .next()
                .map(|l| {
                    let mut loc = json!({"logicalLocations": [l]});
                    if let (Some(p), Some(obj)) = (&physical, loc.as_object_mut()) {
                        obj.insert("physicalLocation".into(), p["physicalLocation"].clone());
                    }
                    loc
                })
                .into_iter()
                .collect();
            let related: Vec<Value> = f
                .call_indexes
                .iter()
                .skip(1)
                .zip(f.call_ids.iter().skip(1))
                .filter_map(|(&c, id)| {
                    let l = locs.reference(&t.trace_id, c)?;
                    Some((l, format!("sibling {}", prose::call_name(t, c, id))))
                })
                .enumerate()
                .map(|(i, (l, text))| json!({"id": i + 1, "logicalLocations": [l], "message": {"text": text}}))
                .collect();
            let mut hasher = Sha256::new();
            for part in [
                t.trace_id.as_str(),
                f.kind.as_str(),
                f.resource.as_str(),
                &f.call_ids.join(","),
            ] {
                hasher.update(part.as_bytes());
                hasher.update([0u8]);
            }
            let fingerprint: String = hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let mut result = json!({
                "ruleId": RULES[rule_index].1,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": prose::finding_sentence(t, f)},
                "locations": locations,
                "partialFingerprints": {"fanoutFinding/v1": fingerprint},
                "properties": {
                    "severity": f.severity,
                    "resource": f.resource,
                    "trace_id": t.trace_id,
                    "batch_id": f.batch_id,
                    "call_ids": f.call_ids,
                    "signals": f.signals,
                    "suspect": t.suspect_batch_ids.first() == Some(&f.batch_id),
                },
            });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            results.push(result);
        }
    }
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(kind, id, short, full)| {
            json!({
                "id": id,
                "name": kind,
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["concurrency", "agents", "parallel-tool-calls"]},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fanout",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "logicalLocations": locs.list,
            "results": results,
            "properties": {"schema_version": super::SCHEMA_VERSION, "traces": report.traces.len()},
        }],
    })
}

/// Writes the SARIF log.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    super::safe_json::to_writer_pretty(&mut *out, &document(report))?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    #[test]
    fn one_result_per_finding_with_rule_level_and_logical_locations() {
        let d = document(&Report::new(&fixtures::all()));
        assert_eq!(d["version"], "2.1.0");
        let run = &d["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        let results = run["results"].as_array().unwrap();
        assert_eq!(
            results.len(),
            3,
            "lost update, context dependency, transcript"
        );
        let first = &results[0];
        assert_eq!(first["ruleId"], "shared-state-mutation");
        assert_eq!(
            rules[first["ruleIndex"].as_u64().unwrap() as usize]["id"],
            first["ruleId"]
        );
        assert_eq!(first["level"], "error");
        let loc = &first["locations"][0]["logicalLocations"][0];
        let idx = loc["index"].as_u64().unwrap() as usize;
        let ll = &run["logicalLocations"][idx];
        assert_eq!(ll["name"], "call_dep");
        assert_eq!(ll["kind"], "function");
        let batch = &run["logicalLocations"][ll["parentIndex"].as_u64().unwrap() as usize];
        assert_eq!(batch["kind"], "namespace");
        let trace = &run["logicalLocations"][batch["parentIndex"].as_u64().unwrap() as usize];
        assert_eq!(trace["name"], "ab000000000000000000000000000001");
        assert_eq!(
            first["relatedLocations"][0]["message"]["text"],
            "sibling withdraw (call_wd)"
        );
        assert_eq!(results[1]["ruleId"], "context-dependency");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            first["partialFingerprints"]["fanoutFinding/v1"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = document(&Report::new(&fixtures::all()));
        let b = document(&Report::new(&fixtures::all()));
        let fp = |d: &Value, i: usize| {
            d["runs"][0]["results"][i]["partialFingerprints"]["fanoutFinding/v1"].clone()
        };
        assert_eq!(fp(&a, 0), fp(&b, 0));
        assert_ne!(fp(&a, 0), fp(&a, 1));
    }

    #[test]
    fn no_findings_still_make_a_valid_empty_run() {
        let d = document(&Report::new(&[fixtures::read_only()]));
        assert_eq!(d["runs"][0]["results"], json!([]));
        assert_eq!(d["runs"][0]["tool"]["driver"]["name"], "fanout");
    }
}
