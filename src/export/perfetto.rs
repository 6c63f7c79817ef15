//! Chrome Trace Event Format JSON, opened by ui.perfetto.dev and chrome://tracing.
//!
//! Layout: one process per trace; one thread (track) for model calls and one per swimlane of tool
//! calls, so siblings that overlapped in time never share a track (the Trace Event Format only
//! allows complete events on one thread to nest, never to overlap partially; we keep them
//! disjoint). Each call is an `X` (complete) event carrying its arguments, result, accesses and
//! findings in `args`. Flow events (`s` then `f` with `bp: "e"`, one id per arrow) draw data flow
//! between calls and an arrow from each finding's first call to its second. The final answer is
//! an instant (`i`) event; `M` metadata events name the process and tracks. Timestamps are
//! microseconds from the trace's first recorded time; untimed runs use order slots (1 ms each) and
//! the process name says so.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::model::CallStatus;

use super::dto::TraceReport;
use super::layout::{Layout, Placed};
use super::{prose, truncate};

pub mod check;

/// Longest string kept in `args` for results and answers; traces can hold megabytes.
const MAX_TEXT: usize = 4000;

/// Writes the traces as one Chrome trace JSON object.
pub fn write(reports: &[TraceReport], out: &mut dyn Write) -> io::Result<()> {
    super::safe_json::to_writer_pretty(&mut *out, &document(reports))?;
    out.write_all(b"\n")
}

/// The whole trace file as a JSON value.
pub fn document(reports: &[TraceReport]) -> Value {
    let mut events = Vec::new();
    let mut next_flow = 1u64;
    for (i, r) in reports.iter().enumerate() {
        trace_events(r, i as u64 + 1, &mut next_flow, &mut events);
    }
    json!({
        "displayTimeUnit": "ms",
        "otherData": {"generator": "fanout", "schema_version": super::SCHEMA_VERSION},
        "traceEvents": events,
    })
}

fn us(l: &Layout, units: u64) -> f64 {
    // Timed layouts are in nanoseconds; untimed slots are 1000 units, shown as 1 ms each.
    if l.untimed {
        units as f64
    } else {
        units as f64 / 1000.0
    }
}

fn meta(pid: u64, tid: u64, name: &str, args: Value) -> Value {
    json!({"ph": "M", "pid": pid, "tid": tid, "ts": 0, "name": name, "args": args})
}

fn clip(s: &str) -> String {
    truncate(s, MAX_TEXT)
}

fn clip_json(v: &Option<Value>) -> Value {
    match v {
        None => Value::Null,
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > MAX_TEXT {
                Value::String(clip(&text))
            } else {
                v.clone()
            }
        }
    }
}

