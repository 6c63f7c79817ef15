//! Resource accesses of each tool call, each with its evidence source, confidence and a line
//! for people. Sources, strongest first: declarations on the tool span (see [`explicit`]), the
//! user's catalog, spans the tool made (HTTP, DB, file, MCP), tool definitions (MCP
//! annotations, descriptions), arguments and results ([`values`]), and the tool name's verb.
//!
//! Explicit declarations replace every weaker source for the direction they declare (reads or
//! writes); a catalog entry replaces the heuristics. Pure: no I/O.

pub mod explicit;
pub mod names;
pub mod shell;
pub mod sql;
pub mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use self::names::{entity_resource, ToolPhrase, VerbClass};
use self::values::{arg_facts, result_idents, says_created, transitions, Ident, Transition};
use super::catalog::{expand_template, Catalog};
use super::types::{Access, AccessMode, Confidence, EvidenceSource};
use crate::model::{Run, Span, SpanId, ToolCall, ToolDefinition, Trace};

/// Spans of a trace by id, with their children: built once per analysis.
pub struct SpanIndex<'a> {
    by_id: HashMap<SpanId, &'a Span>,
    children: HashMap<SpanId, Vec<&'a Span>>,
}

impl<'a> SpanIndex<'a> {
    pub fn new(trace: &'a Trace) -> Self {
        let mut by_id = HashMap::with_capacity(trace.spans.len());
        let mut children: HashMap<SpanId, Vec<&'a Span>> = HashMap::new();
        for s in &trace.spans {
            by_id.insert(s.span_id, s);
            if let Some(p) = s.parent_span_id {
                children.entry(p).or_default().push(s);
            }
        }
        Self { by_id, children }
    }

    pub fn span(&self, id: SpanId) -> Option<&'a Span> {
        self.by_id.get(&id).copied()
    }

    /// Descendants of a span, breadth first, at most `limit` of them.
    pub fn descendants(&self, id: SpanId, limit: usize) -> Vec<&'a Span> {
        let mut out = Vec::new();
        let mut queue = std::collections::VecDeque::from([id]);
        let mut seen = BTreeSet::from([id]);
        while let Some(cur) = queue.pop_front() {
            for c in self
                .children
                .get(&cur)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if out.len() >= limit {
                    return out;
                }
                if seen.insert(c.span_id) {
                    out.push(*c);
                    queue.push_back(c.span_id);
                }
            }
        }
        out
    }
}

/// Everything resource inference learned about one call; `accesses` is what [`super::Analysis`]
/// publishes, the rest feeds conflict detection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallResources {
    pub accesses: Vec<Access>,
    /// Resources this call brings into existence (create verb, `created: true`, SQL INSERT).
    pub creates: BTreeSet<String>,
    /// Resources it needs to exist already (a parent row it adds to, an id it references).
    pub requires: BTreeSet<String>,
    pub transitions: Vec<Transition>,
    /// Entity nouns this call exists to look up for others (`get_customer_id` → `customer`).
    pub produces: Vec<String>,
    /// Entities its result names that its arguments did not: taken from somewhere else.
    pub implicit: Vec<Ident>,
    /// Identifiers its arguments name.
    pub given: Vec<Ident>,
    /// Every scalar argument value, normalized (for "the same key was looked up").
    pub arg_values: BTreeSet<String>,
    /// Identifiers its result names.
    pub result_ids: Vec<Ident>,
}

impl CallResources {
    pub fn writes(&self, resource: &str) -> bool {
        self.accesses
            .iter()
            .any(|a| a.resource == resource && a.mode.writes())
    }
}

/// Collects accesses, merging repeated resources (modes joined, strongest evidence first).
#[derive(Default)]
struct Builder {
    map: BTreeMap<String, Access>,
    order: Vec<String>,
}

fn join_modes(a: AccessMode, b: AccessMode) -> AccessMode {
    if a == b {
        a
    } else {
        AccessMode::ReadWrite
    }
}

impl Builder {
    fn add(
        &mut self,
        resource: String,
        mode: AccessMode,
        source: EvidenceSource,
        confidence: Confidence,
        evidence: String,
    ) {
        match self.map.get_mut(&resource) {
            Some(a) => {
                a.mode = join_modes(a.mode, mode);
                if (source, std::cmp::Reverse(confidence))
                    < (a.source, std::cmp::Reverse(a.confidence))
                {
                    a.source = source;
                }
                a.confidence = a.confidence.max(confidence);
                if !a.evidence.contains(&evidence) && a.evidence.len() < 400 {
                    a.evidence = format!("{}; {evidence}", a.evidence);
                }
            }
            None => {
                self.order.push(resource.clone());
                self.map.insert(
                    resource.clone(),
                    Access {
                        resource,
                        mode,
                        source,
                        confidence,
                        evidence,
                    },
                );
            }
        }
    }

    fn finish(mut self) -> Vec<Access> {
        self.order
            .iter()
            .filter_map(|r| self.map.remove(r))
            .collect()
    }
}

fn definition<'r>(run: &'r Run, name: &str) -> Option<&'r ToolDefinition> {
    run.tool_definitions.iter().find(|d| d.name == name)
}

/// The call's operation: what its verb, annotations or description say it does.
struct Operation {
    class: VerbClass,
    confidence: Confidence,
    source: EvidenceSource,
    why: String,
}

fn operation(
    call: &ToolCall,
    phrase: &ToolPhrase,
    def: Option<&ToolDefinition>,
    span_description: Option<&str>,
) -> Operation {
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
    let _ = call;
    Operation {
        class: VerbClass::Read,
        confidence: Confidence::Low,
        source: EvidenceSource::ToolName,
        why: "no known verb: assumed read".into(),
    }
}

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

