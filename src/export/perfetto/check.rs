//! A structural check of Chrome Trace Event JSON, used by tests over fixtures, the bundled
//! samples and the corpus: required fields on every event, complete events that never overlap on
//! one track, and flow arrows whose `s`/`f` ids match one to one, run forward in time and bind
//! inside a complete event on their track. Returns the problems found; empty means valid.

use std::collections::BTreeMap;

use serde_json::Value;

/// A complete event: start, end, name.
type Slice = (f64, f64, String);

/// Problems in `doc`, each one line.
pub fn problems(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(events) = doc.get("traceEvents").and_then(Value::as_array) else {
        return vec!["no traceEvents array".into()];
    };
    let mut slices: BTreeMap<(u64, u64), Vec<Slice>> = BTreeMap::new();
    let mut flows: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let ph = e.get("ph").and_then(Value::as_str);
        let pid = e.get("pid").and_then(Value::as_u64);
        let tid = e.get("tid").and_then(Value::as_u64);
        let ts = e.get("ts").and_then(Value::as_f64);
        let name = e.get("name").and_then(Value::as_str);
        let (Some(ph), Some(pid), Some(tid), Some(ts), Some(name)) = (ph, pid, tid, ts, name)
        else {
            out.push(format!("event {i} lacks one of ph/pid/tid/ts/name: {e}"));
            continue;
        };
        match ph {
            "X" => match e.get("dur").and_then(Value::as_f64) {
                Some(d) if d >= 0.0 => {
                    slices
                        .entry((pid, tid))
                        .or_default()
                        .push((ts, ts + d, name.to_owned()))
                }
                _ => out.push(format!(
                    "complete event {i} ({name}) has no non-negative dur"
                )),
            },
            "s" | "t" | "f" => match e.get("id").and_then(Value::as_u64) {
                Some(id) => flows.entry(id).or_default().push(e),
                None => out.push(format!("flow event {i} has no id")),
            },
            "i" | "I" | "M" | "B" | "E" | "C" => {}
            other => out.push(format!("event {i} has unexpected ph {other}")),
        }
    }
    for ((pid, tid), s) in &mut slices {
        s.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in s.windows(2) {
            if let [a, b] = w {
                if b.0 < a.1 - 1e-6 {
                    out.push(format!(
                        "pid {pid} tid {tid}: '{}' [{}, {}] overlaps '{}' starting at {}",
                        a.2, a.0, a.1, b.2, b.0
                    ));
                }
            }
        }
    }
    let bound = |e: &Value| -> bool {
        let key = (
            e["pid"].as_u64().unwrap_or(0),
            e["tid"].as_u64().unwrap_or(0),
        );
        let ts = e["ts"].as_f64().unwrap_or(f64::NAN);
        slices
            .get(&key)
            .is_some_and(|s| s.iter().any(|(a, b, _)| *a <= ts && ts <= *b))
    };
    for (id, evs) in &flows {
        let starts: Vec<_> = evs.iter().filter(|e| e["ph"] == "s").collect();
        let ends: Vec<_> = evs.iter().filter(|e| e["ph"] == "f").collect();
        let (&[s], &[f]) = (starts.as_slice(), ends.as_slice()) else {
            out.push(format!(
                "flow {id}: {} start(s), {} finish(es)",
                starts.len(),
                ends.len()
            ));
            continue;
        };
        if s["cat"] != f["cat"] || s["name"] != f["name"] {
            out.push(format!("flow {id}: start and finish differ in cat or name"));
        }
        if s["ts"].as_f64() > f["ts"].as_f64() {
            out.push(format!("flow {id} runs backwards in time"));
        }
        if f.get("bp").and_then(Value::as_str) != Some("e") {
            out.push(format!("flow {id}: finish lacks bp=e"));
        }
        for (what, e) in [("start", s), ("finish", f)] {
            if !bound(e) {
                out.push(format!(
                    "flow {id}: {what} at {} is inside no slice on its track",
                    e["ts"]
                ));
            }
        }
    }
    out
}

/// Panics with every problem listed when `doc` is not valid (for tests).
pub fn assert_valid(doc: &Value) {
    let p = problems(doc);
    assert!(p.is_empty(), "invalid Chrome trace:\n{}", p.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_check_catches_overlap_unmatched_flows_and_missing_fields() {
        let doc = json!({"traceEvents": [
            {"ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 10, "name": "a"},
            {"ph": "X", "pid": 1, "tid": 1, "ts": 5, "dur": 10, "name": "b"},
            {"ph": "s", "pid": 1, "tid": 1, "ts": 1, "name": "f", "id": 7},
            {"ph": "X", "pid": 1, "ts": 5, "dur": 1, "name": "no tid"},
        ]});
        let p = problems(&doc);
        assert!(p.iter().any(|x| x.contains("overlaps")), "{p:?}");
        assert!(
            p.iter().any(|x| x.contains("flow 7: 1 start(s), 0 finish")),
            "{p:?}"
        );
        assert!(p.iter().any(|x| x.contains("lacks one of")), "{p:?}");
    }

    #[test]
    fn touching_slices_and_bound_flows_pass() {
        let doc = json!({"traceEvents": [
            {"ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 10, "name": "a"},
            {"ph": "X", "pid": 1, "tid": 1, "ts": 10, "dur": 10, "name": "b"},
            {"ph": "s", "pid": 1, "tid": 1, "ts": 5, "name": "f", "cat": "c", "id": 1},
            {"ph": "f", "bp": "e", "pid": 1, "tid": 1, "ts": 15, "name": "f", "cat": "c", "id": 1},
        ]});
        assert!(problems(&doc).is_empty());
    }
}