fn trace_events(r: &TraceReport, pid: u64, next_flow: &mut u64, ev: &mut Vec<Value>) {
    let l = Layout::of(r);
    let model_tid = |track: usize| track as u64 + 1;
    let tool_tid = |track: usize| (l.model_tracks + track) as u64 + 1;
    let timing = if l.untimed {
        " (untimed transcript: positions are order, not time)"
    } else {
        ""
    };
    let conv = if r.conventions.is_empty() {
        String::new()
    } else {
        format!(" · {}", r.conventions.join(", "))
    };
    ev.push(meta(
        pid,
        0,
        "process_name",
        json!({"name": format!("fanout trace {}{conv}{timing}", r.trace_id)}),
    ));
    ev.push(meta(
        pid,
        0,
        "process_sort_index",
        json!({"sort_index": pid}),
    ));
    for t in 0..l.model_tracks.max(1) {
        let name = if t == 0 {
            "model calls".to_owned()
        } else {
            format!("model calls ({})", t + 1)
        };
        ev.push(meta(
            pid,
            model_tid(t),
            "thread_name",
            json!({"name": name}),
        ));
        ev.push(meta(
            pid,
            model_tid(t),
            "thread_sort_index",
            json!({"sort_index": model_tid(t)}),
        ));
    }
    for t in 0..l.tool_tracks {
        ev.push(meta(
            pid,
            tool_tid(t),
            "thread_name",
            json!({"name": format!("tool lane {} (parallel siblings never share a lane)", t + 1)}),
        ));
        ev.push(meta(
            pid,
            tool_tid(t),
            "thread_sort_index",
            json!({"sort_index": tool_tid(t)}),
        ));
    }

    let complete = |name: &str, cat: &str, tid: u64, p: &Placed, args: Value| json!({"ph": "X", "pid": pid, "tid": tid, "name": name, "cat": cat, "ts": us(&l, p.start), "dur": us(&l, p.end - p.start), "args": args});
    for (m, p) in r.model_calls.iter().zip(&l.models) {
        let Some(p) = p else { continue };
        let args = json!({
            "model": m.model, "span_id": m.span_id, "finish_reason": m.finish_reason,
            "emitted_call_ids": m.emitted_call_ids, "start_unix_nano": m.start_unix_nano, "end_unix_nano": m.end_unix_nano,
        });
        ev.push(complete(
            &format!("model call {} · {}", m.index + 1, m.name),
            "model",
            model_tid(p.track),
            p,
            args,
        ));
    }
    // Each finding in words once, listed under every call it involves.
    let mut sentences: std::collections::HashMap<usize, Vec<String>> =
        std::collections::HashMap::new();
    for f in &r.findings {
        let text = prose::finding_sentence(r, f);
        for &i in &f.call_indexes {
            sentences.entry(i).or_default().push(text.clone());
        }
    }
    for b in &r.batches {
        for c in &b.calls {
            let Some(p) = l.call(c.index) else { continue };
            let findings = sentences.get(&c.index).cloned().unwrap_or_default();
            let mut args = Map::new();
            args.insert("call_id".into(), json!(c.call_id));
            args.insert("batch_id".into(), json!(b.batch_id));
            args.insert("siblings".into(), json!(b.calls.len()));
            args.insert("status".into(), json!(c.status));
            args.insert("arguments".into(), clip_json(&c.arguments));
            args.insert("result".into(), clip_json(&c.result));
            if let Some(e) = &c.error {
                args.insert("error".into(), json!(clip(e)));
            }
            args.insert(
                "accesses".into(),
                json!(c
                    .accesses
                    .iter()
                    .map(|a| format!("{} {} ({})", a.mode, a.resource, a.evidence))
                    .collect::<Vec<_>>()),
            );
            args.insert("span_id".into(), json!(c.span_id));
            args.insert("start_unix_nano".into(), json!(c.start_unix_nano));
            args.insert("end_unix_nano".into(), json!(c.end_unix_nano));
            if !findings.is_empty() {
                args.insert("findings".into(), json!(findings));
            }
            let failed = c.status == CallStatus::Error;
            let cat = match (findings.is_empty(), failed) {
                (true, false) => "tool",
                (false, false) => "tool,finding",
                (true, true) => "tool,failed",
                (false, true) => "tool,finding,failed",
            };
            let name = match c.status {
                CallStatus::Error => format!("✗ {} (failed)", c.tool),
                CallStatus::NotExecuted => format!("∅ {} (never executed)", c.tool),
                CallStatus::Ok | CallStatus::Unknown => c.tool.clone(),
            };
            // A call that never ran took no time: a zero-length slice, not a full bar.
            let p = if c.status == CallStatus::NotExecuted {
                Placed { end: p.start, ..p }
            } else {
                p
            };
            ev.push(complete(
                &name,
                cat,
                tool_tid(p.track),
                &p,
                Value::Object(args),
            ));
        }
    }

    // Flow arrows bind to the slice enclosing their timestamp: the start sits a quarter into its
    // slice, the finish three quarters into its own, so arrows between overlapping siblings still
    // run forward; an arrow that would run backwards is drawn the other way and says so.
    let tool_slice = |i: usize| l.call(i).map(|p| (tool_tid(p.track), p));
    let model_slice = |i: usize| {
        let pos = r.model_calls.iter().position(|m| m.index == i)?;
        let p = l.models.get(pos).copied().flatten()?;
        Some((model_tid(p.track), p))
    };
    let early = |p: &Placed| us(&l, p.start + (p.end - p.start) / 4);
    let late = |p: &Placed| us(&l, p.end - (p.end - p.start) / 4);
    let mut flow = |name: String,
                    cat: &str,
                    from: Option<(u64, Placed)>,
                    to: Option<(u64, Placed)>,
                    mut args: Value,
                    ev: &mut Vec<Value>| {
        let (Some(mut from), Some(mut to)) = (from, to) else {
            return;
        };
        if early(&from.1) > late(&to.1) {
            std::mem::swap(&mut from, &mut to);
            args["drawn_reversed"] = json!("the second call ran first");
        }
        let id = *next_flow;
        *next_flow += 1;
        ev.push(json!({"ph": "s", "id": id, "pid": pid, "tid": from.0, "ts": early(&from.1), "name": name, "cat": cat, "args": args}));
        ev.push(json!({"ph": "f", "bp": "e", "id": id, "pid": pid, "tid": to.0, "ts": late(&to.1), "name": name, "cat": cat, "args": args}));
    };
    let answer_model = r.final_answer.as_ref().and_then(|a| a.model_call);
    for e in &r.flow {
        let to = match (e.to_kind.as_str(), e.to_index) {
            ("tool_call", Some(i)) => tool_slice(i),
            ("model_call", Some(i)) => model_slice(i),
            ("final_answer", _) => answer_model.and_then(model_slice),
            _ => None,
        };
        flow(
            format!("value {}", truncate(&e.value, 60)),
            "data_flow",
            tool_slice(e.from_call_index),
            to,
            json!({"value": clip(&e.value), "to": e.to_kind}),
            ev,
        );
    }
    for f in &r.findings {
        if let [a, b, ..] = f.call_indexes.as_slice() {
            let name = format!("{} {} on {}", f.severity, f.kind, truncate(&f.resource, 80));
            flow(
                name,
                "finding",
                tool_slice(*a),
                tool_slice(*b),
                json!({"explanation": clip(&f.explanation), "batch_id": f.batch_id}),
                ev,
            );
        }
    }

    if let Some(a) = &r.final_answer {
        let pos = a
            .model_call
            .and_then(|m| r.model_calls.iter().position(|x| x.index == m));
        let at = pos.and_then(|p| l.models.get(p).copied().flatten());
        let (tid, ts) = at.map_or((model_tid(0), us(&l, l.extent)), |p| {
            (model_tid(p.track), us(&l, p.end))
        });
        ev.push(json!({
            "ph": "i", "s": "t", "pid": pid, "tid": tid, "ts": ts, "name": "final answer", "cat": "answer",
            "args": {"text": clip(&a.text), "suspect_batch_ids": r.suspect_batch_ids, "span_id": a.span_id},
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    fn doc(t: &crate::analysis::AnalyzedTrace) -> Value {
        document(&[TraceReport::from_analyzed(t)])
    }

    #[test]
    fn lost_update_has_tracks_events_flows_and_answer() {
        let d = doc(&fixtures::lost_update());
        check::assert_valid(&d);
        let ev = d["traceEvents"].as_array().unwrap();
        let names: Vec<&str> = ev
            .iter()
            .filter(|e| e["name"] == "thread_name")
            .filter_map(|e| e["args"]["name"].as_str())
            .collect();
        assert_eq!(names[0], "model calls");
        assert_eq!(names.len(), 3, "{names:?}");
        let dep = ev
            .iter()
            .find(|e| e["ph"] == "X" && e["name"] == "deposit")
            .unwrap();
        let wd = ev
            .iter()
            .find(|e| e["ph"] == "X" && e["name"] == "withdraw")
            .unwrap();
        assert_ne!(dep["tid"], wd["tid"]);
        assert_eq!(dep["ts"], 110_000.0);
        assert_eq!(dep["dur"], 150_000.0);
        assert_eq!(dep["args"]["arguments"]["account_id"], "ACC-1001");
        assert!(dep["args"]["findings"][0]
            .as_str()
            .unwrap()
            .contains("Observed shared-state mutation"));
        assert_eq!(dep["cat"], "tool,finding");
        let finding_flows = ev.iter().filter(|e| e["cat"] == "finding").count();
        assert_eq!(finding_flows, 2, "one s and one f");
        assert!(ev
            .iter()
            .any(|e| e["ph"] == "i" && e["name"] == "final answer"));
    }

    #[test]
    fn every_fixture_is_structurally_valid() {
        let reports: Vec<TraceReport> = fixtures::all()
            .iter()
            .map(TraceReport::from_analyzed)
            .collect();
        let d = document(&reports);
        check::assert_valid(&d);
        let pids: std::collections::BTreeSet<u64> = d["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["pid"].as_u64())
            .collect();
        assert_eq!(pids.len(), 4, "a process per trace");
    }

    #[test]
    fn untimed_runs_say_so_in_the_process_name() {
        let d = doc(&fixtures::untimed_transcript());
        let p = d["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "process_name")
            .unwrap();
        assert!(p["args"]["name"].as_str().unwrap().contains("untimed"));
    }
}
