//! Dependencies through values: a sibling's argument carries a value that appears nowhere
//! earlier in the run (the model's input: the user's words, earlier results; earlier calls'
//! arguments and results) but in another sibling's result. Either it could only have come from
//! that result (the two must run in order), or the model guessed it and the sibling's result,
//! reporting the same field with another value, proves the guess wrong.
//!
//! Only specific values count: numbers other than 0 and 1, numbers inside text with two or more
//! digits, and strings of three or more characters that are not common words. A value the
//! producer was itself given is an echo, not a product. When the model's input was not recorded
//! the rule says nothing: "appears nowhere earlier" cannot be shown.

use serde_json::Value;

use crate::model::{Run, ToolCall};

/// What one run knew before each batch, as searchable text and numbers: built once per run,
/// batch after batch, and only as far as a question needs (a run whose batches carry no specific
/// values never builds it).
pub(super) struct History<'r> {
    run: &'r Run,
    /// Calls of each batch, by batch index.
    calls_by_batch: Vec<Vec<usize>>,
    /// Arguments and results of the calls of batches `< upto`, lowercase.
    text: String,
    /// Their numbers, sorted.
    numbers: Vec<f64>,
    upto: usize,
    /// The first model call's input (a history cut short for size still opens with the first
    /// request's words).
    first: Option<Searchable>,
}

/// Lowercase text and its sorted numbers.
struct Searchable {
    text: String,
    numbers: Vec<f64>,
}

impl Searchable {
    fn of(text: String) -> Self {
        let text = text.to_lowercase();
        let mut numbers: Vec<f64> = numbers_in(&text).map(|(_, f)| f).collect();
        numbers.sort_by(f64::total_cmp);
        numbers.dedup();
        Self { text, numbers }
    }

    fn of_value(v: Option<&Value>) -> Self {
        Self::of(v.map(Value::to_string).unwrap_or_default())
    }
}

/// Whether sorted `numbers` hold one that rounds to `v` at `d` decimals.
fn has_number(numbers: &[f64], v: f64, d: i32) -> bool {
    let half = 0.5 / 10f64.powi(d);
    let lo = numbers.partition_point(|x| *x < v - half);
    numbers[lo..]
        .iter()
        .take_while(|x| **x <= v + half)
        .any(|x| rounds_to(*x, v, d))
}

impl<'r> History<'r> {
    pub(super) fn new(run: &'r Run) -> Self {
        let mut calls_by_batch = vec![Vec::new(); run.batches.len()];
        for (i, c) in run.tool_calls.iter().enumerate() {
            if let Some(list) = c.batch.and_then(|b| calls_by_batch.get_mut(b)) {
                list.push(i);
            }
        }
        Self {
            run,
            calls_by_batch,
            text: String::new(),
            numbers: Vec::new(),
            upto: 0,
            first: None,
        }
    }

    /// Brings the history to "everything before batch `batch`". Batches are asked in order;
    /// asking for an earlier one starts over.
    fn advance(&mut self, batch: usize) {
        if batch < self.upto {
            self.text.clear();
            self.numbers.clear();
            self.upto = 0;
        }
        let mut added = String::new();
        for b in self.upto..batch.min(self.calls_by_batch.len()) {
            for &i in &self.calls_by_batch[b] {
                let c = &self.run.tool_calls[i];
                for v in [&c.arguments, &c.result].into_iter().flatten() {
                    added.push('\n');
                    added.push_str(&v.to_string());
                }
            }
        }
        self.upto = self.upto.max(batch);
        if added.is_empty() {
            return;
        }
        let added = added.to_lowercase();
        let start = self.numbers.len();
        self.numbers.extend(numbers_in(&added).map(|(_, f)| f));
        if self.numbers.len() > start {
            // Two sorted runs: the sort merges them in linear time.
            self.numbers[start..].sort_by(f64::total_cmp);
            self.numbers.sort_by(f64::total_cmp);
        }
        self.text.push_str(&added);
    }

