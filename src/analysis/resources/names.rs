//! Words and names: splitting tool names into a verb and an object phrase, classifying verbs,
//! turning argument keys into entity nouns, and normalizing resource names (ids, file paths,
//! URLs) so that two siblings meaning the same row, file or key compare equal.
//!
//! Resource names follow one grammar: `<namespace>:<key>[/<sub>...]`, lowercased, where `*` as
//! the key means the whole collection (`account:*`). [`overlaps`] decides whether two names can
//! denote the same state (equal, one nested in the other, or a collection and one of its rows).

use super::resource::Resource;

/// What a verb says a tool does to the thing it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerbClass {
    Read,
    /// Blind write: sets, deletes or sends without reading first.
    Write,
    /// Brings a new record, session or lock into existence.
    Create,
    /// Update in place: reads the prior state and writes a new one.
    ReadModifyWrite,
}

#[rustfmt::skip]
const READ_VERBS: &[&str] = &[
    "get", "read", "list", "search", "fetch", "find", "lookup", "look", "query", "show", "view",
    "describe", "check", "count", "retrieve", "inspect", "select", "browse", "scan", "peek",
    "quote", "calculate", "compute", "estimate", "summarize", "summarise", "validate", "verify",
    "preview", "stat", "cat", "grep", "ls", "resolve", "explain", "return", "lookups", "load",
    "download", "export", "analyze", "analyse", "compare", "test", "ping", "poll", "watch", "wait",
    "recommend", "rank", "score", "evaluate", "diff", "head", "tail", "has", "is", "exists",
    "display",
];
#[rustfmt::skip]
const WRITE_VERBS: &[&str] = &[
    "set", "put", "write", "save", "store", "delete", "remove", "drop", "clear", "reset", "send",
    "post", "publish", "notify", "email", "upload", "assign", "replace", "overwrite", "cancel",
    "close", "archive", "log", "enqueue", "schedule", "mark", "rename", "move", "unlink", "rm",
    "release", "unlock", "revoke", "disable", "enable", "configure", "submit", "dispatch",
    "trigger", "emit", "destroy", "purge", "truncate", "tag", "unsubscribe", "grant", "deny",
    "detach", "unassign", "execute", "perform", "process", "label", "switch",
];
#[rustfmt::skip]
const CREATE_VERBS: &[&str] = &[
    "create", "add", "insert", "new", "register", "init", "initialize", "initialise", "start",
    "begin", "make", "acquire", "lock", "book", "reserve", "provision", "spawn", "allocate", "open",
    "mkdir", "touch", "clone", "fork", "establish", "setup", "place", "subscribe", "invite",
    "attach", "link",
];
#[rustfmt::skip]
const RMW_VERBS: &[&str] = &[
    "update", "modify", "edit", "patch", "increment", "decrement", "incr", "decr", "deposit",
    "withdraw", "credit", "debit", "transfer", "charge", "refund", "append", "apply", "adjust",
    "toggle", "upsert", "merge", "bump", "redeem", "consume", "accumulate", "rotate", "extend",
    "renew", "top", "topup", "pay", "sync", "restock", "ship", "fulfill", "fulfil", "approve",
    "reject", "complete", "finalize", "confirm", "fill",
];

/// Classifies one lowercase word as a verb, if it is one fanout knows.
pub fn verb_class(word: &str) -> Option<VerbClass> {
    let w = word.trim().to_ascii_lowercase();
    let w = w.as_str();
    if CREATE_VERBS.contains(&w) {
        Some(VerbClass::Create)
    } else if RMW_VERBS.contains(&w) {
        Some(VerbClass::ReadModifyWrite)
    } else if WRITE_VERBS.contains(&w) {
        Some(VerbClass::Write)
    } else if READ_VERBS.contains(&w) {
        Some(VerbClass::Read)
    } else {
        None
    }
}

/// Splits an identifier (`getCustomerId`, `add_order_line`, `fs.read-file`) into lowercase words.
pub fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower && !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            cur.extend(c.to_lowercase());
        } else {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[rustfmt::skip]
const PREPOSITIONS: &[&str] = &[
    "to", "from", "in", "into", "on", "for", "of", "by", "with", "at", "onto",
];

/// A tool name read as `verb object [preposition target]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolPhrase {
    pub verb: Option<String>,
    pub class: Option<VerbClass>,
    /// Object words, singular, e.g. `["order", "line"]`; the last one is the head noun.
    pub object: Vec<String>,
    /// Noun after a preposition (`add_item_to_session` → `session`).
    pub target: Option<String>,
    /// The name ends in `id` (`get_customer_id`): the call exists to produce an identifier.
    pub names_id: bool,
}

