//! Accesses recorded on spans: declarations on the tool span itself and the HTTP, database,
//! file, object-storage and MCP spans the tool made (its descendants).
//!
//! Declarations read (any prefix, e.g. `fanout.`, `app.`, `app.tool.`):
//! - string-array attributes `*.resource.reads`, `*.resource.writes`, `*.resource.read_writes`
//!   (singular `*.resource.read` / `.write` / `.read_write` too); a JSON array held in a string
//!   is accepted, and an empty array is a real "none" declaration;
//! - span events named `*.resource.read` / `*.resource.write` / `*.resource.read_write` with a
//!   `*.resource.uri` attribute.

use crate::model::{AnyValue, Span};

use super::names::{normalize_path, normalize_url};
use super::resource::Resource;
use super::sql::sql_accesses;
use crate::analysis::types::AccessMode;

/// What the tool span declares. `None` means "not declared" (heuristics may speak), while
/// `Some(vec![])` means "declared: nothing".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declared {
    pub reads: Option<Vec<(String, String)>>,
    pub writes: Option<Vec<(String, String)>>,
    pub read_writes: Option<Vec<(String, String)>>,
    /// `(resource, mode, evidence)` from access events.
    pub events: Vec<(String, AccessMode, String)>,
}

impl Declared {
    pub fn declares_reads(&self) -> bool {
        self.reads.is_some()
            || self.read_writes.is_some()
            || self.events.iter().any(|e| e.1.reads())
    }

    pub fn declares_writes(&self) -> bool {
        self.writes.is_some()
            || self.read_writes.is_some()
            || self.events.iter().any(|e| e.1.writes())
    }
}

/// A resource URI as recorded by an application, normalized like heuristic names.
pub fn normalize_uri(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 2048 {
        return None;
    }
    if let Some(u) = normalize_url(s) {
        return Some(u);
    }
    if let Some(rest) = s
        .strip_prefix("file://")
        .or_else(|| s.strip_prefix("file:"))
    {
        return normalize_path(rest).map(|p| Resource::file(&p).to_string());
    }
    Some(s.to_lowercase())
}

fn strings_of(v: &AnyValue) -> Vec<String> {
    match v {
        AnyValue::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        AnyValue::String(s) => match serde_json::from_str::<Vec<String>>(s) {
            Ok(list) => list,
            Err(_) if s.trim().is_empty() => Vec::new(),
            Err(_) => vec![s.clone()],
        },
        _ => Vec::new(),
    }
}

/// Reads the declarations on a tool span.
pub fn declared(span: &Span) -> Declared {
    let mut d = Declared::default();
    for kv in &span.attributes {
        let key = kv.key.to_ascii_lowercase();
        let slot = if key.ends_with("resource.reads") || key.ends_with("resource.read") {
            &mut d.reads
        } else if key.ends_with("resource.writes") || key.ends_with("resource.write") {
            &mut d.writes
        } else if key.ends_with("resource.read_writes")
            || key.ends_with("resource.read_write")
            || key.ends_with("resource.readwrites")
        {
            &mut d.read_writes
        } else {
            continue;
        };
        let list = slot.get_or_insert_with(Vec::new);
        for r in strings_of(&kv.value) {
            if let Some(n) = normalize_uri(&r) {
                list.push((n, format!("span attribute {}={r}", kv.key)));
            }
        }
    }
    for ev in &span.events {
        let name = ev.name.to_ascii_lowercase();
        let mode = if name.ends_with("resource.read_write") {
            AccessMode::ReadWrite
        } else if name.ends_with("resource.read") {
            AccessMode::Read
        } else if name.ends_with("resource.write") {
            AccessMode::Write
        } else {
            continue;
        };
        let uri = ev
            .attributes
            .iter()
            .find(|kv| {
                let k = kv.key.to_ascii_lowercase();
                k.ends_with("resource.uri") || k == "uri" || k == "resource"
            })
            .and_then(|kv| kv.value.as_str());
        if let Some(n) = uri.and_then(normalize_uri) {
            d.events.push((
                n,
                mode,
                format!("span event {} {}", ev.name, uri.unwrap_or_default()),
            ));
        }
    }
    d
}

