//! The heuristic layer of resource inference: what a call's verb, arguments and result say it
//! touched when nothing stronger (span declarations, the catalog, child spans) does. A tool name
//! is read as `verb object [preposition target]`; identifiers in the arguments are matched
//! against the object (the thing written), its modifiers (a parent needed to exist) and the
//! target (a container added to); results that report before and after values prove a
//! read-modify-write, and creation markers prove a create.

use std::collections::BTreeSet;

use serde_json::Value;

use super::names::{self, entity_resource, ToolPhrase, VerbClass};
use super::resource::Resource;
use super::values::{arg_facts, result_idents, says_created};
use super::{Builder, CallResources};
use crate::analysis::types::{AccessMode, Confidence, EvidenceSource};
use crate::model::ToolDefinition;

/// The call's operation: what its verb, annotations or description say it does.
pub(super) struct Operation {
    class: VerbClass,
    confidence: Confidence,
    source: EvidenceSource,
    why: String,
}

pub(super) fn operation(
    phrase: &ToolPhrase,
    def: Option<&ToolDefinition>,
    span_description: Option<&str>,
    args: Option<&Value>,
) -> Operation {
    // Multi-operation tools (`str_replace_editor {command: "view"}`, `{action: "delete"}`) say
    // in an argument what this call does; that beats the name.
    let chosen = args.and_then(Value::as_object).and_then(|m| {
        ["command", "action", "operation", "op", "mode"]
            .iter()
            .find_map(|k| {
                let v = m.get(*k)?.as_str()?.trim();
                let word = names::split_words(v);
                let [w] = word.as_slice() else { return None };
                names::verb_class(w).map(|c| (k.to_owned(), w.clone(), c))
            })
    });
    if let Some((k, w, class)) = chosen {
        return Operation {
            class,
            confidence: Confidence::Medium,
            source: EvidenceSource::Argument,
            why: format!("argument {k}={w:?}"),
        };
    }
    let annotations = def.and_then(|d| d.annotations.as_ref());
    let hint = |k: &str| annotations.and_then(|a| a.get(k)).and_then(Value::as_bool);
    let description = def
        .and_then(|d| d.description.as_deref())
        .or(span_description);
    let desc_verb = description.and_then(|d| {
        names::split_words(d)
            .into_iter()
            .take(3)
            .find_map(|w| names::verb_class(&w).map(|c| (w, c)))
    });
    if hint("readOnlyHint") == Some(true) {
        return Operation {
            class: VerbClass::Read,
            confidence: Confidence::High,
            source: EvidenceSource::ToolDefinition,
            why: "MCP readOnlyHint=true".into(),
        };
    }
    if let (Some(verb), Some(class)) = (&phrase.verb, phrase.class) {
        // A name may open with a noun that is also a verb (`store_price`, `book_list`): when
        // the description's verb says otherwise, the description is the better reading.
        if let Some((w, dc)) = desc_verb.as_ref().filter(|(_, dc)| *dc != class) {
            if NOUN_VERBS.contains(&verb.as_str()) && phrase.object.len() <= 2 {
                return Operation {
                    class: *dc,
                    confidence: Confidence::Low,
                    source: EvidenceSource::ToolDefinition,
                    why: format!("description verb '{w}' ('{verb}' in the name reads as a noun)"),
                };
            }
        }
        let (confidence, why) = match (&desc_verb, hint("destructiveHint")) {
            (_, Some(true)) if class != VerbClass::Read => (
                Confidence::Medium,
                format!("verb '{verb}' and MCP destructiveHint=true"),
            ),
            (Some((_, dc)), _) if *dc == class => (
                Confidence::Medium,
                format!("verb '{verb}' in name and description"),
            ),
            _ => (Confidence::Low, format!("verb '{verb}'")),
        };
        return Operation {
            class,
            confidence,
            source: EvidenceSource::ToolName,
            why,
        };
    }
    if let Some((w, class)) = desc_verb {
        return Operation {
            class,
            confidence: Confidence::Low,
            source: EvidenceSource::ToolDefinition,
            why: format!("description verb '{w}'"),
        };
    }
    if hint("destructiveHint") == Some(true) || hint("readOnlyHint") == Some(false) {
        return Operation {
            class: VerbClass::Write,
            confidence: Confidence::Medium,
            source: EvidenceSource::ToolDefinition,
            why: "MCP annotations: not read-only".into(),
        };
    }
    Operation {
        class: VerbClass::Read,
        confidence: Confidence::Low,
        source: EvidenceSource::ToolName,
        why: "no known verb: assumed read".into(),
    }
}

