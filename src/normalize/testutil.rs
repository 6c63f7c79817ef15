//! Test-only span builder shared by the normalizer's unit tests.

use std::sync::Arc;

use crate::model::span::{AnyValue, KeyValue};
use crate::model::{Resource, Scope, Span, SpanEvent, SpanId, Status, TraceId};

/// A span with the given id byte, name, scope and attributes; times derive from the id.
pub fn span(id: u8, name: &str, scope: &str, attrs: Vec<(&str, AnyValue)>) -> Span {
    Span {
        trace_id: TraceId([7; 16]),
        span_id: SpanId([id; 8]),
        parent_span_id: None,
        trace_state: String::new(),
        flags: 0,
        name: name.into(),
        kind: Default::default(),
        start_unix_nano: u64::from(id) * 10,
        end_unix_nano: u64::from(id) * 10 + 5,
        attributes: attrs
            .into_iter()
            .map(|(k, v)| KeyValue::new(k, v))
            .collect(),
        dropped_attributes_count: 0,
        events: vec![],
        dropped_events_count: 0,
        links: vec![],
        dropped_links_count: 0,
        status: Status::default(),
        resource: Arc::new(Resource::default()),
        scope: Arc::new(Scope {
            name: scope.into(),
            ..Default::default()
        }),
    }
}

/// A span event with string attributes.
pub fn event(name: &str, attrs: Vec<(&str, AnyValue)>) -> SpanEvent {
    SpanEvent {
        time_unix_nano: 0,
        name: name.into(),
        attributes: attrs
            .into_iter()
            .map(|(k, v)| KeyValue::new(k, v))
            .collect(),
        dropped_attributes_count: 0,
    }
}

/// A string attribute value.
pub fn s(v: &str) -> AnyValue {
    AnyValue::String(v.into())
}