impl ToolPhrase {
    pub fn parse(name: &str) -> Self {
        // MCP-style names carry a server prefix (`fs.read_file`, `github__create_issue`): the
        // verb is the first known verb word.
        let words = split_words(name);
        // A verb word that ends a longer name after other words is its head noun
        // (`grocery_store`, `error_log`, `price_list`), unless a namespace separator sets it off
        // (`fs.store`); in the middle it follows a prefix (`github_create_issue`).
        let set_off = |p: usize| {
            let last = name.rfind(['.', '/', ':']).map(|i| &name[i + 1..]);
            let last = last.or_else(|| name.rfind("__").map(|i| &name[i + 2..]));
            last.is_some_and(|seg| split_words(seg).first() == words.get(p))
        };
        let verb_pos = words
            .iter()
            .position(|w| verb_class(w).is_some())
            .filter(|&p| p == 0 || p + 1 < words.len() || set_off(p));
        let (verb, class, rest) = match verb_pos {
            Some(p) => (
                words.get(p).cloned(),
                words.get(p).and_then(|w| verb_class(w)),
                &words[p + 1..],
            ),
            None => (None, None, &words[..]),
        };
        let mut object = Vec::new();
        let mut target = None;
        let mut names_id = false;
        let mut iter = rest.iter();
        for w in iter.by_ref() {
            if PREPOSITIONS.contains(&w.as_str()) {
                break;
            }
            if w == "id" || w == "ids" {
                names_id = true;
                continue;
            }
            object.push(singular(w));
        }
        let tail: Vec<String> = iter
            .filter(|w| !PREPOSITIONS.contains(&w.as_str()))
            .map(|w| singular(w))
            .collect();
        if let Some(last) = tail.last() {
            target = Some(last.clone());
        }
        if verb.is_none() && object.is_empty() {
            object = words.iter().map(|w| singular(w)).collect();
        }
        Self {
            verb,
            class,
            object,
            target,
            names_id,
        }
    }

    /// The head noun of the object phrase (`order_line` → `line`).
    pub fn head(&self) -> Option<&str> {
        self.object.last().map(String::as_str)
    }

    /// The object phrase joined with `_` (`order_line`).
    pub fn object_phrase(&self) -> Option<String> {
        (!self.object.is_empty()).then(|| self.object.join("_"))
    }
}

/// A naive English singular: `orders` → `order`, `entries` → `entry`, `addresses` → `address`.
pub fn singular(word: &str) -> String {
    let w = word.to_ascii_lowercase();
    if w.len() <= 3 || w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        return w;
    }
    if let Some(stem) = w.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "ches", "shes"] {
        if w.ends_with(suffix) {
            return w[..w.len() - 2].to_owned();
        }
    }
    w.strip_suffix('s').map_or(w.clone(), str::to_owned)
}

/// Entity nouns that name a thing on their own as argument keys (`{"account": "A-1"}`).
#[rustfmt::skip]
const ENTITY_NOUNS: &[&str] = &[
    "account", "customer", "order", "user", "session", "sku", "product", "item", "ticket",
    "invoice", "cart", "document", "doc", "project", "repo", "repository", "issue", "record", "row",
    "entity", "profile", "booking", "reservation", "payment", "subscription", "lock", "job", "task",
    "thread", "channel", "conversation", "workspace", "bucket", "branch", "table", "collection",
    "index", "queue", "topic", "namespace", "tenant", "org", "organization", "team", "member",
    "employee", "patient", "shipment", "warehouse", "store", "database", "db", "schema", "page",
    "note", "calendar", "event", "contact", "lead", "deal", "case", "device", "host", "server",
    "service", "container", "cluster", "context", "memory", "state", "variable", "setting",
    "preference", "config", "cache",
];

/// Prefixes that name a role rather than the entity (`from_account`, `target_user_id`).
#[rustfmt::skip]
const ROLE_PREFIXES: &[&str] = &[
    "from", "to", "source", "src", "target", "dst", "dest", "destination", "parent", "new", "old",
    "current", "primary",
];

/// The entity noun an argument key names, if the key identifies a thing: `account_id` →
/// `account`, `customerId` → `customer`, `order` → `order`, `id` → `""` (the tool's own object).
pub fn entity_of_key(key: &str) -> Option<String> {
    // Keys repeat across calls (same tools, same argument names): remember answers. The memo is
    // a pure function's cache, bounded, so results never depend on what ran before.
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<String, Option<String>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    MEMO.with(|memo| {
        if let Some(hit) = memo.borrow().get(key) {
            return hit.clone();
        }
        let answer = entity_of_key_uncached(key);
        let mut memo = memo.borrow_mut();
        if memo.len() >= 4096 {
            memo.clear();
        }
        memo.insert(key.to_owned(), answer.clone());
        answer
    })
}