/// Verbs that are as often nouns at the start of a tool name (`store_price`, `post_count`).
#[rustfmt::skip]
const NOUN_VERBS: &[&str] = &[
    "store", "post", "book", "list", "log", "place", "record", "file", "tag", "label", "mark",
    "link", "schedule", "ship", "process", "set", "check", "email", "lock", "open", "close",
    "top", "find", "stat", "test", "watch", "order", "page", "search", "quote",
];

fn class_mode(c: VerbClass) -> AccessMode {
    match c {
        VerbClass::Read => AccessMode::Read,
        VerbClass::Write | VerbClass::Create => AccessMode::Write,
        VerbClass::ReadModifyWrite => AccessMode::ReadWrite,
    }
}

/// Verbs whose writes add a new message or event rather than change shared state.
fn appends_only(verb: Option<&str>) -> bool {
    matches!(
        verb,
        Some(
            "send"
                | "post"
                | "publish"
                | "notify"
                | "email"
                | "log"
                | "emit"
                | "dispatch"
                | "trigger"
                | "submit"
                | "enqueue"
        )
    )
}

/// Nouns that scope keys (`session_id` + `key` → `session:<id>/<key>`).
fn is_scope_noun(noun: &str) -> bool {
    matches!(
        noun,
        "session"
            | "context"
            | "conversation"
            | "thread"
            | "user"
            | "workspace"
            | "namespace"
            | "store"
            | "cache"
            | "memory"
            | "profile"
            | "agent"
            | "tenant"
            | "project"
            | "bucket"
            | "config"
    )
}