    /// What was known before `batch`: `None` when the emitting model call's input was not
    /// recorded ("appears nowhere earlier" cannot be shown then).
    pub(super) fn before(&mut self, batch: usize) -> Option<Known<'_, 'r>> {
        let b = self.run.batches.get(batch)?;
        let m = self.run.model_calls.get(b.emitted_by?)?;
        m.input.as_ref()?;
        Some(Known {
            model_call: m.index,
            history: self,
            batch,
            input: None,
        })
    }
}

/// What one batch's calls could have known: the input of the model call that emitted it, the
/// first model call's input, and the arguments and results of calls in earlier batches. Read
/// from the [`History`] on the first question.
pub(super) struct Known<'h, 'r> {
    history: &'h mut History<'r>,
    batch: usize,
    model_call: usize,
    input: Option<Searchable>,
}

impl Known<'_, '_> {
    fn has(&mut self, atom: &Atom) -> bool {
        let run = self.history.run;
        let input = self.input.get_or_insert_with(|| {
            Searchable::of_value(
                run.model_calls
                    .get(self.model_call)
                    .and_then(|m| m.input.as_ref()),
            )
        });
        self.history.advance(self.batch);
        let history = &mut *self.history;
        let first = history.first.get_or_insert_with(|| {
            Searchable::of_value(run.model_calls.first().and_then(|f| f.input.as_ref()))
        });
        match atom {
            Atom::Number {
                value, decimals, ..
            } => [&input.numbers, &first.numbers, &history.numbers]
                .into_iter()
                .any(|n| has_number(n, *value, *decimals)),
            Atom::Text(t) => {
                let t = t.to_lowercase();
                input.text.contains(&t) || first.text.contains(&t) || history.text.contains(&t)
            }
        }
    }
}

const DULL: &[&str] = &[
    "true", "false", "null", "none", "yes", "no", "ok", "success", "error", "the", "and", "all",
    "any", "default", "auto", "on", "off", "start", "stop",
];

fn numbers_in(text: &str) -> impl Iterator<Item = (String, f64)> + '_ {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .map(|t| t.trim_matches(['.', '-']))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .filter_map(|t| t.parse::<f64>().ok().map(|f| (t.to_owned(), f)))
        .filter(|(_, f)| f.is_finite())
}

fn decimals(t: &str) -> i32 {
    t.split_once('.').map_or(0, |(_, d)| d.len() as i32).min(6)
}

/// `x` rounded to `d` decimals equals `v`.
fn rounds_to(x: f64, v: f64, d: i32) -> bool {
    let p = 10f64.powi(d);
    ((x * p).round() - (v * p).round()).abs() < 0.5
}

/// A specific value in a call's arguments.
#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Number {
        shown: String,
        value: f64,
        decimals: i32,
    },
    Text(String),
}

impl Atom {
    fn shown(&self) -> &str {
        match self {
            Self::Number { shown, .. } => shown,
            Self::Text(t) => t,
        }
    }
}

fn specific_text(s: &str) -> bool {
    let t = s.trim();
    t.chars().count() >= 3
        && t.len() <= 120
        && !DULL.contains(&t.to_lowercase().as_str())
        && t.chars().any(char::is_alphanumeric)
}

