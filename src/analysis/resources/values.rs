//! Facts read from a call's arguments and result JSON: identifiers (`account_id`), slots inside a
//! scope (`{"session_id", "key"}`), file paths, URLs with their method, SQL statements, previous
//! and new values of one field (proof of read-modify-write) and creation markers.

use serde_json::Value;

use super::names::{
    entity_of_key, is_path_key, is_place_like_key, is_slot_key, is_sql_key, is_url_key,
    normalize_id, normalize_path, normalize_url, path_shaped,
};
use super::shell::{is_shell_key, shell_files};
use super::sql::{sql_accesses, SqlAccess};
use crate::analysis::types::AccessMode;

/// An argument that identifies a thing: `account_id="ACC-1001"` → noun `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// Entity noun; empty for a bare `id` key (the tool's own object).
    pub noun: String,
    /// Normalized value.
    pub id: String,
    pub key: String,
    pub raw: String,
}

/// What the arguments name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArgFacts {
    pub idents: Vec<Ident>,
    /// `(key, normalized slot value, raw)`, e.g. `("key", "preferred_currency", ..)`.
    pub slots: Vec<(String, String, String)>,
    /// `(normalized path, key, raw)`.
    pub files: Vec<(String, String, String)>,
    /// `(resource, key, raw)`.
    pub urls: Vec<(String, String, String)>,
    pub sql: Vec<(SqlAccess, String)>,
    /// An HTTP method argument (`method: "POST"`).
    pub method: Option<String>,
    /// Files a shell command plainly reads or writes: `(path, mode, key, command)`.
    pub shell: Vec<(String, AccessMode, String, String)>,
}

const MAX_DEPTH: usize = 4;
const MAX_ITEMS: usize = 64;

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string that is plainly a relative or absolute file path (`docs/a.md`, `/tmp/x.json`).
pub fn looks_like_path(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() || t.len() > 512 || t.contains(char::is_whitespace) || t.contains("://") {
        return false;
    }
    let file = t.rsplit('/').next().unwrap_or(t);
    let has_ext = file.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
            && !ext.chars().all(|c| c.is_ascii_digit())
    });
    (t.contains('/')
        && (has_ext || t.starts_with('/') || t.starts_with("./") || t.starts_with("~/")))
        || (has_ext && t.contains('/'))
}

/// Reads the facts of an arguments object.
pub fn arg_facts(args: &Value) -> ArgFacts {
    let mut f = ArgFacts::default();
    walk_args(args, 0, &mut f);
    f
}