/// The arguments as an object: a bare scalar (LangChain records single-argument calls as the
/// bare value) is keyed by the only parameter of the tool's schema, else by `input`.
fn arguments_object(call: &ToolCall, def: Option<&ToolDefinition>) -> Option<Value> {
    let args = call.arguments.as_ref()?;
    match args {
        Value::Object(_) => Some(args.clone()),
        Value::String(s) => {
            if let Value::Object(o) = crate::model::span::parse_json_string(s) {
                return Some(Value::Object(o));
            }
            let props = def
                .and_then(|d| d.parameters.as_ref())
                .and_then(|p| p.get("properties"))
                .and_then(Value::as_object);
            let key = match props {
                Some(p) if p.len() == 1 => {
                    p.keys().next().cloned().unwrap_or_else(|| "input".into())
                }
                // No schema: the bare value identifies the tool's own object.
                _ => "id".into(),
            };
            Some(serde_json::json!({ key: s }))
        }
        Value::Number(_) => Some(serde_json::json!({ "input": args })),
        _ => None,
    }
}

/// Infers the accesses of one call.
pub fn infer_call(
    index: &SpanIndex<'_>,
    run: &Run,
    catalog: &Catalog,
    call: &ToolCall,
) -> CallResources {
    let mut out = CallResources::default();
    let span = call.span_id.and_then(|id| index.span(id));
    let def = definition(run, &call.name);
    let phrase = ToolPhrase::parse(&call.name);
    let args = arguments_object(call, def);
    let result = call.result.as_ref().map(|r| match r {
        Value::String(s) => crate::model::span::parse_json_string(s),
        other => other.clone(),
    });
    out.transitions = result.as_ref().map(transitions).unwrap_or_default();

    let declared = span.map(explicit::declared).unwrap_or_default();
    let mut explicit_b = Builder::default();
    for (list, mode) in [
        (&declared.reads, AccessMode::Read),
        (&declared.writes, AccessMode::Write),
        (&declared.read_writes, AccessMode::ReadWrite),
    ] {
        for (r, ev) in list.iter().flatten() {
            explicit_b.add(
                r.clone(),
                mode,
                EvidenceSource::SpanAttribute,
                Confidence::High,
                ev.clone(),
            );
        }
    }
    for (r, mode, ev) in &declared.events {
        explicit_b.add(
            r.clone(),
            *mode,
            EvidenceSource::SpanEvent,
            Confidence::High,
            ev.clone(),
        );
    }

    // Spans the tool made: real accesses, whichever way the name reads.
    let mut children = Vec::new();
    if let Some(id) = call.span_id {
        if let Some(s) = span {
            explicit::child_accesses(s, &mut children);
        }
        for child in index.descendants(id, 256) {
            explicit::child_accesses(child, &mut children);
        }
    }

    let mut heur = Builder::default();
    if let Some(spec) = catalog.tool(&call.name) {
        let mode = spec.mode.unwrap_or(AccessMode::Read);
        let mut add = |templates: &[String],
                       mode: AccessMode,
                       what: &str,
                       creates: bool,
                       out: &mut CallResources| {
            for t in templates {
                if let Some(r) = expand_template(t, args.as_ref()) {
                    if creates {
                        out.creates.insert(r.clone());
                    }
                    heur.add(
                        r,
                        mode,
                        EvidenceSource::Catalog,
                        Confidence::High,
                        format!("catalog: {} {what} {t}", call.name),
                    );
                }
            }
        };
        add(&spec.resources, mode, mode.as_str(), false, &mut out);
        add(&spec.reads, AccessMode::Read, "reads", false, &mut out);
        add(&spec.writes, AccessMode::Write, "writes", false, &mut out);
        add(&spec.creates, AccessMode::Write, "creates", true, &mut out);
    } else {
        let span_desc = span.and_then(|s| s.attr_str("tool.description"));
        let op = operation(call, &phrase, def, span_desc);
        heuristics(
            &phrase,
            &op,
            args.as_ref(),
            result.as_ref(),
            !children.is_empty(),
            &mut heur,
            &mut out,
        );
    }
    for c in children {
        if c.creates {
            out.creates.insert(c.resource.clone());
        }
        heur.add(
            c.resource,
            c.mode,
            EvidenceSource::ChildSpan,
            Confidence::High,
            c.evidence,
        );
    }

    // Explicit declarations win for the direction they declare.
    let (dr, dw) = (declared.declares_reads(), declared.declares_writes());
    let mut merged = explicit_b;
    for a in heur.finish() {
        let mode = match (a.mode.reads() && !dr, a.mode.writes() && !dw) {
            (true, true) => AccessMode::ReadWrite,
            (true, false) => AccessMode::Read,
            (false, true) => AccessMode::Write,
            (false, false) => continue,
        };
        merged.add(a.resource, mode, a.source, a.confidence, a.evidence);
    }
    out.accesses = merged.finish();
    if dw {
        out.creates.retain(|r| {
            out.accesses
                .iter()
                .any(|a| &a.resource == r && a.mode.writes())
        });
    }
    out
}

/// Arguments, results and the verb: the heuristic layer.
fn heuristics(
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
        let mode = if op.class == VerbClass::Read {
            AccessMode::Read
        } else {
            op_mode
        };
        let r = format!("file:{path}");
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
            format!("file:{path}"),
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
                format!("{}/{slot}", entity_resource(&s.noun, &s.id))
            }
            (None, Some(h)) => format!("{h}:*/{slot}"),
            (None, None) => format!("key:{slot}"),
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
            let part = format!("{r}/{}", object.clone().unwrap_or_else(|| "entry".into()));
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
            let part = format!("{r}/{sub}");
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
                    format!("{obj}:*"),
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

#[cfg(test)]
#[path = "resources_tests.rs"]
mod tests;