/// The specific values of an argument tree, each with the key it sits under.
fn atoms(v: &Value, key: &str, out: &mut Vec<(String, Atom)>) {
    if out.len() > 200 {
        return;
    }
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| atoms(x, k, out)),
        Value::Array(a) => a.iter().for_each(|x| atoms(x, key, out)),
        Value::Number(n) => {
            let shown = n.to_string();
            if let Some(f) = n.as_f64().filter(|f| *f != 0.0 && *f != 1.0) {
                let decimals = decimals(&shown);
                out.push((
                    key.to_owned(),
                    Atom::Number {
                        shown,
                        value: f,
                        decimals,
                    },
                ));
            }
        }
        Value::String(s) => {
            if specific_text(s) {
                out.push((key.to_owned(), Atom::Text(s.trim().to_owned())));
            }
            // A number written as text ("3333"), or numbers inside prose ("the distance is
            // 750.0 km") with two digits or more; not the digits of a code (`IT-123`).
            let whole = s.trim().parse::<f64>().is_ok();
            let prose = s.trim().contains(char::is_whitespace);
            for (t, f) in numbers_in(s).filter(|_| whole || prose) {
                if t.chars().filter(char::is_ascii_digit).count() >= 2 {
                    out.push((
                        key.to_owned(),
                        Atom::Number {
                            decimals: decimals(&t),
                            shown: t,
                            value: f,
                        },
                    ));
                }
            }
        }
        _ => {}
    }
}

/// Scalar leaves of a result with their keys; JSON held in strings is opened.
fn leaves(v: &Value, key: &str, out: &mut Vec<(String, Value)>) {
    if out.len() > 400 {
        return;
    }
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| leaves(x, k, out)),
        Value::Array(a) => a.iter().for_each(|x| leaves(x, key, out)),
        Value::String(s) => match crate::model::span::parse_json_string(s) {
            inner @ (Value::Object(_) | Value::Array(_)) => leaves(&inner, key, out),
            _ => out.push((key.to_owned(), v.clone())),
        },
        Value::Number(_) => out.push((key.to_owned(), v.clone())),
        _ => {}
    }
}

/// Whether a result leaf carries `atom`: the same text (any case), or a number that rounds to
/// it at the argument's precision.
fn carries(leaf: &Value, atom: &Atom) -> bool {
    match (leaf, atom) {
        (
            Value::Number(n),
            Atom::Number {
                value, decimals, ..
            },
        ) => n.as_f64().is_some_and(|x| rounds_to(x, *value, *decimals)),
        (
            Value::String(s),
            Atom::Number {
                value, decimals, ..
            },
        ) => numbers_in(s).any(|(t, x)| {
            t.chars().filter(char::is_ascii_digit).count() >= 2 && rounds_to(x, *value, *decimals)
        }),
        (Value::String(s), Atom::Text(t)) => s.trim().eq_ignore_ascii_case(t),
        _ => false,
    }
}

/// A value one sibling's arguments carry that another sibling's result produced (or proves
/// guessed wrong).
pub(super) struct ValueDependency {
    /// Arguments key of the consumer, result key of the producer.
    pub arg_key: String,
    pub result_key: String,
    pub given: String,
    pub produced: String,
    /// The consumer's value differs: the model guessed it and the producer's result shows it.
    pub guessed: bool,
}

