//! Resource accesses of each tool call, each with its evidence source, confidence and a line
//! for people. Sources, strongest first: declarations on the tool span (see [`explicit`]), the
//! user's catalog, spans the tool made (HTTP, DB, file, MCP), tool definitions (MCP
//! annotations, descriptions), arguments and results ([`values`]), and the tool name's verb.
//!
//! Explicit declarations replace every weaker source for the direction they declare (reads or
//! writes); a catalog entry replaces the heuristics. Pure: no I/O.

pub mod coding_tools;
pub mod explicit;
pub mod file_verbs;
mod heuristics;
pub mod names;
pub mod resource;
pub mod shell;
pub mod sql;
pub mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use self::names::ToolPhrase;
use self::values::{transitions, Ident, Transition};
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
    /// `(entity, context slot)` this call loads into the agent's context for others to use
    /// (`load_user_profile(user_id)` → `user:u_7`, `context:user_profile/u_7`).
    pub loads: Vec<(String, String)>,
}

impl CallResources {}

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
    }
    let spec = catalog.tool(&call.name);
    // What the trace shows, unless the catalog entry replaces it.
    let mut inferred = Builder::default();
    if spec.is_some_and(|s| s.replace) {
        // The entry says everything the tool touches.
    } else if let Some(found) = coding_tools::applies(span)
        .then(|| {
            let cwd = span.and_then(|s| s.attr_str("fanout.tool.cwd"));
            coding_tools::infer(&call.name, args.as_ref(), cwd)
        })
        .flatten()
    {
        for a in found.accesses {
            inferred.add(
                a.resource,
                a.mode,
                EvidenceSource::Argument,
                a.confidence,
                a.evidence,
            );
        }
        out.creates.extend(found.creates);
    } else if let Some(found) = file_verbs::accesses(&call.name, args.as_ref()) {
        // A tool shaped like a shell verb (`mkdir`, `mv`, `cd`): its paths and the working
        // directory, read from its shape rather than guessed from words.
        for a in found {
            let r = a.resource.to_string();
            if a.creates {
                out.creates.insert(r.clone());
            }
            if a.requires {
                out.requires.insert(r.clone());
            }
            let source = if a.resource.kind == "file" && !a.resource.is_collection() {
                EvidenceSource::Argument
            } else {
                EvidenceSource::ToolName
            };
            inferred.add(r, a.mode, source, Confidence::Medium, a.evidence);
        }
    } else {
        let span_desc = span.and_then(|s| s.attr_str("tool.description"));
        let op = heuristics::operation(&phrase, def, span_desc, args.as_ref());
        heuristics::heuristics(
            &phrase,
            &op,
            args.as_ref(),
            result.as_ref(),
            !children.is_empty(),
            &mut inferred,
            &mut out,
        );
    }
    // An entry naming a mode but no resource sets the mode of what was inferred.
    let mode_for_inferred = spec.and_then(|s| s.mode_for_inferred());
    for mut a in inferred.finish() {
        if let Some(m) = mode_for_inferred {
            a.mode = m;
            a.evidence = format!("{}; catalog: {} {}", a.evidence, call.name, m.as_str());
        }
        heur.add(a.resource, a.mode, a.source, a.confidence, a.evidence);
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
#[cfg(test)]
#[path = "resources_tests.rs"]
mod tests;
