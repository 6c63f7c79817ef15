//! Test-only span builder shared by the normalizer's unit tests.

use std::sync::Arc;

use crate::model::span::{AnyValue, KeyValue};
use crate::model::{Scope, Span, SpanEvent, SpanId, TraceId};

/// A span with the given id byte, name, scope and attributes; times derive from the id.
pub fn span(id: u8, name: &str, scope: &str, attrs: Vec<(&str, AnyValue)>) -> Span {
    Span {
        start_unix_nano: u64::from(id) * 10,
        end_unix_nano: u64::from(id) * 10 + 5,
        attributes: attrs
            .into_iter()
            .map(|(k, v)| KeyValue::new(k, v))
            .collect(),
        scope: Arc::new(Scope {
            name: scope.into(),
            ..Default::default()
        }),
        ..Span::new(TraceId([7; 16]), SpanId([id; 8]), name)
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
