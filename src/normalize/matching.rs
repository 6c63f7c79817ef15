//! Ties executed tool spans to the calls the model emitted, in order of preference: call id
//! (trimmed), then tool name plus canonicalized arguments, then tool name in emission order
//! within the batch. Records which rule matched. Works on indices only; building the run is
//! the batch builder's job.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::ops::Bound;

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
#[cfg(test)]
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

/// An id that can contradict another id. The Responses `fc_` item id never equals a `call_`
/// id, so it is not treated as a contradiction.
fn firm_id(id: Option<&str>) -> bool {
    id.is_some_and(|id| !id.starts_with("fc_"))
}

/// Untaken slots that share one matching key, by emitting model call, in slot order. Slots
/// with a firm id are kept apart (`[1]`) from those without (`[0]`): an exec with a firm id of
/// its own may only take the latter (the id rule already took every slot carrying its id).
/// Taken slots are dropped lazily, so each slot leaves each bucket once: matching is linear
/// in slots and execs (times a log for the model lookup).
#[derive(Debug, Default)]
struct Bucket {
    by_model: BTreeMap<usize, [VecDeque<usize>; 2]>,
}

enum Probe {
    Found(usize),
    /// Nothing usable left in that model call for anyone: the entry was removed.
    Exhausted,
    /// Something is left, but not for this exec.
    Unsuitable,
}

impl Bucket {
    fn push(&mut self, slot: usize, model: usize, firm: bool) {
        self.by_model.entry(model).or_default()[usize::from(firm)].push_back(slot);
    }

    fn probe(&mut self, model: usize, any_id: bool, taken: &[bool]) -> Probe {
        let Some(lists) = self.by_model.get_mut(&model) else {
            return Probe::Exhausted;
        };
        let front = |list: &mut VecDeque<usize>| -> Option<usize> {
            while let Some(&i) = list.front() {
                if taken.get(i).copied().unwrap_or(true) {
                    list.pop_front();
                } else {
                    return Some(i);
                }
            }
            None
        };
        let [open, firm] = lists;
        let open = front(open);
        let firm_front = front(firm);
        let usable = if any_id { firm_front } else { None };
        match (open, usable) {
            (Some(a), Some(b)) => Probe::Found(a.min(b)),
            (Some(a), None) | (None, Some(a)) => Probe::Found(a),
            (None, None) if firm_front.is_some() => Probe::Unsuitable,
            (None, None) => {
                self.by_model.remove(&model);
                Probe::Exhausted
            }
        }
    }

    /// The untaken slot nearest turn `w` (see [`rank`]); with `nearby`, only turn `w` and the
    /// one before it.
    fn best(
        &mut self,
        w: Option<usize>,
        any_id: bool,
        taken: &[bool],
        nearby: bool,
    ) -> Option<usize> {
        let Some(w) = w else {
            return self.scan(Bound::Unbounded, true, any_id, taken);
        };
        if let Probe::Found(i) = self.probe(w, any_id, taken) {
            return Some(i);
        }
        if nearby {
            return match w.checked_sub(1).map(|m| self.probe(m, any_id, taken)) {
                Some(Probe::Found(i)) => Some(i),
                _ => None,
            };
        }
        self.scan(Bound::Excluded(w), false, any_id, taken)
            .or_else(|| self.scan(Bound::Excluded(w), true, any_id, taken))
    }

    /// Walks model calls away from `from` (upwards or downwards) until one has a usable slot.
    fn scan(
        &mut self,
        from: Bound<usize>,
        up: bool,
        any_id: bool,
        taken: &[bool],
    ) -> Option<usize> {
        let mut cursor = from;
        loop {
            let next = if up {
                self.by_model.range((cursor, Bound::Unbounded)).next()
            } else {
                let upper = match cursor {
                    Bound::Excluded(c) => Bound::Excluded(c),
                    _ => Bound::Unbounded,
                };
                self.by_model.range((Bound::Unbounded, upper)).next_back()
            };
            let m = *next?.0;
            if let Probe::Found(i) = self.probe(m, any_id, taken) {
                return Some(i);
            }
            cursor = Bound::Excluded(m);
        }
    }
}

/// Preference among candidate slots for an exec started in turn `w`: the turn itself, then
/// earlier turns from the latest back, then later turns; slot order breaks ties.
fn rank(model: usize, w: Option<usize>) -> (u8, usize) {
    match w {
        Some(w) if model == w => (0, 0),
        Some(w) if model < w => (1, w - model),
        Some(_) => (2, model),
        None => (1, model),
    }
}