/// One access seen on a descendant span of the tool.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildAccess {
    pub resource: String,
    pub mode: AccessMode,
    pub creates: bool,
    pub evidence: String,
}

/// Accesses recorded by a span the tool made (or by the tool span itself, for MCP).
pub fn child_accesses(span: &Span, out: &mut Vec<ChildAccess>) {
    let a = |k: &str| span.attr_str(k);
    let mut push = |resource: String, mode: AccessMode, creates: bool, evidence: String| {
        out.push(ChildAccess {
            resource,
            mode,
            creates,
            evidence,
        });
    };
    if let Some(url) = a("url.full").or_else(|| a("http.url")) {
        if let Some(r) = normalize_url(url) {
            let method = a("http.request.method")
                .or_else(|| a("http.method"))
                .unwrap_or("GET")
                .to_ascii_uppercase();
            let mode = match method.as_str() {
                "GET" | "HEAD" | "OPTIONS" | "TRACE" => AccessMode::Read,
                "PATCH" => AccessMode::ReadWrite,
                _ => AccessMode::Write,
            };
            push(
                r,
                mode,
                method == "POST",
                format!("child span '{}' {method} {url}", span.name),
            );
        }
    }
    if let Some(sql) = a("db.query.text").or_else(|| a("db.statement")) {
        for s in sql_accesses(sql).unwrap_or_default() {
            let ev = format!("child span '{}' SQL {} ({})", span.name, s.verb, s.resource);
            push(s.resource, s.mode, s.creates, ev);
        }
    } else if let Some(coll) = a("db.collection.name")
        .or_else(|| a("db.sql.table"))
        .or_else(|| a("db.mongodb.collection"))
    {
        let op = a("db.operation.name")
            .or_else(|| a("db.operation"))
            .unwrap_or("")
            .to_ascii_lowercase();
        let mode = if [
            "select",
            "find",
            "get",
            "query",
            "scan",
            "count",
            "aggregate",
            "read",
        ]
        .iter()
        .any(|w| op.starts_with(w))
            || op.is_empty()
        {
            AccessMode::Read
        } else {
            AccessMode::Write
        };
        push(
            format!("{}:*", super::names::singular(&coll.to_ascii_lowercase())),
            mode,
            false,
            format!("child span '{}' {op} on {coll}", span.name),
        );
    }
    if let Some(path) = a("file.path") {
        if let Some(p) = normalize_path(path) {
            let n = span.name.to_ascii_lowercase();
            let mode = if [
                "write", "save", "create", "append", "delete", "remove", "rename", "put",
            ]
            .iter()
            .any(|w| n.contains(w))
            {
                AccessMode::Write
            } else {
                AccessMode::Read
            };
            push(
                Resource::file(&p).to_string(),
                mode,
                false,
                format!("child span '{}' file.path={path}", span.name),
            );
        }
    }
    if let Some(uri) = a("mcp.resource.uri") {
        if let Some(r) = normalize_uri(uri) {
            push(
                r,
                AccessMode::Read,
                false,
                format!("span '{}' mcp.resource.uri={uri}", span.name),
            );
        }
    }
    if let (Some(bucket), Some(key)) = (a("aws.s3.bucket"), a("aws.s3.key")) {
        let method = a("rpc.method").unwrap_or("").to_ascii_lowercase();
        let mode = if method.starts_with("get")
            || method.starts_with("head")
            || method.starts_with("list")
        {
            AccessMode::Read
        } else {
            AccessMode::Write
        };
        push(
            format!("s3:{}/{}", bucket.to_lowercase(), key.to_lowercase()),
            mode,
            false,
            format!("child span '{}' s3 {method}", span.name),
        );
    }
    if let Some(dest) = a("messaging.destination.name") {
        push(
            format!("queue:{}", dest.to_lowercase()),
            AccessMode::Write,
            false,
            format!("child span '{}' publishes to {dest}", span.name),
        );
    }
}