/// Arguments, results and the verb: the heuristic layer.
pub(super) fn heuristics(
    phrase: &ToolPhrase,
    op: &Operation,
    args: Option<&Value>,
    result: Option<&Value>,
    has_child_spans: bool,
    b: &mut Builder,
    out: &mut CallResources,
) {
    let facts = args.map(arg_facts).unwrap_or_default();
    out.given = facts.idents.clone();
    if let Some(Value::Object(map)) = args {
        out.arg_values = map
            .values()
            .filter_map(|v| match v {
                Value::String(s) => names::normalize_id(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect();
    }
    out.result_ids = result.map(result_idents).unwrap_or_default();
    let op_mode = class_mode(op.class);
    let conf = op.confidence;
    let head = phrase.head().map(str::to_owned);
    let object = phrase.object_phrase();

    for (path, key, raw) in &facts.files {
        // What is sent, posted or published from a file is read from it.
        let mode = if op.class == VerbClass::Read || appends_only(phrase.verb.as_deref()) {
            AccessMode::Read
        } else {
            op_mode
        };
        let r = Resource::file(path).to_string();
        if op.class == VerbClass::Create {
            out.creates.insert(r.clone());
        }
        b.add(
            r,
            mode,
            EvidenceSource::Argument,
            conf,
            format!("argument {key}={raw:?}; {}", op.why),
        );
    }
    for (r, key, raw) in &facts.urls {
        let (mode, why) = match facts.method.as_deref() {
            Some("GET" | "HEAD" | "OPTIONS") => (AccessMode::Read, "method GET".to_owned()),
            Some("PATCH") => (AccessMode::ReadWrite, "method PATCH".to_owned()),
            Some(m) => (AccessMode::Write, format!("method {m}")),
            None => (op_mode, op.why.clone()),
        };
        b.add(
            r.clone(),
            mode,
            EvidenceSource::Argument,
            Confidence::Medium.min(conf.max(Confidence::Medium)),
            format!("argument {key}={raw:?}; {why}"),
        );
    }
    for (s, key) in &facts.sql {
        if s.creates {
            out.creates.insert(s.resource.clone());
        }
        b.add(
            s.resource.clone(),
            s.mode,
            EvidenceSource::Argument,
            Confidence::High,
            format!("argument {key}: SQL {} parsed", s.verb),
        );
    }
    for (path, mode, key, cmd) in &facts.shell {
        let shown: String = cmd.chars().take(60).collect();
        b.add(
            Resource::file(path).to_string(),
            *mode,
            EvidenceSource::Argument,
            Confidence::Medium,
            format!("argument {key}: shell command {shown:?}"),
        );
    }

    // Slots inside a scope: `session:<id>/<key>`.
    let mut used_scope = BTreeSet::new();
    for (key, slot, raw) in &facts.slots {
        let scope =
            facts
                .idents
                .iter()
                .find(|i| is_scope_noun(&i.noun))
                .or(if facts.idents.len() == 1 {
                    facts.idents.first()
                } else {
                    None
                });
        let r = match (scope, &head) {
            (Some(s), _) => {
                used_scope.insert(s.key.clone());
                Resource::entity(&s.noun, &s.id).child(slot).to_string()
            }
            // A key inside a file (`set_json_value(path, key)`).
            (None, _) if !facts.files.is_empty() => {
                format!(
                    "file:{}/{slot}",
                    facts
                        .files
                        .first()
                        .map(|f| f.0.as_str())
                        .unwrap_or_default()
                )
            }
            (None, Some(h)) => Resource::collection(h).child(slot).to_string(),
            (None, None) => Resource::entity("key", slot).to_string(),
        };
        b.add(
            r,
            op_mode,
            EvidenceSource::Argument,
            conf,
            format!("argument {key}={raw:?} in its scope; {}", op.why),
        );
    }

    let writes = op.class != VerbClass::Read;
    for id in facts.idents.iter().filter(|i| !used_scope.contains(&i.key)) {
        let noun = if id.noun.is_empty() {
            head.clone().unwrap_or_else(|| "id".into())
        } else {
            id.noun.clone()
        };
        let r = entity_resource(&noun, &id.id);
        let ev = |what: &str| format!("argument {}={:?}; {what}", id.key, id.raw);
        let is_head = head.as_deref() == Some(noun.as_str())
            || object.as_deref() == Some(noun.as_str())
            || id.noun.is_empty();
        let is_target = phrase.target.as_deref() == Some(noun.as_str());
        let modifier_pos = phrase
            .object
            .iter()
            .position(|w| *w == noun)
            .filter(|p| p + 1 < phrase.object.len());
        if is_target && writes {
            // `add_to_session`, `add_item_to_cart`: the container is changed and must exist.
            b.add(
                r.clone(),
                AccessMode::ReadWrite,
                EvidenceSource::Argument,
                conf,
                ev(&format!("{} into its {noun}", op.why)),
            );
            out.requires.insert(r);
        } else if phrase.object.is_empty() && phrase.target.is_some() {
            // What is added to the container is referenced, not created.
            b.add(
                r.clone(),
                AccessMode::Read,
                EvidenceSource::Argument,
                conf,
                ev(&format!(
                    "added to the {}; {}",
                    phrase.target.as_deref().unwrap_or_default(),
                    op.why
                )),
            );
        } else if appends_only(phrase.verb.as_deref()) && !is_head {
            // `send_message(session_id)`: adds a new entry to the session; two sends both land.
            let part = Resource::parse(&r)
                .child(object.as_deref().unwrap_or("entry"))
                .to_string();
            out.creates.insert(part.clone());
            b.add(
                part,
                AccessMode::Write,
                EvidenceSource::Argument,
                conf,
                ev(&format!("{} a new entry", op.why)),
            );
            b.add(
                r.clone(),
                AccessMode::Read,
                EvidenceSource::Argument,
                conf,
                ev(&format!("the {noun} it adds to")),
            );
            out.requires.insert(r);
        } else if phrase.object.is_empty()
            || is_head
            || (writes && facts.idents.len() == 1 && modifier_pos.is_none() && !is_target)
        {
            b.add(
                r.clone(),
                op_mode,
                EvidenceSource::Argument,
                conf,
                ev(&op.why),
            );
            if op.class == VerbClass::Create {
                out.creates.insert(r);
            }
        } else if let (Some(p), true) = (modifier_pos, writes) {
            // `add_order_line(order_id)`: writes a part of the order, needs the order.
            let sub = phrase.object[p + 1..].join("_");
            let part = Resource::parse(&r).child(&sub).to_string();
            if op.class == VerbClass::Create {
                out.creates.insert(part.clone());
            }
            b.add(
                part,
                op_mode,
                EvidenceSource::Argument,
                conf,
                ev(&format!("{} its {sub}", op.why)),
            );
            b.add(
                r.clone(),
                AccessMode::Read,
                EvidenceSource::Argument,
                conf,
                ev(&format!("the {noun} it belongs to")),
            );
            out.requires.insert(r);
        } else {
            b.add(
                r.clone(),
                AccessMode::Read,
                EvidenceSource::Argument,
                conf,
                ev(&format!("referenced; {}", op.why)),
            );
            if writes {
                out.requires.insert(r);
            }
        }
    }

    // Loaders fill the agent's context (`load_user_profile`, `prefetch_orders`): siblings that
    // work on the same entity expect it loaded.
    if matches!(
        phrase.verb.as_deref(),
        Some("load" | "preload" | "prefetch" | "hydrate" | "prime" | "populate" | "warm")
    ) {
        let what = object.clone().unwrap_or_else(|| "context".into());
        for id in &facts.idents {
            let noun = if id.noun.is_empty() {
                head.clone().unwrap_or_else(|| "id".into())
            } else {
                id.noun.clone()
            };
            out.loads.push((
                entity_resource(&noun, &id.id),
                Resource::entity("context", &what).child(&id.id).to_string(),
            ));
        }
    }

    // No identifier at all: a singleton named by the object (`increment_counter`).
    if !has_child_spans
        && facts.shell.is_empty()
        && facts.idents.is_empty()
        && facts.slots.is_empty()
        && facts.files.is_empty()
        && facts.urls.is_empty()
        && facts.sql.is_empty()
    {
        if let Some(obj) = &object {
            let singleton = matches!(op.class, VerbClass::ReadModifyWrite | VerbClass::Write)
                && !appends_only(phrase.verb.as_deref());
            if singleton || op.class == VerbClass::Read {
                b.add(
                    Resource::collection(obj).to_string(),
                    op_mode,
                    op.source,
                    Confidence::Low,
                    format!("{} on '{obj}' (no argument names which)", op.why),
                );
            }
        }
    }

    let Some(result) = result else { return };
    // Results reporting before and after values prove a read-modify-write.
    if !out.transitions.is_empty() {
        let fields = out
            .transitions
            .iter()
            .map(|t| format!("{}: {} -> {}", t.field, t.previous, t.new))
            .collect::<Vec<_>>()
            .join(", ");
        let targets: Vec<String> = b
            .order
            .iter()
            .filter(|r| b.map.get(*r).is_some_and(|a| a.mode.writes()))
            .cloned()
            .collect();
        // A known read verb keeps its reads: a lookup may report history without changing it.
        let targets = if targets.is_empty()
            && (op.class != VerbClass::Read || op.why.starts_with("no known verb"))
        {
            b.order.clone()
        } else {
            targets
        };
        for r in targets {
            b.add(
                r,
                AccessMode::ReadWrite,
                EvidenceSource::Result,
                Confidence::High,
                format!("result reports {fields}"),
            );
        }
    }
    let created = says_created(result);
    let given: BTreeSet<&str> = facts.idents.iter().map(|i| i.id.as_str()).collect();
    for id in result_idents(result) {
        if given.contains(id.id.as_str()) {
            if created {
                let noun = if id.noun.is_empty() {
                    head.clone().unwrap_or_default()
                } else {
                    id.noun.clone()
                };
                let r = entity_resource(&noun, &id.id);
                if b.map.get(&r).is_some_and(|a| a.mode.writes()) {
                    out.creates.insert(r.clone());
                    b.add(
                        r,
                        AccessMode::Write,
                        EvidenceSource::Result,
                        Confidence::High,
                        "result says created".into(),
                    );
                }
            }
            continue;
        }
        if op.class == VerbClass::Create
            && out.requires.is_empty()
            && (head.as_deref() == Some(id.noun.as_str()) || created)
        {
            let r = entity_resource(&id.noun, &id.id);
            out.creates.insert(r.clone());
            b.add(
                r,
                AccessMode::Write,
                EvidenceSource::Result,
                Confidence::Medium,
                format!("result {}={:?} of a create", id.key, id.raw),
            );
        } else if !id.noun.is_empty() && facts.idents.iter().all(|g| g.noun != id.noun) {
            out.implicit.push(id);
        }
    }
    // `get_customer_id`: a lookup whose purpose is an id another call needs.
    if op.class == VerbClass::Read && phrase.names_id {
        if let Some(h) = &head {
            if facts.idents.iter().all(|i| &i.noun != h) {
                out.produces.push(h.clone());
            }
        }
    }
}