fn norm_key(k: &str) -> String {
    super::super::resources::names::split_words(k).join("_")
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What one call offers and wants, read once per batch: the values of its arguments nobody knew
/// before (with their keys, raw and normalized), the values it was given, and its result's
/// leaves (with normalized keys).
pub(super) struct Prepared {
    wanted: Vec<(String, String, Atom)>,
    given: Vec<Atom>,
    produced: Vec<(String, String, Value)>,
}

/// Reads `call` against what was known before its batch.
pub(super) fn prepare(known: &mut Known<'_, '_>, call: &ToolCall) -> Prepared {
    let mut args = Vec::new();
    if let Some(a) = &call.arguments {
        atoms(a, "", &mut args);
    }
    let mut produced = Vec::new();
    if let Some(r) = &call.result {
        leaves(r, "", &mut produced);
    }
    Prepared {
        wanted: args
            .iter()
            .filter(|(_, a)| !known.has(a))
            .map(|(k, a)| (k.clone(), norm_key(k), a.clone()))
            .collect(),
        given: args.into_iter().map(|(_, a)| a).collect(),
        produced: produced
            .into_iter()
            .map(|(k, v)| {
                let n = norm_key(&k);
                (k, n, v)
            })
            .collect(),
    }
}

/// The dependency of `consumer` on `producer`'s result, if any.
pub(super) fn dependency(producer: &Prepared, consumer: &Prepared) -> Option<ValueDependency> {
    if producer.produced.is_empty() {
        return None;
    }
    // 1. The same value: only the producer's result had it.
    for (k, _, atom) in &consumer.wanted {
        if producer.given.contains(atom) {
            continue;
        }
        if let Some((rk, _, leaf)) = producer.produced.iter().find(|(_, _, l)| carries(l, atom)) {
            return Some(ValueDependency {
                arg_key: k.clone(),
                result_key: rk.clone(),
                given: atom.shown().to_owned(),
                produced: scalar_text(leaf).unwrap_or_default(),
                guessed: false,
            });
        }
    }
    // 2. A guess: the consumer was given a value for a field the producer's result reports,
    //    the value appears nowhere earlier, and the result says otherwise.
    for (k, nk, atom) in &consumer.wanted {
        if nk.is_empty() {
            continue;
        }
        // An identifier-like field only: a guessed id, number or code, not free text.
        let id_like = super::super::resources::names::entity_of_key(k).is_some()
            || matches!(atom, Atom::Number { .. });
        if !id_like {
            continue;
        }
        // The producer must have produced its value, not echoed what it was given (two lookups
        // of different ids each report their own id).
        let Some((rk, _, leaf)) = producer.produced.iter().find(|(_, rn, l)| {
            rn == nk && !carries(l, atom) && !producer.given.iter().any(|g| carries(l, g))
        }) else {
            continue;
        };
        let Some(shown) = scalar_text(leaf).filter(|s| !s.is_empty()) else {
            continue;
        };
        return Some(ValueDependency {
            arg_key: k.clone(),
            result_key: rk.clone(),
            given: atom.shown().to_owned(),
            produced: shown,
            guessed: true,
        });
    }
    None
}

/// Every dependency through values among the calls of one batch, keyed by
/// `(producer, consumer)` positions in `calls`. Indexed by value and by key, so a batch of
/// thousands of unrelated lookups costs what its values cost, not what its pairs do.
pub(super) fn dependencies(
    calls: &[Prepared],
) -> std::collections::HashMap<(usize, usize), ValueDependency> {
    use std::collections::HashMap;
    let mut texts: HashMap<String, Vec<usize>> = HashMap::new();
    let mut numbers: Vec<(f64, usize)> = Vec::new();
    let mut keys: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in calls.iter().enumerate() {
        for (_, nk, leaf) in &p.produced {
            match leaf {
                Value::String(s) => {
                    texts.entry(s.trim().to_lowercase()).or_default().push(i);
                    numbers.extend(numbers_in(s).map(|(_, f)| (f, i)));
                }
                Value::Number(n) => numbers.extend(n.as_f64().map(|f| (f, i))),
                _ => {}
            }
            // A guess is contradicted only by a value the producer made, not one it echoes.
            if !p.given.iter().any(|g| carries(leaf, g)) {
                keys.entry(nk.as_str()).or_default().push(i);
            }
        }
    }
    numbers.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = HashMap::new();
    for (c, consumer) in calls.iter().enumerate() {
        let mut producers: Vec<usize> = Vec::new();
        for (_, _, atom) in &consumer.wanted {
            match atom {
                Atom::Text(t) => {
                    producers.extend(texts.get(&t.to_lowercase()).into_iter().flatten());
                }
                Atom::Number {
                    value, decimals, ..
                } => {
                    let half = 0.5 / 10f64.powi(*decimals);
                    let lo = numbers.partition_point(|(x, _)| *x < value - half);
                    producers.extend(
                        numbers[lo..]
                            .iter()
                            .take_while(|(x, _)| *x <= value + half)
                            .map(|(_, i)| *i),
                    );
                }
            }
            if let Some(same_key) = keys.get(norm_key_of(consumer, atom).as_str()) {
                producers.extend(same_key);
            }
        }
        producers.sort_unstable();
        producers.dedup();
        for p in producers.into_iter().filter(|&p| p != c) {
            if let Some(d) = dependency(&calls[p], consumer) {
                out.entry((p, c)).or_insert(d);
            }
        }
    }
    out
}

/// The normalized argument key an atom of `consumer` sits under.
fn norm_key_of(consumer: &Prepared, atom: &Atom) -> String {
    consumer
        .wanted
        .iter()
        .find(|(_, _, a)| a == atom)
        .map(|(_, nk, _)| nk.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The dependency of `c` on `p` when what was known before their batch is `known`.
    fn dep(known: &str, p: &ToolCall, c: &ToolCall) -> Option<ValueDependency> {
        let run = crate::analysis::test_support::run(vec![], None);
        let mut history = History::new(&run);
        let mut k = Known {
            history: &mut history,
            batch: 0,
            model_call: 0,
            input: Some(Searchable::of(known.to_owned())),
        };
        dependency(&prepare(&mut k, p), &prepare(&mut k, c))
    }

    fn call(args: Value, result: Value) -> ToolCall {
        let r =
            crate::analysis::test_support::run(vec![vec![("c", "t", args, result, None)]], None);
        r.tool_calls[0].clone()
    }

    #[test]
    fn a_value_only_a_siblings_result_carries_is_a_dependency() {
        let zip = call(
            json!({"city": "San Francisco"}),
            json!({"zipcode": "94016"}),
        );
        let dist = call(
            json!({"cityA": "94016", "cityB": "83214"}),
            json!({"distance": 980.0}),
        );
        let k = "What is the distance from San Francisco to Rivermist?";
        let d = dep(k, &zip, &dist).expect("dependency");
        assert_eq!((d.given.as_str(), d.guessed), ("94016", false));
        // Known to the user already: no dependency.
        assert!(dep("zip 94016 please", &zip, &dist).is_none());
        // Numbers match at the argument's precision.
        let conv = call(json!({"liter": 38}), json!({"gallon": 10.038536}));
        let fill = call(json!({"fuelAmount": 10.04}), json!({"fuelLevel": 20.04}));
        assert!(dep("fill 38 liters", &conv, &fill).is_some());
    }

    #[test]
    fn a_guessed_id_the_sibling_contradicts_is_shown_side_by_side() {
        let lookup = call(json!({"email": "a@x.io"}), json!({"customer_id": "C-17"}));
        let orders = call(json!({"customer_id": "C-12"}), json!({"orders": []}));
        let d = dep("orders of a@x.io", &lookup, &orders).expect("guess");
        assert!(d.guessed);
        assert_eq!((d.given.as_str(), d.produced.as_str()), ("C-12", "C-17"));
        // Two independent lookups report different values of a field nobody passed on.
        let a = call(
            json!({"city": "London"}),
            json!({"city": "London", "population": 9}),
        );
        let b = call(json!({"city": "Paris"}), json!({"city": "Paris"}));
        assert!(dep("London and Paris", &a, &b).is_none());
        // Two lookups by different ids each echo their own id: no guess.
        let a = call(
            json!({"item_id": "IT-1"}),
            json!({"item_id": "IT-1", "price": 3}),
        );
        let b = call(
            json!({"item_id": "IT-2"}),
            json!({"item_id": "IT-2", "price": 4}),
        );
        assert!(dep("look up all items", &a, &b).is_none());
        assert!(dep("look up all items", &b, &a).is_none());
        // The digits of a code are no number: `IT-82` is not the price 82.
        let c = call(json!({"item_id": "IT-82"}), json!({"price": 5}));
        let d = call(json!({"item_id": "IT-9"}), json!({"price": 82}));
        assert!(dep("look up all items", &d, &c).is_none());
    }
}