fn entity_of_key_uncached(key: &str) -> Option<String> {
    let words = split_words(key);
    let last = words.last()?.as_str();
    let (mut noun_words, is_id): (Vec<&str>, bool) = match last {
        "id" | "ids" | "uuid" | "guid" | "ref" | "number" | "no" | "num" | "slug" | "handle" => (
            words[..words.len() - 1]
                .iter()
                .map(String::as_str)
                .collect(),
            true,
        ),
        _ => (words.iter().map(String::as_str).collect(), false),
    };
    while noun_words.len() > 1
        && noun_words
            .first()
            .is_some_and(|w| ROLE_PREFIXES.contains(w))
    {
        noun_words.remove(0);
    }
    if noun_words.is_empty() {
        return is_id.then(String::new);
    }
    let noun = noun_words
        .iter()
        .map(|w| singular(w))
        .collect::<Vec<_>>()
        .join("_");
    let head = singular(noun_words.last().copied().unwrap_or_default());
    if is_id || ENTITY_NOUNS.contains(&head.as_str()) {
        Some(noun)
    } else {
        None
    }
}

/// Keys whose value is a file or directory path.
pub fn is_path_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    matches!(
        k.as_str(),
        "path"
            | "file"
            | "filename"
            | "file_name"
            | "filepath"
            | "file_path"
            | "dir"
            | "directory"
            | "folder"
            | "src"
            | "dst"
            | "source_path"
            | "target_path"
            | "destination"
            | "cwd"
    ) || k.ends_with("_path")
        || k.ends_with("path") && k.len() > 4 && !k.ends_with("xpath")
        || k.ends_with("_file")
        || k.ends_with("_dir")
        || k.ends_with("_filename")
}

/// Path keys that may as well name a place (`destination="sea"`, `src="web"`): their value is a
/// path only when it is shaped like one.
pub fn is_place_like_key(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "destination" | "src" | "dst" | "source" | "target" | "location" | "origin"
    )
}

/// A value shaped like a path: a folder separator, a leading `.` or `~`, or a file extension.
pub fn path_shaped(value: &str) -> bool {
    let v = value.trim();
    let last = v.rsplit(['/', '\\']).next().unwrap_or(v);
    !v.contains(char::is_whitespace)
        && (v.contains(['/', '\\'])
            || v.starts_with(['.', '~'])
            || last.rsplit_once('.').is_some_and(|(stem, ext)| {
                !stem.is_empty()
                    && (1..=5).contains(&ext.len())
                    && ext.chars().all(|c| c.is_ascii_alphanumeric())
                    && !ext.chars().all(|c| c.is_ascii_digit())
            }))
}

/// Keys whose value is a URL.
pub fn is_url_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    matches!(
        k.as_str(),
        "url" | "uri" | "href" | "endpoint" | "link" | "webhook"
    ) || k.ends_with("_url")
        || k.ends_with("_uri")
}

/// Keys whose value may be SQL.
pub fn is_sql_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    matches!(
        k.as_str(),
        "sql" | "query" | "statement" | "stmt" | "sql_query" | "command" | "q"
    ) || k.ends_with("_sql")
}

/// Keys naming one key inside a scope (`{"session_id": "s", "key": "currency"}`).
pub fn is_slot_key(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "key"
            | "field"
            | "name"
            | "setting"
            | "property"
            | "attribute"
            | "variable"
            | "var"
            | "slot"
            | "pref"
            | "preference"
            | "option"
            | "param"
    )
}

/// Normalizes an identifier value: trimmed, lowercased, inner whitespace collapsed. `None` for
/// values that cannot be an identifier (empty, long prose).
pub fn normalize_id(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.len() > 200 || v.split_whitespace().count() > 4 {
        return None;
    }
    Some(
        v.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    )
}

/// Normalizes a file path: `file://` and `./` dropped, `\` → `/`, `.` and `..` resolved,
/// duplicate and trailing slashes removed, lowercased.
pub fn normalize_path(path: &str) -> Option<String> {
    let p = path.trim();
    let p = p.strip_prefix("file://").unwrap_or(p);
    if p.is_empty() || p.len() > 1024 || p.contains('\n') {
        return None;
    }
    let p = p.replace('\\', "/");
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    let out = if absolute {
        format!("/{joined}")
    } else {
        joined
    };
    (!out.is_empty()).then(|| out.to_lowercase())
}

