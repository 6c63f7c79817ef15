//! Which pairs of siblings are worth comparing. Small batches compare every pair; a large batch
//! (hundreds or thousands of calls) compares only calls that meet on a resource or a value, so
//! its analysis stays near-linear in its calls and accesses.
//!
//! Every access is filed under its resource and, as "inside", under each enclosing resource
//! (`file:/a/b` under `file:/a`, `account:acc-1` under `account:*`). A resource some call
//! touches directly is compared: its first writer and first creator against every other call
//! there, and each call against the next one there. Findings are grouped per resource afterwards, so the group lists every call even
//! though not every pair of them was compared.

use std::collections::{BTreeSet, HashMap};

use super::super::resources::resource::{Key, Resource};
use super::super::resources::CallResources;
use crate::model::ToolCall;

/// Up to this many calls a batch compares every pair (the rules about names, sessions and
/// object states look at pairs that share no resource).
pub const ALL_PAIRS_UP_TO: usize = 48;

#[derive(Default)]
struct Bucket {
    /// Members touching this resource itself, with whether they write it.
    direct: Vec<(usize, bool)>,
    /// Members touching something inside it.
    inside: Vec<usize>,
}

/// Pairs `(x, y)`, `x < y`, of positions in `members` to compare.
pub fn pairs(
    members: &[&ToolCall],
    calls: &[CallResources],
    through_values: impl IntoIterator<Item = (usize, usize)>,
    all_pairs_up_to: usize,
) -> Vec<(usize, usize)> {
    let n = members.len();
    if n <= all_pairs_up_to {
        return (0..n)
            .flat_map(|x| (x + 1..n).map(move |y| (x, y)))
            .collect();
    }
    let mut buckets: HashMap<String, Bucket> = HashMap::new();
    for (m, call) in members.iter().enumerate() {
        let Some(res) = calls.get(call.index) else {
            continue;
        };
        let touched = res
            .accesses
            .iter()
            .map(|a| (a.resource.as_str(), a.mode.writes()))
            .chain(res.creates.iter().map(|c| (c.as_str(), true)));
        for (name, writes) in touched {
            let r = Resource::parse(name);
            buckets
                .entry(r.to_string())
                .or_default()
                .direct
                .push((m, writes));
            for outer in enclosing(&r) {
                buckets.entry(outer).or_default().inside.push(m);
            }
        }
    }
    let mut out: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut add = |a: usize, b: usize| {
        if a != b {
            out.insert((a.min(b), a.max(b)));
        }
    };
    for bucket in buckets.values() {
        let Some(&(first, _)) = bucket.direct.first() else {
            continue;
        };
        // The first writer and the first creator meet every call there; neighbours meet each
        // other, so pairs of two users of one resource (two writers, a writer and a reader)
        // are compared too. Each call takes part in a bounded number of pairs.
        let writer = bucket
            .direct
            .iter()
            .find(|(_, w)| *w)
            .map_or(first, |&(m, _)| m);
        let creator = bucket
            .direct
            .iter()
            .map(|&(m, _)| m)
            .find(|&m| creates(members[m], calls));
        for rep in std::iter::once(writer).chain(creator) {
            for &(m, _) in &bucket.direct {
                add(rep, m);
            }
            for &m in &bucket.inside {
                add(rep, m);
            }
        }
        for w in bucket.direct.windows(2) {
            add(w[0].0, w[1].0);
        }
    }
    for (x, y) in through_values {
        add(x, y);
    }
    out.into_iter().collect()
}

fn creates(call: &ToolCall, calls: &[CallResources]) -> bool {
    calls.get(call.index).is_some_and(|r| !r.creates.is_empty())
}

/// The names of every resource enclosing `r`, innermost first, ending with its collection.
fn enclosing(r: &Resource) -> Vec<String> {
    let mut out = Vec::with_capacity(r.parts.len() + 1);
    for k in (0..r.parts.len()).rev() {
        out.push(
            Resource {
                kind: r.kind.clone(),
                key: r.key.clone(),
                parts: r.parts[..k].to_vec(),
            }
            .to_string(),
        );
    }
    if r.key != Key::All {
        out.push(
            Resource {
                kind: r.kind.clone(),
                key: Key::All,
                parts: Vec::new(),
            }
            .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_is_enclosed_by_its_folders_and_its_collection() {
        assert_eq!(
            enclosing(&Resource::parse("file:/a/b/c")),
            vec!["file:/a/b", "file:/a", "file:", "file:*"]
        );
        assert_eq!(
            enclosing(&Resource::parse("account:acc-1")),
            vec!["account:*"]
        );
        assert!(enclosing(&Resource::parse("account:*")).is_empty());
    }
}
