//! Spotting two different spans under one (trace id, span id) within one input: the store keeps
//! one span per id, so a second, different span would otherwise vanish without a word. Identical
//! repeats (an exporter retrying) are harmless and pass.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

use super::{IngestError, Location};
use crate::model::{AnyValue, KeyValue, Span, SpanId, TraceId};

/// Remembers where each span id was first seen in this input and a fingerprint of its content.
#[derive(Debug, Default)]
pub struct DuplicateCheck {
    seen: HashMap<(TraceId, SpanId), (Location, u64)>,
    keys: RandomState,
}

impl DuplicateCheck {
    /// Records `span`, found at `at`; an error naming both places when the id was already used
    /// by a span with other content.
    pub fn check(&mut self, file: &str, span: &Span, at: Location) -> Result<(), IngestError> {
        let print = fingerprint(&self.keys, span);
        match self.seen.entry((span.trace_id, span.span_id)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((at, print));
                Ok(())
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let (first, first_print) = *o.get();
                if first_print == print {
                    return Ok(());
                }
                Err(IngestError::new(
                    file,
                    at,
                    Some("spanId".to_owned()),
                    format!(
                        "span {} of trace {} appears twice with different content: first at {}, again here",
                        span.span_id,
                        span.trace_id,
                        describe(first)
                    ),
                ))
            }
        }
    }

    /// Forgets spans recorded at `at` (their record was skipped, so they were not kept).
    pub fn forget(&mut self, spans: &[Span], at: Location) {
        for s in spans {
            if self
                .seen
                .get(&(s.trace_id, s.span_id))
                .is_some_and(|(l, _)| *l == at)
            {
                self.seen.remove(&(s.trace_id, s.span_id));
            }
        }
    }
}

fn describe(at: Location) -> String {
    match at {
        Location::Line(n) => format!("line {n}"),
        Location::Offset(o) => format!("byte {o}"),
        Location::Whole => "the same record".to_owned(),
    }
}

/// A content fingerprint: every field of the span (resource and scope included) fed to a hasher
/// keyed at random per input, so a crafted collision cannot be prepared in advance.
fn fingerprint(state: &RandomState, span: &Span) -> u64 {
    let mut h = state.build_hasher();
    span.trace_id.0.hash(&mut h);
    span.span_id.0.hash(&mut h);
    span.parent_span_id.map(|p| p.0).hash(&mut h);
    span.trace_state.hash(&mut h);
    span.flags.hash(&mut h);
    span.name.hash(&mut h);
    span.kind.as_i32().hash(&mut h);
    span.start_unix_nano.hash(&mut h);
    span.end_unix_nano.hash(&mut h);
    attributes(&mut h, &span.attributes);
    span.dropped_attributes_count.hash(&mut h);
    span.events.len().hash(&mut h);
    for e in &span.events {
        e.time_unix_nano.hash(&mut h);
        e.name.hash(&mut h);
        attributes(&mut h, &e.attributes);
        e.dropped_attributes_count.hash(&mut h);
    }
    span.dropped_events_count.hash(&mut h);
    span.links.len().hash(&mut h);
    for l in &span.links {
        l.trace_id.0.hash(&mut h);
        l.span_id.0.hash(&mut h);
        l.trace_state.hash(&mut h);
        attributes(&mut h, &l.attributes);
        l.dropped_attributes_count.hash(&mut h);
        l.flags.hash(&mut h);
    }
    span.dropped_links_count.hash(&mut h);
    span.status.code.as_i32().hash(&mut h);
    span.status.message.hash(&mut h);
    attributes(&mut h, &span.resource.attributes);
    span.resource.dropped_attributes_count.hash(&mut h);
    span.resource.schema_url.hash(&mut h);
    span.scope.name.hash(&mut h);
    span.scope.version.hash(&mut h);
    attributes(&mut h, &span.scope.attributes);
    span.scope.dropped_attributes_count.hash(&mut h);
    span.scope.schema_url.hash(&mut h);
    h.finish()
}

/// Feeds attribute lists with an explicit stack (no recursion, whatever the nesting).
fn attributes(h: &mut impl Hasher, attrs: &[KeyValue]) {
    enum Item<'a> {
        Kv(&'a KeyValue),
        Value(&'a AnyValue),
    }
    attrs.len().hash(h);
    let mut stack: Vec<Item<'_>> = attrs.iter().rev().map(Item::Kv).collect();
    while let Some(item) = stack.pop() {
        let v = match item {
            Item::Kv(kv) => {
                kv.key.hash(h);
                &kv.value
            }
            Item::Value(v) => v,
        };
        match v {
            AnyValue::Empty => 0u8.hash(h),
            AnyValue::String(s) => (1u8, s).hash(h),
            AnyValue::Bool(b) => (2u8, b).hash(h),
            AnyValue::Int(i) => (3u8, i).hash(h),
            AnyValue::Double(d) => (4u8, d.to_bits()).hash(h),
            AnyValue::Bytes(b) => (5u8, b).hash(h),
            AnyValue::Array(items) => {
                (6u8, items.len()).hash(h);
                stack.extend(items.iter().rev().map(Item::Value));
            }
            AnyValue::KvList(kvs) => {
                (7u8, kvs.len()).hash(h);
                stack.extend(kvs.iter().rev().map(Item::Kv));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(name: &str) -> Span {
        Span::new(
            "0af7651916cd43dd8448eb211c80319c".parse().unwrap(),
            "b7ad6b7169203331".parse().unwrap(),
            name,
        )
    }

    #[test]
    fn identical_repeats_pass_and_different_content_names_both_places() {
        let mut c = DuplicateCheck::default();
        c.check("f", &span("a"), Location::Line(1)).unwrap();
        c.check("f", &span("a"), Location::Line(2)).unwrap();
        let err = c
            .check("f", &span("b"), Location::Line(3))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f:3:") && err.contains("first at line 1"),
            "{err}"
        );
        c.forget(&[span("a")], Location::Line(1));
        c.check("f", &span("b"), Location::Line(4)).unwrap();
    }

    #[test]
    fn any_field_difference_changes_the_fingerprint() {
        let keys = RandomState::new();
        let base = span("a");
        let mut other = base.clone();
        other.attributes = vec![KeyValue::new(
            "k",
            AnyValue::Array(vec![AnyValue::Double(1.0)]),
        )];
        let mut nested = other.clone();
        nested.attributes[0].value = AnyValue::Array(vec![AnyValue::Double(2.0)]);
        let mut resource = base.clone();
        resource.resource = std::sync::Arc::new(crate::model::Resource {
            schema_url: "x".into(),
            ..Default::default()
        });
        let prints = [&base, &other, &nested, &resource].map(|s| fingerprint(&keys, s));
        for (i, a) in prints.iter().enumerate() {
            for b in &prints[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(fingerprint(&keys, &base), fingerprint(&keys, &base.clone()));
    }
}
