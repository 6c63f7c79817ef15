//! State of one object named by words rather than ids: a sibling reads part of an object's state
//! by naming it in an argument (`display_status(option="fuel")`, `show_device(part="doors")`)
//! while another tool of the same API changes that part by name (`fill_fuel_tank`,
//! `lock_doors`): a stale read.
//!
//! Both tools must belong to one API (a name namespace or a shared description preamble, see
//! [`super::preconditions::api`]); the reader's argument value must be one word that is a word
//! of the writer's object. Ids are the resource rules' business.

use serde_json::Value;

use crate::analysis::resources::names::{singular, split_words, ToolPhrase, VerbClass};
use crate::model::{Run, ToolCall};

/// What a reader reads of the object a writer changes.
pub(super) struct StaleRead {
    pub reader: usize,
    pub writer: usize,
    pub resource: String,
    pub key: String,
    pub value: String,
}

fn reads(name: &str) -> bool {
    let p = ToolPhrase::parse(name);
    p.class == Some(VerbClass::Read)
        || p.verb.is_none()
            && p.object
                .iter()
                .any(|w| matches!(w.as_str(), "status" | "state" | "detail" | "info"))
}

fn writes(p: &ToolPhrase) -> bool {
    matches!(
        p.class,
        Some(VerbClass::Write | VerbClass::Create | VerbClass::ReadModifyWrite)
    )
}

/// One-word string arguments of a call, singular, with their keys.
fn named_parts(c: &ToolCall) -> Vec<(String, String)> {
    let Some(Value::Object(m)) = &c.arguments else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, v)| {
            let s = v.as_str()?.trim();
            let words = split_words(s);
            let [w] = words.as_slice() else { return None };
            (w.len() >= 3).then(|| (k.clone(), singular(w)))
        })
        .collect()
}

/// `r` reads the part of the object that `w` changes.
fn stale(run: &Run, r: &ToolCall, w: &ToolCall) -> Option<StaleRead> {
    let wp = ToolPhrase::parse(&w.name);
    if !reads(&r.name) || !writes(&wp) || reads(&w.name) {
        return None;
    }
    let api = super::preconditions::api(run, &r.name)?;
    if super::preconditions::api(run, &w.name).as_deref() != Some(api.as_str()) {
        return None;
    }
    let (key, part) = named_parts(r)
        .into_iter()
        .find(|(_, part)| wp.object.iter().any(|o| o == part))?;
    Some(StaleRead {
        reader: r.index,
        writer: w.index,
        resource: format!("state:{api}/{part}"),
        key,
        value: part,
    })
}

/// `(reads, writes)` of a tool by its name: whether its calls can be the reader or the writer
/// of this rule. Read once per tool and batch.
pub(super) fn role(name: &str) -> (bool, bool) {
    let r = reads(name);
    (r, !r && writes(&ToolPhrase::parse(name)))
}

/// A stale read between `a` and `b`, either way round.
pub(super) fn stale_read(run: &Run, a: &ToolCall, b: &ToolCall) -> Option<StaleRead> {
    stale(run, a, b).or_else(|| stale(run, b, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_readers_and_named_writers() {
        assert!(reads("displayCarStatus") && reads("get_balance") && !reads("lockDoors"));
        assert!(writes(&ToolPhrase::parse("lockDoors")));
        assert!(!writes(&ToolPhrase::parse("displayCarStatus")));
    }
}