fn walk_args(v: &Value, depth: usize, f: &mut ArgFacts) {
    let Value::Object(map) = v else { return };
    for (key, value) in map.iter().take(MAX_ITEMS) {
        if key.eq_ignore_ascii_case("method") || key.eq_ignore_ascii_case("http_method") {
            if let Some(m) = value.as_str() {
                f.method = Some(m.trim().to_ascii_uppercase());
            }
            continue;
        }
        match value {
            Value::String(s)
                if is_url_key(key) || normalize_url(s).is_some() && !is_sql_key(key) =>
            {
                if let Some(r) = normalize_url(s) {
                    f.urls.push((r, key.clone(), s.clone()));
                }
            }
            Value::String(s)
                if is_path_key(key) && (!is_place_like_key(key) || path_shaped(s))
                    || looks_like_path(s) =>
            {
                if let Some(p) = normalize_path(s) {
                    f.files.push((p, key.clone(), s.clone()));
                }
            }
            Value::String(s)
                if is_sql_key(key)
                    && sql_accesses(s).is_some_and(|found| {
                        f.sql.extend(found.into_iter().map(|a| (a, key.clone())));
                        true
                    }) => {}
            Value::String(s) if is_shell_key(key) && !shell_files(s).is_empty() => {
                for (path, mode) in shell_files(s) {
                    f.shell.push((path, mode, key.clone(), s.clone()));
                }
            }
            Value::String(_) | Value::Number(_) => {
                let text = scalar_text(value).unwrap_or_default();
                if is_slot_key(key) {
                    if let Some(id) = normalize_id(&text) {
                        f.slots.push((key.clone(), id, text));
                    }
                } else if let Some(noun) = entity_of_key(key) {
                    if let Some(id) = normalize_id(&text) {
                        f.idents.push(Ident {
                            noun,
                            id,
                            key: key.clone(),
                            raw: text,
                        });
                    }
                }
            }
            Value::Array(items) => {
                let noun =
                    entity_of_key(key).or_else(|| key.strip_suffix('s').and_then(entity_of_key));
                for item in items.iter().take(MAX_ITEMS) {
                    match (item, &noun) {
                        (Value::Object(_), _) if depth < MAX_DEPTH => walk_args(item, depth + 1, f),
                        (Value::String(s), _) if is_path_key(key) || looks_like_path(s) => {
                            if let Some(p) = normalize_path(s) {
                                f.files.push((p, key.clone(), s.clone()));
                            }
                        }
                        (_, Some(noun)) => {
                            if let Some(id) = scalar_text(item).as_deref().and_then(normalize_id) {
                                f.idents.push(Ident {
                                    noun: noun.clone(),
                                    id,
                                    key: key.clone(),
                                    raw: scalar_text(item).unwrap_or_default(),
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
            Value::Object(_) if depth < MAX_DEPTH => walk_args(value, depth + 1, f),
            _ => {}
        }
    }
}

/// A field reported with its value before and after the call.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub field: String,
    pub previous: Value,
    pub new: Value,
}

const PREV_PREFIXES: &[&str] = &[
    "previous_",
    "prev_",
    "old_",
    "before_",
    "original_",
    "initial_",
    "starting_",
];
const NEW_PREFIXES: &[&str] = &[
    "new_",
    "updated_",
    "current_",
    "after_",
    "final_",
    "resulting_",
    "ending_",
];
const PREV_SUFFIXES: &[&str] = &["_before", "_old", "_previous", "_prev"];
const NEW_SUFFIXES: &[&str] = &["_after", "_new", "_updated", "_now"];

/// Finds previous/new pairs of one field anywhere in a result (`previous_balance` +
/// `new_balance`, `balance_before` + `balance_after`, `{"old": .., "new": ..}`).
pub fn transitions(result: &Value) -> Vec<Transition> {
    let mut out = Vec::new();
    walk_transitions(result, 0, &mut out);
    out
}

fn walk_transitions(v: &Value, depth: usize, out: &mut Vec<Transition>) {
    let Value::Object(map) = v else {
        if let (Value::Array(items), true) = (v, depth < MAX_DEPTH) {
            for i in items.iter().take(MAX_ITEMS) {
                walk_transitions(i, depth + 1, out);
            }
        }
        return;
    };
    let lower: Vec<(String, &Value)> = map.iter().map(|(k, v)| (camel_to_snake(k), v)).collect();
    let find = |name: &str| lower.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    for (k, prev) in &lower {
        let stem = PREV_PREFIXES
            .iter()
            .find_map(|p| k.strip_prefix(p))
            .or_else(|| PREV_SUFFIXES.iter().find_map(|s| k.strip_suffix(s)));
        let Some(stem) = stem else { continue };
        let new = NEW_PREFIXES
            .iter()
            .find_map(|p| find(&format!("{p}{stem}")))
            .or_else(|| {
                NEW_SUFFIXES
                    .iter()
                    .find_map(|s| find(&format!("{stem}{s}")))
            })
            .or_else(|| find(stem));
        if let Some(new) = new {
            if is_scalar(prev) && is_scalar(new) {
                out.push(Transition {
                    field: stem.to_owned(),
                    previous: (*prev).clone(),
                    new: new.clone(),
                });
            }
        }
    }
    for (a, b) in [
        ("old", "new"),
        ("before", "after"),
        ("previous", "current"),
        ("from", "to"),
    ] {
        if let (Some(p), Some(n)) = (find(a), find(b)) {
            if is_scalar(p) && is_scalar(n) && !(a == "from" && p.is_string()) {
                out.push(Transition {
                    field: a.to_owned(),
                    previous: p.clone(),
                    new: n.clone(),
                });
            } else if let (Value::Object(po), Value::Object(no)) = (p, n) {
                for (k, pv) in po {
                    if let Some(nv) = no.get(k) {
                        if is_scalar(pv) && is_scalar(nv) {
                            out.push(Transition {
                                field: k.clone(),
                                previous: pv.clone(),
                                new: nv.clone(),
                            });
                        }
                    }
                }
            }
        }
    }
    if depth < MAX_DEPTH {
        for (_, v) in map.iter().take(MAX_ITEMS) {
            if v.is_object() || v.is_array() {
                walk_transitions(v, depth + 1, out);
            }
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Number(_) | Value::String(_) | Value::Bool(_))
}

fn camel_to_snake(k: &str) -> String {
    super::names::split_words(k).join("_")
}

/// Whether a result says the call created something (`created: true`, `status: "created"`).
pub fn says_created(result: &Value) -> bool {
    let Value::Object(map) = result else {
        return false;
    };
    map.iter().any(|(k, v)| {
        let k = k.to_ascii_lowercase();
        (k == "created" || k == "inserted" || k == "is_new") && v.as_bool() == Some(true)
            || (k == "status" || k == "result")
                && v.as_str().is_some_and(|s| {
                    matches!(
                        s.to_ascii_lowercase().as_str(),
                        "created" | "inserted" | "opened" | "initialized" | "started"
                    )
                })
    })
}

/// Identifiers a result names (top level and one nested object deep, e.g. `order.id`).
pub fn result_idents(result: &Value) -> Vec<Ident> {
    let mut out = Vec::new();
    let Value::Object(map) = result else {
        return out;
    };
    for (k, v) in map.iter().take(MAX_ITEMS) {
        match v {
            Value::Object(inner) => {
                let outer_noun = entity_of_key(k)
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| super::names::singular(&k.to_ascii_lowercase()));
                for (ik, iv) in inner.iter().take(MAX_ITEMS) {
                    if let (Some(noun), Some(text)) = (entity_of_key(ik), scalar_text(iv)) {
                        let noun = if noun.is_empty() {
                            outer_noun.clone()
                        } else {
                            noun
                        };
                        if let Some(id) = normalize_id(&text) {
                            out.push(Ident {
                                noun,
                                id,
                                key: format!("{k}.{ik}"),
                                raw: text,
                            });
                        }
                    }
                }
            }
            _ => {
                if let (Some(noun), Some(text)) = (entity_of_key(k), scalar_text(v)) {
                    if let Some(id) = normalize_id(&text) {
                        out.push(Ident {
                            noun,
                            id,
                            key: k.clone(),
                            raw: text,
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_yield_identifiers_slots_paths_and_sql() {
        let f =
            arg_facts(&json!({"account_id": "ACC-1001", "amount": 10, "memo": "refund R-2231"}));
        assert_eq!(f.idents.len(), 1);
        assert_eq!(
            (f.idents[0].noun.as_str(), f.idents[0].id.as_str()),
            ("account", "acc-1001")
        );
        let f =
            arg_facts(&json!({"session_id": "s1", "key": "preferred_currency", "value": "EUR"}));
        assert_eq!(f.slots[0].1, "preferred_currency");
        let f = arg_facts(&json!({"path": "./docs/../docs/Policy.md"}));
        assert_eq!(f.files[0].0, "docs/policy.md");
        let f = arg_facts(&json!({"sql": "UPDATE accounts SET b = b + 1 WHERE id = 'A1'"}));
        assert_eq!(f.sql[0].0.resource, "account:a1");
        let f = arg_facts(&json!({"url": "https://x.io/items/7", "method": "post"}));
        assert_eq!(
            (f.urls[0].0.as_str(), f.method.as_deref()),
            ("url:x.io/items/7", Some("POST"))
        );
        let f = arg_facts(&json!({"order_ids": ["O1", "O2"]}));
        assert_eq!(f.idents.len(), 2);
    }

    #[test]
    fn results_prove_read_modify_write() {
        let t =
            transitions(&json!({"account_id": "A", "previous_balance": 100, "new_balance": 110}));
        assert_eq!(
            t,
            vec![Transition {
                field: "balance".into(),
                previous: json!(100),
                new: json!(110)
            }]
        );
        let t = transitions(&json!({"before": {"qty": 3}, "after": {"qty": 1}}));
        assert_eq!(t[0].field, "qty");
        let t = transitions(&json!({"stockBefore": 3, "stockAfter": 1}));
        assert_eq!(t[0].field, "stock");
        assert!(transitions(&json!({"balance": 100})).is_empty());
        assert!(says_created(&json!({"created": true})));
        let ids = result_idents(&json!({"order": {"id": "ORD-1"}, "session_id": "S"}));
        assert_eq!(
            ids.iter()
                .map(|i| (i.noun.as_str(), i.id.as_str()))
                .collect::<Vec<_>>(),
            [("order", "ord-1"), ("session", "s")]
        );
    }
}
