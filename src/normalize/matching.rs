//! Ties executed tool spans to the calls the model emitted, in order of preference: call id
//! (trimmed), then tool name plus canonicalized arguments, then tool name in emission order
//! within the batch. Records which rule matched. Works on indices only; building the run is
//! the batch builder's job.

use std::fmt::Write as _;

use serde_json::Value;

use super::record::{parse_loose, EmittedCall, ExecRecord};
use crate::model::MatchEvidence;

/// Canonical text of a JSON value: strings holding JSON parsed, object keys sorted, whole
/// floats written as integers. Two argument sets are "the same" when their canonical texts are.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(&parse_loose(v), &mut out, 0);
    out
}

fn write_canonical(v: &Value, out: &mut String, depth: usize) {
    if depth > 64 {
        out.push_str("null");
        return;
    }
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(*k) {
                    write_canonical(inner, out, depth + 1);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out, depth + 1);
            }
            out.push(']');
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                let _ = write!(out, "{}", f as i64);
            }
            _ => out.push_str(&n.to_string()),
        },
        other => out.push_str(&other.to_string()),
    }
}

/// Whether two recorded argument sets denote the same call. Besides canonical equality, a bare
/// string matches an object with exactly one string field holding it (LangChain records
/// single-string arguments as the bare string).
pub fn same_arguments(a: &Value, b: &Value) -> bool {
    let (a, b) = (lenient(a), lenient(b));
    if canonical(&a) == canonical(&b) {
        return true;
    }
    let single = |obj: &Value, s: &Value| -> bool {
        match (obj.as_object(), s.as_str()) {
            (Some(o), Some(s)) => {
                o.len() == 1 && o.values().next().and_then(Value::as_str) == Some(s)
            }
            _ => false,
        }
    };
    single(&a, &b) || single(&b, &a)
}

/// Parses JSON strings, and Python reprs of dicts/lists (`{'a': True}`) that some Python
/// instrumentations record instead of JSON. The repr conversion is naive (quotes and the three
/// constants) and only used to compare arguments.
fn lenient(v: &Value) -> Value {
    let parsed = parse_loose(v);
    let Value::String(s) = &parsed else {
        return parsed;
    };
    let t = s.trim();
    if !(t.starts_with('{') || t.starts_with('[')) || !t.contains('\'') {
        return parsed;
    }
    let mut out = String::with_capacity(t.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(match word.as_str() {
            "True" => "true",
            "False" => "false",
            "None" => "null",
            w => w,
        });
        word.clear();
    };
    let mut in_str: Option<char> = None;
    for c in t.chars() {
        match in_str {
            Some(q) => {
                if c == q {
                    in_str = None;
                    out.push('"');
                } else if c == '"' {
                    out.push_str("\\\"");
                } else {
                    out.push(c);
                }
            }
            None if c == '\'' || c == '"' => {
                flush(&mut word, &mut out);
                in_str = Some(c);
                out.push('"');
            }
            None if c.is_alphanumeric() || c == '_' => word.push(c),
            None => {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
    }
    flush(&mut word, &mut out);
    serde_json::from_str(&out).unwrap_or(parsed)
}

/// A tool call awaiting its exec span.
#[derive(Debug, Clone)]
pub struct Slot<'a> {
    pub call: &'a EmittedCall,
    /// Position of the emitting model call in start order.
    pub model: usize,
}

/// Two ids that cannot be the same call. The Responses `fc_` item id never equals a `call_`
/// id, so it is not treated as a contradiction.
fn ids_conflict(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a != b && !a.starts_with("fc_") && !b.starts_with("fc_"),
        _ => false,
    }
}

