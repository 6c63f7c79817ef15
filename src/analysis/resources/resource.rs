//! The resource value: what a tool call reads or writes, as a kind (`account`, `file`, `url`,
//! `session`, `cwd`...), a key inside that kind (a row id, a host, a scope) or the whole
//! collection, and a path of parts below the key (`session:s1/currency`, `file:docs/a.md`).
//!
//! One normalizing constructor per shape and one display form (`kind:key/part/...`, `kind:*`
//! for the collection); [`Resource::parse`] reads the display form back, so names declared on
//! spans or in the catalog compare with inferred ones. The display form is what `Access` and
//! `Finding` publish and the store keeps.

use std::fmt;

/// The key of a resource inside its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// The whole collection (`account:*`).
    All,
    /// One member (`account:acc-1001`); may be empty for absolute paths (`file:/tmp/x`).
    Named(String),
}

/// A normalized resource name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource {
    /// Namespace, lowercase; empty for an opaque name without one.
    pub kind: String,
    pub key: Key,
    /// Parts below the key, outermost first.
    pub parts: Vec<String>,
}

/// Namespaces holding agent context rather than business data.
fn context_kind(kind: &str) -> bool {
    matches!(
        kind,
        "session"
            | "context"
            | "ctx"
            | "conversation"
            | "memory"
            | "state"
            | "profile"
            | "user_profile"
            | "preference"
            | "setting"
            | "agent_context"
            | "scratchpad"
            | "kv"
            | "cache"
            | "cwd"
    ) || kind.ends_with("_context")
        || kind.ends_with("_session")
        || kind.ends_with("_state")
        || kind.ends_with("_memory")
}

impl Resource {
    /// Reads a display form back (`account:acc-1001`, `file:/tmp/x`, `session:s1/k`, `kind:*`).
    /// A name without `:` is an opaque key of no kind.
    pub fn parse(name: &str) -> Self {
        let (kind, rest) = match name.split_once(':') {
            Some((k, r)) => (k.to_owned(), r),
            None => (String::new(), name),
        };
        let mut segments = rest.split('/');
        let key = match segments.next().unwrap_or_default() {
            "*" => Key::All,
            k => Key::Named(k.to_owned()),
        };
        Self {
            kind,
            key,
            parts: segments.map(str::to_owned).collect(),
        }
    }

    /// One row of an entity kind: `<noun>:<id>` (`*` as the id is the collection).
    pub fn entity(noun: &str, id: &str) -> Self {
        let kind = noun.to_ascii_lowercase();
        if id == "*" {
            return Self::collection(&kind);
        }
        Self::parse(&format!("{kind}:{id}"))
    }

    /// The whole collection of a kind: `<kind>:*`.
    pub fn collection(kind: &str) -> Self {
        Self {
            kind: kind.to_ascii_lowercase(),
            key: Key::All,
            parts: Vec::new(),
        }
    }

    /// A file or folder, from an already normalized path (`names::normalize_path`).
    pub fn file(path: &str) -> Self {
        Self::parse(&format!("file:{path}"))
    }

    /// The working directory of the tools that share one API (`cwd:<scope>`).
    pub fn cwd(scope: &str) -> Self {
        Self {
            kind: "cwd".into(),
            key: Key::Named(scope.to_ascii_lowercase()),
            parts: Vec::new(),
        }
    }

    /// A part of this resource (`order:o1` → `order:o1/line`).
    pub fn child(&self, part: &str) -> Self {
        let mut r = self.clone();
        r.parts.extend(part.split('/').map(str::to_owned));
        r
    }

    /// The whole collection (`kind:*`, no parts below).
    pub fn is_collection(&self) -> bool {
        self.key == Key::All && self.parts.is_empty()
    }

    /// Agent context or session state rather than business data.
    pub fn is_context(&self) -> bool {
        context_kind(&self.kind)
    }

    /// `self` is `outer` or lies inside it (`session:s1/k` inside `session:s1`).
    pub fn within(&self, outer: &Self) -> bool {
        self.kind == outer.kind
            && self.key == outer.key
            && self.parts.len() >= outer.parts.len()
            && self.parts.starts_with(&outer.parts)
    }

    /// Whether two names may denote the same state: equal, one nested in the other, or a
    /// collection and one of its members.
    pub fn overlaps(&self, other: &Self) -> bool {
        if self.kind != other.kind {
            return false;
        }
        if self.is_collection() || other.is_collection() {
            return true;
        }
        self.within(other) || other.within(self)
    }

    /// The more specific of two overlapping names (the one nested deeper; a member beats its
    /// collection).
    pub fn more_specific<'a>(&'a self, other: &'a Self) -> &'a Self {
        match (self.is_collection(), other.is_collection()) {
            (true, false) => other,
            (false, true) => self,
            _ if other.parts.len() > self.parts.len() => other,
            _ => self,
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.kind.is_empty() {
            write!(f, "{}:", self.kind)?;
        }
        match &self.key {
            Key::All => f.write_str("*")?,
            Key::Named(k) => f.write_str(k)?,
        }
        for p in &self.parts {
            write!(f, "/{p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_round_trips_every_shape() {
        for name in [
            "account:acc-1001",
            "account:*",
            "file:/tmp/x.json",
            "file:db/accounts/a.json",
            "session:s1/preferred_currency",
            "url:api.example.com/v1/items/7",
            "sqlite://shop.db/accounts/acc-1001",
            "orders",
            "cwd:gorilla",
        ] {
            assert_eq!(Resource::parse(name).to_string(), name);
        }
        assert_eq!(Resource::entity("Order", "o1").to_string(), "order:o1");
        assert_eq!(Resource::entity("order", "*").to_string(), "order:*");
        assert_eq!(
            Resource::entity("order", "o1").child("line").to_string(),
            "order:o1/line"
        );
    }

    #[test]
    fn overlap_is_nesting_or_a_collection() {
        let p = Resource::parse;
        assert!(p("session:s1").overlaps(&p("session:s1/currency")));
        assert!(p("account:*").overlaps(&p("account:a1")));
        assert!(!p("session:s1").overlaps(&p("session:s10")));
        assert!(!p("account:a1").overlaps(&p("customer:a1")));
        assert!(p("file:/tmp").overlaps(&p("file:/tmp/x")));
        assert!(!p("file:/tmp").overlaps(&p("file:/tmpx")));
        assert_eq!(
            p("session:s1")
                .more_specific(&p("session:s1/currency"))
                .to_string(),
            "session:s1/currency"
        );
        assert_eq!(
            p("account:*").more_specific(&p("account:a1")).to_string(),
            "account:a1"
        );
        assert!(p("cwd:fs").is_context() && !p("account:a").is_context());
    }
}