/// Normalizes a URL to `url:<host><path>`: scheme, default port, query and fragment dropped,
/// host lowercased, trailing slash removed. `None` when it is not an absolute http(s)/ws URL.
pub fn normalize_url(url: &str) -> Option<String> {
    let u = url.trim();
    let (scheme, rest) = u.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss") {
        return None;
    }
    let rest = rest.split(['#', '?']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .to_ascii_lowercase();
    let host = host
        .strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
        .unwrap_or(&host)
        .to_owned();
    if host.is_empty() {
        return None;
    }
    let path = path.trim_end_matches('/');
    Some(format!("url:{host}{path}"))
}

/// Builds `<noun>:<id>` for an entity row (the display form of [`Resource::entity`]).
pub fn entity_resource(noun: &str, id: &str) -> String {
    Resource::entity(noun, id).to_string()
}

/// Whether two resource names may denote the same state (see [`Resource::overlaps`]).
pub fn overlaps(a: &str, b: &str) -> bool {
    a == b || Resource::parse(a).overlaps(&Resource::parse(b))
}

/// The more specific of two overlapping names (the one nested deeper).
pub fn more_specific<'a>(a: &'a str, b: &'a str) -> &'a str {
    let (ra, rb) = (Resource::parse(a), Resource::parse(b));
    if std::ptr::eq(ra.more_specific(&rb), &rb) && ra != rb {
        b
    } else {
        a
    }
}

/// Namespaces holding agent context rather than business data.
pub fn is_context_namespace(resource: &str) -> bool {
    Resource::parse(resource).is_context()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_split_into_verb_object_and_target() {
        let p = ToolPhrase::parse("add_order_line");
        assert_eq!(
            (p.class, p.object.clone(), p.head()),
            (
                Some(VerbClass::Create),
                vec!["order".to_owned(), "line".to_owned()],
                Some("line")
            )
        );
        let p = ToolPhrase::parse("addItemToSession");
        assert_eq!(
            (p.object.clone(), p.target.clone()),
            (vec!["item".to_owned()], Some("session".to_owned()))
        );
        assert_eq!(ToolPhrase::parse("get_recent_orders").head(), Some("order"));
        assert_eq!(
            ToolPhrase::parse("deposit").class,
            Some(VerbClass::ReadModifyWrite)
        );
        assert_eq!(
            ToolPhrase::parse("fs.read_file").class,
            Some(VerbClass::Read)
        );
        assert_eq!(
            ToolPhrase::parse("get_customer_id").head(),
            Some("customer")
        );
    }

    #[test]
    fn a_verb_ending_a_longer_name_is_its_noun() {
        let p = ToolPhrase::parse("grocery_store");
        assert_eq!(
            (p.verb, p.object),
            (None, vec!["grocery".into(), "store".into()])
        );
        assert_eq!(ToolPhrase::parse("error_log").verb, None);
        assert_eq!(
            ToolPhrase::parse("github_create_issue").verb.as_deref(),
            Some("create")
        );
        assert_eq!(ToolPhrase::parse("kv.store").verb.as_deref(), Some("store"));
        assert_eq!(
            ToolPhrase::parse("find_grocery_store").verb.as_deref(),
            Some("find")
        );
    }

    #[test]
    fn place_like_values_are_no_paths() {
        assert!(is_place_like_key("destination") && !path_shaped("sea"));
        assert!(!path_shaped("456 Oakwood Avenue, Rivermist"));
        assert!(path_shaped("temp/a.txt") && path_shaped("report.pdf") && path_shaped("./out"));
    }

    #[test]
    fn keys_name_entities() {
        assert_eq!(entity_of_key("account_id").as_deref(), Some("account"));
        assert_eq!(entity_of_key("customerId").as_deref(), Some("customer"));
        assert_eq!(entity_of_key("to_account").as_deref(), Some("account"));
        assert_eq!(entity_of_key("id").as_deref(), Some(""));
        assert_eq!(entity_of_key("amount"), None);
        assert_eq!(entity_of_key("memo"), None);
    }

    #[test]
    fn paths_and_urls_normalize() {
        assert_eq!(
            normalize_path("./db//accounts/../accounts/A.json").as_deref(),
            Some("db/accounts/a.json")
        );
        assert_eq!(normalize_path("file:///tmp/x/").as_deref(), Some("/tmp/x"));
        assert_eq!(
            normalize_url("HTTPS://Api.Example.com:443/v1/items/7/?x=1#f").as_deref(),
            Some("url:api.example.com/v1/items/7")
        );
        assert_eq!(normalize_url("not a url"), None);
    }

    #[test]
    fn overlap_covers_nesting_and_collections() {
        assert!(overlaps("session:s1", "session:s1/currency"));
        assert!(overlaps("account:*", "account:a1"));
        assert!(!overlaps("session:s1", "session:s10"));
        assert!(!overlaps("account:a1", "customer:a1"));
        assert_eq!(
            more_specific("session:s1", "session:s1/currency"),
            "session:s1/currency"
        );
    }
}