/// Matches `execs` against `slots`. `window[e]` is the model call whose turn exec `e` started
/// in (the last model call starting at or before it). Returns, per exec, the slot it answers
/// and the evidence.
pub fn match_execs(
    slots: &[Slot<'_>],
    execs: &[ExecRecord],
    window: &[Option<usize>],
) -> Vec<Option<(usize, MatchEvidence)>> {
    let mut taken = vec![false; slots.len()];
    let mut out: Vec<Option<(usize, MatchEvidence)>> = vec![None; execs.len()];
    // Candidates nearest the exec's turn come first: the turn itself, then earlier turns from
    // the latest back, then later turns.
    let rank = |slot: &Slot<'_>, w: Option<usize>| -> (u8, usize) {
        match w {
            Some(w) if slot.model == w => (0, 0),
            Some(w) if slot.model < w => (1, w - slot.model),
            Some(_) => (2, slot.model),
            None => (1, slot.model),
        }
    };
    let pick = |taken: &[bool], e: usize, ok: &dyn Fn(&Slot<'_>) -> bool| -> Option<usize> {
        let w = window.get(e).copied().flatten();
        slots
            .iter()
            .enumerate()
            .filter(|(i, s)| !taken.get(*i).copied().unwrap_or(true) && ok(s))
            .min_by_key(|(i, s)| (rank(s, w), *i))
            .map(|(i, _)| i)
    };
    // a. call id.
    for (e, exec) in execs.iter().enumerate() {
        let Some(id) = exec.call_id.as_deref() else {
            continue;
        };
        if let Some(i) = pick(&taken, e, &|s| s.call.id.as_deref() == Some(id)) {
            taken[i] = true;
            out[e] = Some((i, MatchEvidence::CallId));
        }
    }
    // b. name + canonical arguments.
    for (e, exec) in execs.iter().enumerate() {
        if out[e].is_some() {
            continue;
        }
        let Some(args) = exec.arguments.as_ref() else {
            continue;
        };
        let ok = |s: &Slot<'_>| {
            s.call.name == exec.name
                && !ids_conflict(s.call.id.as_deref(), exec.call_id.as_deref())
                && s.call
                    .arguments
                    .as_ref()
                    .is_some_and(|a| same_arguments(a, args))
        };
        if let Some(i) = pick(&taken, e, &ok) {
            taken[i] = true;
            out[e] = Some((i, MatchEvidence::NameAndArguments));
        }
    }
    // c. same name, in emission order, within the exec's turn (or the one before it, for
    // whole-millisecond start ties).
    for (e, exec) in execs.iter().enumerate() {
        if out[e].is_some() {
            continue;
        }
        let Some(w) = window.get(e).copied().flatten() else {
            continue;
        };
        let ok = |s: &Slot<'_>| {
            (s.model == w || s.model + 1 == w)
                && s.call.name == exec.name
                && !ids_conflict(s.call.id.as_deref(), exec.call_id.as_deref())
        };
        if let Some(i) = pick(&taken, e, &ok) {
            taken[i] = true;
            out[e] = Some((i, MatchEvidence::Order));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallStatus, Convention, SpanId};
    use serde_json::json;

    fn exec(id: Option<&str>, name: &str, args: Option<Value>) -> ExecRecord {
        ExecRecord {
            span_id: SpanId([9; 8]),
            parent: None,
            convention: Convention::GenAi,
            call_id: id.map(str::to_owned),
            name: name.into(),
            arguments: args,
            result: None,
            error: None,
            status: CallStatus::Unknown,
            start: 0,
            end: 0,
            batch_span: None,
            ancestors: Vec::new(),
        }
    }

    fn call(id: Option<&str>, name: &str, args: Value) -> EmittedCall {
        EmittedCall {
            id: id.map(str::to_owned),
            name: name.into(),
            arguments: Some(args),
        }
    }

    #[test]
    fn canonical_form_sorts_keys_and_parses_strings() {
        assert_eq!(
            canonical(&json!({"b":1,"a":[2.0,{"d":1,"c":2}]})),
            r#"{"a":[2,{"c":2,"d":1}],"b":1}"#
        );
        assert!(same_arguments(
            &json!("{\"x\": 1, \"y\": 2}"),
            &json!({"y":2,"x":1})
        ));
        assert!(same_arguments(
            &json!("acct_1"),
            &json!({"account_id":"acct_1"})
        ));
        assert!(!same_arguments(&json!({"x":1}), &json!({"x":2})));
        assert!(same_arguments(
            &json!("{'a': 'it\"s', 'b': True, 'c': None}"),
            &json!({"a":"it\"s","b":true,"c":null})
        ));
        assert!(!same_arguments(&json!("{'a': 'x'}"), &json!({"a":"y"})));
    }

    #[test]
    fn duplicate_tool_names_are_told_apart_by_arguments() {
        let calls = [
            call(None, "deposit", json!({"amount":10})),
            call(None, "deposit", json!({"amount":20})),
        ];
        let slots: Vec<Slot<'_>> = calls.iter().map(|c| Slot { call: c, model: 0 }).collect();
        // Execs recorded in the other order (end order).
        let execs = [
            exec(None, "deposit", Some(json!("{\"amount\": 20}"))),
            exec(None, "deposit", Some(json!({"amount":10}))),
        ];
        let m = match_execs(&slots, &execs, &[Some(0), Some(0)]);
        assert_eq!(
            m,
            vec![
                Some((1, MatchEvidence::NameAndArguments)),
                Some((0, MatchEvidence::NameAndArguments))
            ]
        );
    }

    #[test]
    fn ids_first_then_order_and_conflicting_ids_never_match() {
        let calls = [
            call(Some("call_a"), "f", json!({})),
            call(Some("call_b"), "f", json!({"k":1})),
        ];
        let slots: Vec<Slot<'_>> = calls.iter().map(|c| Slot { call: c, model: 0 }).collect();
        let execs = [
            exec(Some("call_b"), "f", None),
            exec(Some("call_z"), "f", None),
            exec(None, "f", None),
        ];
        let m = match_execs(&slots, &execs, &[Some(0), Some(0), Some(0)]);
        assert_eq!(m[0], Some((1, MatchEvidence::CallId)));
        assert_eq!(m[1], None, "a different call id never matches by order");
        assert_eq!(m[2], Some((0, MatchEvidence::Order)));
    }
}