/// The second way two argument sets are the same call: a bare string against an object with
/// exactly one string field holding it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Single {
    Bare(String),
    OneField(String),
}

impl Single {
    fn of(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Some(Self::Bare(s.clone())),
            Value::Object(o) if o.len() == 1 => o
                .values()
                .next()
                .and_then(Value::as_str)
                .map(|s| Self::OneField(s.to_owned())),
            _ => None,
        }
    }

    fn counterpart(self) -> Self {
        match self {
            Self::Bare(s) => Self::OneField(s),
            Self::OneField(s) => Self::Bare(s),
        }
    }
}

/// Matches `execs` against `slots`. `window[e]` is the model call whose turn exec `e` started
/// in (the last model call starting at or before it). Returns, per exec, the slot it answers
/// and the evidence. Among candidates the nearest turn wins (see [`rank`]).
pub fn match_execs(
    slots: &[Slot<'_>],
    execs: &[ExecRecord],
    window: &[Option<usize>],
) -> Vec<Option<(usize, MatchEvidence)>> {
    let mut taken = vec![false; slots.len()];
    let mut out: Vec<Option<(usize, MatchEvidence)>> = vec![None; execs.len()];
    let turn = |e: usize| window.get(e).copied().flatten();

    let mut by_id: HashMap<&str, Bucket> = HashMap::new();
    let mut by_args: HashMap<(&str, String), Bucket> = HashMap::new();
    let mut by_single: HashMap<(&str, Single), Bucket> = HashMap::new();
    let mut by_name: HashMap<&str, Bucket> = HashMap::new();
    for (i, s) in slots.iter().enumerate() {
        let firm = firm_id(s.call.id.as_deref());
        if let Some(id) = s.call.id.as_deref() {
            by_id.entry(id).or_default().push(i, s.model, false);
        }
        if let Some(args) = s.call.arguments.as_ref().map(lenient) {
            let name = s.call.name.as_str();
            if let Some(single) = Single::of(&args) {
                by_single
                    .entry((name, single))
                    .or_default()
                    .push(i, s.model, firm);
            }
            by_args
                .entry((name, canonical(&args)))
                .or_default()
                .push(i, s.model, firm);
        }
        by_name
            .entry(s.call.name.as_str())
            .or_default()
            .push(i, s.model, firm);
    }

    // a. call id.
    for (e, exec) in execs.iter().enumerate() {
        let Some(bucket) = exec.call_id.as_deref().and_then(|id| by_id.get_mut(id)) else {
            continue;
        };
        if let Some(i) = bucket.best(turn(e), true, &taken, false) {
            taken[i] = true;
            out[e] = Some((i, MatchEvidence::CallId));
        }
    }
    // b. name + canonical arguments (or a bare string against a one-field object).
    for (e, exec) in execs.iter().enumerate() {
        if out[e].is_some() {
            continue;
        }
        let Some(args) = exec.arguments.as_ref().map(lenient) else {
            continue;
        };
        let (w, any_id) = (turn(e), !firm_id(exec.call_id.as_deref()));
        let name = exec.name.as_str();
        let same = by_args
            .get_mut(&(name, canonical(&args)))
            .and_then(|b| b.best(w, any_id, &taken, false));
        let single = Single::of(&args)
            .and_then(|s| by_single.get_mut(&(name, s.counterpart())))
            .and_then(|b| b.best(w, any_id, &taken, false));
        let best = [same, single]
            .into_iter()
            .flatten()
            .min_by_key(|&i| (rank(slots[i].model, w), i));
        if let Some(i) = best {
            taken[i] = true;
            out[e] = Some((i, MatchEvidence::NameAndArguments));
        }
    }
    // c. same name, in emission order, within the exec's turn (or the one before it, for
    // whole-millisecond start ties).
    for (e, exec) in execs.iter().enumerate() {
        if out[e].is_some() || turn(e).is_none() {
            continue;
        }
        let any_id = !firm_id(exec.call_id.as_deref());
        let Some(bucket) = by_name.get_mut(exec.name.as_str()) else {
            continue;
        };
        if let Some(i) = bucket.best(turn(e), any_id, &taken, true) {
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

    /// The straightforward quadratic reading of the rules, kept as the reference the indexed
    /// matcher must agree with.
    fn reference(
        slots: &[Slot<'_>],
        execs: &[ExecRecord],
        window: &[Option<usize>],
    ) -> Vec<Option<(usize, MatchEvidence)>> {
        let conflict = |a: Option<&str>, b: Option<&str>| firm_id(a) && firm_id(b) && a != b;
        let mut taken = vec![false; slots.len()];
        let mut out = vec![None; execs.len()];
        let pick = |taken: &[bool], e: usize, ok: &dyn Fn(&Slot<'_>) -> bool| {
            let w = window[e];
            (0..slots.len())
                .filter(|&i| !taken[i] && ok(&slots[i]))
                .min_by_key(|&i| (rank(slots[i].model, w), i))
        };
        type Rule<'r> = dyn Fn(&Slot<'_>, &ExecRecord, Option<usize>) -> bool + 'r;
        let rules: [(MatchEvidence, &Rule<'_>); 3] = [
            (MatchEvidence::CallId, &|s, x, _| {
                x.call_id.is_some() && s.call.id == x.call_id
            }),
            (MatchEvidence::NameAndArguments, &|s, x, _| {
                s.call.name == x.name
                    && !conflict(s.call.id.as_deref(), x.call_id.as_deref())
                    && matches!((&s.call.arguments, &x.arguments), (Some(a), Some(b)) if same_arguments(a, b))
            }),
            (MatchEvidence::Order, &|s, x, w| {
                w.is_some_and(|w| s.model == w || s.model + 1 == w)
                    && s.call.name == x.name
                    && !conflict(s.call.id.as_deref(), x.call_id.as_deref())
            }),
        ];
        for (evidence, rule) in rules {
            for (e, x) in execs.iter().enumerate() {
                if out[e].is_some() {
                    continue;
                }
                if let Some(i) = pick(&taken, e, &|s| rule(s, x, window[e])) {
                    taken[i] = true;
                    out[e] = Some((i, evidence));
                }
            }
        }
        out
    }

    #[test]
    fn indexed_matching_agrees_with_the_reference_on_random_runs() {
        // A small deterministic generator: few names, ids and argument values, so that ids
        // repeat across turns, arguments collide and execs go unmatched.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _case in 0..400 {
            let turns = 1 + next(6) as usize;
            let mut calls = Vec::new();
            let mut models = Vec::new();
            for t in 0..turns {
                for _ in 0..next(5) {
                    let id = match next(4) {
                        0 => None,
                        1 => Some(format!("fc_{}", next(3))),
                        _ => Some(format!("call_{}", next(5))),
                    };
                    let args = match next(3) {
                        0 => json!({"k": format!("v{}", next(3))}),
                        1 => json!(format!("v{}", next(3))),
                        _ => json!({"k": next(2), "j": 1}),
                    };
                    calls.push(call(id.as_deref(), ["a", "b"][next(2) as usize], args));
                    models.push(t);
                }
            }
            let slots: Vec<Slot<'_>> = calls
                .iter()
                .zip(&models)
                .map(|(c, &model)| Slot { call: c, model })
                .collect();
            let n_execs = next(8) as usize;
            let mut execs = Vec::new();
            let mut window = Vec::new();
            for _ in 0..n_execs {
                let id = match next(4) {
                    0 => None,
                    1 => Some(format!("fc_{}", next(3))),
                    _ => Some(format!("call_{}", next(6))),
                };
                let args = match next(4) {
                    0 => None,
                    1 => Some(json!({"k": format!("v{}", next(3))})),
                    2 => Some(json!(format!("v{}", next(3)))),
                    _ => Some(json!("{\"j\": 1, \"k\": 0}")),
                };
                execs.push(exec(id.as_deref(), ["a", "b"][next(2) as usize], args));
                window.push(match next(5) {
                    0 => None,
                    _ => Some(next(turns as u64 + 1) as usize),
                });
            }
            assert_eq!(
                match_execs(&slots, &execs, &window),
                reference(&slots, &execs, &window),
                "slots {slots:?}\nexecs {execs:?}\nwindow {window:?}"
            );
        }
    }

    #[test]
    fn a_call_id_repeated_every_turn_goes_to_the_exec_s_own_turn() {
        let calls: Vec<EmittedCall> = (0..5)
            .map(|_| call(Some("call_1"), "f", json!({})))
            .collect();
        let slots: Vec<Slot<'_>> = calls
            .iter()
            .enumerate()
            .map(|(model, c)| Slot { call: c, model })
            .collect();
        let execs: Vec<ExecRecord> = (0..5).map(|_| exec(Some("call_1"), "f", None)).collect();
        let window = [Some(3), Some(0), Some(4), Some(2), Some(1)];
        let m = match_execs(&slots, &execs, &window);
        let chosen: Vec<usize> = m.iter().map(|x| x.map(|(i, _)| i).unwrap_or(99)).collect();
        assert_eq!(chosen, vec![3, 0, 4, 2, 1]);
    }
}
