//! Raw spans as received, in OTLP's data model, whatever format they came in.
//!
//! Every field of the input is kept (resource and scope attributes, typed attribute values,
//! events, links, status, kind, trace state, flags, dropped counts) so that convention parsers can
//! re-read them later without re-ingesting. Nothing here interprets GenAI conventions.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ids::{SpanId, TraceId};

/// An OTLP `AnyValue`. Serializes to the OTLP/JSON shape (`{"stringValue": ...}`), which is also
/// how the store keeps attribute values, so their types survive a round trip.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AnyValue {
    #[default]
    Empty,
    String(String),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(Vec<u8>),
    Array(Vec<AnyValue>),
    KvList(Vec<KeyValue>),
}

/// One attribute: a key and its typed value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: AnyValue,
}

impl KeyValue {
    pub fn new(key: impl Into<String>, value: AnyValue) -> Self {
        Self {
            key: key.into(),
            value,
        }
    }
}

impl AnyValue {
    /// The string, if this is a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AnyValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// An integer view: ints, whole doubles, and decimal strings.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AnyValue::Int(i) => Some(*i),
            AnyValue::Double(d) if d.fract() == 0.0 && d.is_finite() => Some(*d as i64),
            AnyValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// How deeply arrays and key-value lists nest in this value (a scalar is 1). Walks with an
    /// explicit stack, so any value can be measured.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((v, d)) = stack.pop() {
            deepest = deepest.max(d);
            match v {
                AnyValue::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
                AnyValue::KvList(kvs) => stack.extend(kvs.iter().map(|kv| (&kv.value, d + 1))),
                _ => {}
            }
        }
        deepest
    }

    /// The value as plain JSON, without OTLP's type wrappers. Strings stay strings (use
    /// [`AnyValue::to_json_parsed`] to parse JSON held inside a string); bytes become base64.
    pub fn to_json(&self) -> Value {
        use base64::Engine as _;
        match self {
            AnyValue::Empty => Value::Null,
            AnyValue::String(s) => Value::String(s.clone()),
            AnyValue::Bool(b) => Value::Bool(*b),
            AnyValue::Int(i) => Value::from(*i),
            AnyValue::Double(d) => {
                serde_json::Number::from_f64(*d).map_or(Value::Null, Value::Number)
            }
            AnyValue::Bytes(b) => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(b))
            }
            AnyValue::Array(items) => Value::Array(items.iter().map(AnyValue::to_json).collect()),
            AnyValue::KvList(kvs) => Value::Object(
                kvs.iter()
                    .map(|kv| (kv.key.clone(), kv.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Like [`AnyValue::to_json`], but a string that holds a JSON object or array is parsed.
    /// Emitters write structured values either way; conventions should not care which.
    pub fn to_json_parsed(&self) -> Value {
        match self {
            AnyValue::String(s) => parse_json_string(s),
            AnyValue::Array(items) => {
                Value::Array(items.iter().map(AnyValue::to_json_parsed).collect())
            }
            AnyValue::KvList(kvs) => Value::Object(
                kvs.iter()
                    .map(|kv| (kv.key.clone(), kv.value.to_json_parsed()))
                    .collect(),
            ),
            other => other.to_json(),
        }
    }
}

/// Parses `s` as JSON when it looks like an object or array; otherwise returns it as a string.
pub fn parse_json_string(s: &str) -> Value {
    let t = s.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(s) {
            return v;
        }
    }
    Value::String(s.to_owned())
}

impl Serialize for AnyValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine as _;
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(usize::from(!matches!(self, AnyValue::Empty))))?;
        match self {
            AnyValue::Empty => {}
            AnyValue::String(v) => m.serialize_entry("stringValue", v)?,
            AnyValue::Bool(v) => m.serialize_entry("boolValue", v)?,
            AnyValue::Int(v) => m.serialize_entry("intValue", &v.to_string())?,
            AnyValue::Double(v) => {
                if v.is_finite() {
                    m.serialize_entry("doubleValue", v)?
                } else if v.is_nan() {
                    m.serialize_entry("doubleValue", "NaN")?
                } else if *v > 0.0 {
                    m.serialize_entry("doubleValue", "Infinity")?
                } else {
                    m.serialize_entry("doubleValue", "-Infinity")?
                }
            }
            AnyValue::Bytes(v) => m.serialize_entry(
                "bytesValue",
                &base64::engine::general_purpose::STANDARD.encode(v),
            )?,
            AnyValue::Array(v) => m.serialize_entry("arrayValue", &ValuesRef { values: v })?,
            AnyValue::KvList(v) => m.serialize_entry("kvlistValue", &ValuesRef { values: v })?,
        }
        m.end()
    }
}

#[derive(Serialize)]
struct ValuesRef<'a, T> {
    values: &'a [T],
}

impl<'de> Deserialize<'de> for AnyValue {
    /// Reads the OTLP/JSON shape leniently (camelCase or snake_case keys, ints as strings or
    /// numbers, doubles as numbers or "NaN"/"Infinity"), straight from the input without an
    /// intermediate JSON tree.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AnyValueVisitor)
    }
}

struct AnyValueVisitor;

impl<'de> serde::de::Visitor<'de> for AnyValueVisitor {
    type Value = AnyValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an attribute value object like {\"stringValue\": ...}")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<AnyValue, A::Error> {
        use base64::Engine as _;
        use serde::de::Error as _;
        // Every nested value passes here: bound the recursion before it can exhaust the stack.
        let _level = crate::limits::DepthGuard::enter()
            .ok_or_else(|| A::Error::custom(crate::limits::too_deep()))?;
        let mut out = AnyValue::Empty;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = match key.as_ref() {
                "stringValue" | "string_value" => {
                    map.next_value::<Option<String>>()?.map(AnyValue::String)
                }
                "boolValue" | "bool_value" => map.next_value::<Option<bool>>()?.map(AnyValue::Bool),
                "intValue" | "int_value" => {
                    let v = map.next_value::<Scalar>()?.0;
                    match v {
                        None => None,
                        Some(v) => Some(AnyValue::Int(json_i64(&v).ok_or_else(|| {
                            A::Error::custom(format!(
                                "intValue must be an integer or a decimal string, got {}",
                                json_kind(&v)
                            ))
                        })?)),
                    }
                }
                "doubleValue" | "double_value" => {
                    let v = map.next_value::<Scalar>()?.0;
                    match v {
                        None => None,
                        Some(v) => Some(AnyValue::Double(json_f64(&v).ok_or_else(|| {
                            A::Error::custom(format!(
                                "doubleValue must be a number, got {}",
                                json_kind(&v)
                            ))
                        })?)),
                    }
                }
                "bytesValue" | "bytes_value" => match map.next_value::<Option<String>>()? {
                    None => None,
                    Some(s) => Some(AnyValue::Bytes(
                        base64::engine::general_purpose::STANDARD
                            .decode(s.as_bytes())
                            .map_err(|e| {
                                A::Error::custom(format!("bytesValue is not valid base64: {e}"))
                            })?,
                    )),
                },
                "arrayValue" | "array_value" => map
                    .next_value::<Option<Values<AnyValue>>>()?
                    .map(|v| AnyValue::Array(v.values.unwrap_or_default())),
                "kvlistValue" | "kvlist_value" => map
                    .next_value::<Option<Values<KeyValue>>>()?
                    .map(|v| AnyValue::KvList(v.values.unwrap_or_default())),
                "stringValueStrindex" | "string_value_strindex" => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    None
                }
                other => {
                    return Err(A::Error::custom(format!(
                        "unknown attribute value type '{other}'"
                    )))
                }
            };
            if let Some(v) = value {
                out = v;
            }
        }
        Ok(out)
    }
}

/// A JSON scalar (number, string, bool) or null, as an int or double value is written. Containers
/// are refused without being walked, so a hostile nesting cannot recurse here.
struct Scalar(Option<Value>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'a> serde::de::Visitor<'a> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(Value::Bool(v))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(Value::from(v))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(Value::from(v))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(Some(
                    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
                )))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(Value::String(v.to_owned()))))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_some<D: serde::Deserializer<'a>>(self, d: D) -> Result<Scalar, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct Values<T> {
    #[serde(default = "Option::default")]
    values: Option<Vec<T>>,
}

/// Converts an OTLP/JSON `AnyValue` object into an [`AnyValue`], accepting every spelling real
/// receivers accept. The error names what was wrong.
pub fn any_value_from_json(v: &Value) -> Result<AnyValue, String> {
    use base64::Engine as _;
    let _level = crate::limits::DepthGuard::enter().ok_or_else(crate::limits::too_deep)?;
    let Value::Object(map) = v else {
        return Err(format!(
            "attribute value must be an object like {{\"stringValue\": ...}}, got {}",
            json_kind(v)
        ));
    };
    let Some((key, inner)) = map.iter().find(|(_, val)| !val.is_null()) else {
        return Ok(AnyValue::Empty);
    };
    match key.as_str() {
        "stringValue" | "string_value" => inner
            .as_str()
            .map(|s| AnyValue::String(s.to_owned()))
            .ok_or_else(|| format!("stringValue must be a string, got {}", json_kind(inner))),
        "boolValue" | "bool_value" => inner
            .as_bool()
            .map(AnyValue::Bool)
            .ok_or_else(|| format!("boolValue must be a boolean, got {}", json_kind(inner))),
        "intValue" | "int_value" => json_i64(inner).map(AnyValue::Int).ok_or_else(|| {
            format!(
                "intValue must be an integer or a decimal string, got {}",
                json_kind(inner)
            )
        }),
        "doubleValue" | "double_value" => json_f64(inner)
            .map(AnyValue::Double)
            .ok_or_else(|| format!("doubleValue must be a number, got {}", json_kind(inner))),
        "bytesValue" | "bytes_value" => {
            let s = inner
                .as_str()
                .ok_or_else(|| "bytesValue must be a base64 string".to_owned())?;
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(AnyValue::Bytes)
                .map_err(|e| format!("bytesValue is not valid base64: {e}"))
        }
        "arrayValue" | "array_value" => {
            let values = match inner.get("values") {
                None | Some(Value::Null) => return Ok(AnyValue::Array(Vec::new())),
                Some(Value::Array(a)) => a,
                Some(other) => {
                    return Err(format!(
                        "arrayValue.values must be an array, got {}",
                        json_kind(other)
                    ))
                }
            };
            values
                .iter()
                .map(any_value_from_json)
                .collect::<Result<_, _>>()
                .map(AnyValue::Array)
        }
        "kvlistValue" | "kvlist_value" => {
            let values = match inner.get("values") {
                None | Some(Value::Null) => return Ok(AnyValue::KvList(Vec::new())),
                Some(Value::Array(a)) => a,
                Some(other) => {
                    return Err(format!(
                        "kvlistValue.values must be an array, got {}",
                        json_kind(other)
                    ))
                }
            };
            values
                .iter()
                .map(key_value_from_json)
                .collect::<Result<_, _>>()
                .map(AnyValue::KvList)
        }
        // Profiles-only string table reference: not meaningful on traces.
        "stringValueStrindex" | "string_value_strindex" => Ok(AnyValue::Empty),
        other => Err(format!("unknown attribute value type '{other}'")),
    }
}

/// Converts an OTLP/JSON `KeyValue` object.
pub fn key_value_from_json(v: &Value) -> Result<KeyValue, String> {
    let key = v
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| "attribute is missing its string 'key'".to_owned())?;
    let value = match v.get("value") {
        None | Some(Value::Null) => AnyValue::Empty,
        Some(val) => any_value_from_json(val).map_err(|e| format!("attribute '{key}': {e}"))?,
    };
    Ok(KeyValue {
        key: key.to_owned(),
        value,
    })
}

/// An int64 from a JSON number or decimal string.
pub fn json_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A uint64 from a JSON number or decimal string.
pub fn json_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn json_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.trim().parse().ok(),
        },
        _ => None,
    }
}

/// A short name of a JSON value's type, for error messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Looks up an attribute by key (first occurrence).
pub fn find_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
}

/// The entity that produced spans (service, host, SDK...).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Resource {
    pub attributes: Vec<KeyValue>,
    pub dropped_attributes_count: u32,
    pub schema_url: String,
}

impl Resource {
    /// `service.name`, if set.
    pub fn service_name(&self) -> Option<&str> {
        find_attr(&self.attributes, "service.name").and_then(AnyValue::as_str)
    }
}

/// The instrumentation scope (library) that emitted spans.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scope {
    pub name: String,
    pub version: String,
    pub attributes: Vec<KeyValue>,
    pub dropped_attributes_count: u32,
    pub schema_url: String,
}

/// OTLP span kind; unknown numbers are kept as `Unspecified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    #[default]
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl SpanKind {
    pub fn from_i32(v: i32) -> Self {
        match v {
            1 => Self::Internal,
            2 => Self::Server,
            3 => Self::Client,
            4 => Self::Producer,
            5 => Self::Consumer,
            _ => Self::Unspecified,
        }
    }

    pub fn as_i32(self) -> i32 {
        self as i32
    }

    /// Accepts the enum's OTLP names, `SPAN_KIND_CLIENT` or `CLIENT`, any case.
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_uppercase();
        Some(match n.strip_prefix("SPAN_KIND_").unwrap_or(&n) {
            "UNSPECIFIED" => Self::Unspecified,
            "INTERNAL" => Self::Internal,
            "SERVER" => Self::Server,
            "CLIENT" => Self::Client,
            "PRODUCER" => Self::Producer,
            "CONSUMER" => Self::Consumer,
            _ => return None,
        })
    }
}

/// OTLP status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCode {
    #[default]
    Unset,
    Ok,
    Error,
}

impl StatusCode {
    pub fn from_i32(v: i32) -> Self {
        match v {
            1 => Self::Ok,
            2 => Self::Error,
            _ => Self::Unset,
        }
    }

    pub fn as_i32(self) -> i32 {
        self as i32
    }

    /// Accepts `STATUS_CODE_ERROR` or `ERROR`, any case.
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_uppercase();
        Some(match n.strip_prefix("STATUS_CODE_").unwrap_or(&n) {
            "UNSET" => Self::Unset,
            "OK" => Self::Ok,
            "ERROR" => Self::Error,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Status {
    pub code: StatusCode,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanEvent {
    pub time_unix_nano: u64,
    pub name: String,
    pub attributes: Vec<KeyValue>,
    pub dropped_attributes_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanLink {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub trace_state: String,
    pub attributes: Vec<KeyValue>,
    pub dropped_attributes_count: u32,
    pub flags: u32,
}

/// One span with everything OTLP carries, plus the resource and scope it was reported under.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    pub trace_state: String,
    pub flags: u32,
    pub name: String,
    pub kind: SpanKind,
    pub start_unix_nano: u64,
    pub end_unix_nano: u64,
    pub attributes: Vec<KeyValue>,
    pub dropped_attributes_count: u32,
    pub events: Vec<SpanEvent>,
    pub dropped_events_count: u32,
    pub links: Vec<SpanLink>,
    pub dropped_links_count: u32,
    pub status: Status,
    pub resource: Arc<Resource>,
    pub scope: Arc<Scope>,
}

impl Span {
    /// The first attribute, anywhere in the span (its own, events', links', resource's, scope's),
    /// whose value nests deeper than [`crate::limits::MAX_VALUE_DEPTH`], as a field path.
    pub fn too_deep_attribute(&self) -> Option<String> {
        let deep = |attrs: &[KeyValue]| {
            attrs
                .iter()
                .find(|kv| kv.value.depth() > crate::limits::MAX_VALUE_DEPTH)
                .map(|kv| kv.key.clone())
        };
        if let Some(k) = deep(&self.attributes) {
            return Some(format!("attributes['{k}']"));
        }
        for (i, e) in self.events.iter().enumerate() {
            if let Some(k) = deep(&e.attributes) {
                return Some(format!("events[{i}].attributes['{k}']"));
            }
        }
        for (i, l) in self.links.iter().enumerate() {
            if let Some(k) = deep(&l.attributes) {
                return Some(format!("links[{i}].attributes['{k}']"));
            }
        }
        if let Some(k) = deep(&self.resource.attributes) {
            return Some(format!("resource.attributes['{k}']"));
        }
        deep(&self.scope.attributes).map(|k| format!("scope.attributes['{k}']"))
    }

    /// A span with only its ids and name set: no parent, times 0, no attributes, events or
    /// links, unset status, empty resource and scope. Builders fill in the rest with
    /// `Span { field, ..Span::new(..) }`.
    pub fn new(trace_id: TraceId, span_id: SpanId, name: impl Into<String>) -> Self {
        Self {
            trace_id,
            span_id,
            parent_span_id: None,
            trace_state: String::new(),
            flags: 0,
            name: name.into(),
            kind: SpanKind::Unspecified,
            start_unix_nano: 0,
            end_unix_nano: 0,
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: Vec::new(),
            dropped_events_count: 0,
            links: Vec::new(),
            dropped_links_count: 0,
            status: Status::default(),
            resource: Arc::default(),
            scope: Arc::default(),
        }
    }

    /// First attribute with this key.
    pub fn attr(&self, key: &str) -> Option<&AnyValue> {
        find_attr(&self.attributes, key)
    }

    /// String attribute with this key.
    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attr(key).and_then(AnyValue::as_str)
    }

    /// Duration in nanoseconds (0 when the end is before the start).
    pub fn duration_nanos(&self) -> u64 {
        self.end_unix_nano.saturating_sub(self.start_unix_nano)
    }
}

/// An OTLP log record tied to a trace: how GenAI instrumentations of semantic conventions
/// v1.28–v1.36 (and `gen_ai.client.inference.operation.details` after) record message content.
/// Stored as received; when a trace is loaded, records that name one of its spans become events
/// of that span.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub trace_id: TraceId,
    pub span_id: Option<SpanId>,
    pub time_unix_nano: u64,
    pub observed_time_unix_nano: u64,
    pub severity_number: i32,
    pub severity_text: String,
    /// `eventName` (OTLP 1.5+); older emitters put it in the `event.name` attribute.
    pub event_name: String,
    pub body: AnyValue,
    pub attributes: Vec<KeyValue>,
    pub dropped_attributes_count: u32,
    pub flags: u32,
    pub resource: Arc<Resource>,
    pub scope: Arc<Scope>,
}

impl LogRecord {
    /// The record as a span event: named by its event name (or `event.name` attribute), with its
    /// attributes plus `event.name` and `body`.
    pub fn to_event(&self) -> SpanEvent {
        let name = if self.event_name.is_empty() {
            find_attr(&self.attributes, "event.name")
                .and_then(AnyValue::as_str)
                .unwrap_or("log")
                .to_owned()
        } else {
            self.event_name.clone()
        };
        let mut attributes = self.attributes.clone();
        if find_attr(&attributes, "event.name").is_none() {
            attributes.push(KeyValue::new("event.name", AnyValue::String(name.clone())));
        }
        if self.body != AnyValue::Empty {
            attributes.push(KeyValue::new("body", self.body.clone()));
        }
        SpanEvent {
            // OTLP: when the event time is unknown, the observed time stands in.
            time_unix_nano: if self.time_unix_nano == 0 {
                self.observed_time_unix_nano
            } else {
                self.time_unix_nano
            },
            name,
            attributes,
            dropped_attributes_count: self.dropped_attributes_count,
        }
    }
}

/// All stored spans of one trace, in start order (ties broken by span id), parents not
/// guaranteed to precede children.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub trace_id: TraceId,
    pub spans: Vec<Span>,
}

impl Trace {
    /// Sorts spans by start time, then span id, so every consumer sees one order.
    pub fn new(trace_id: TraceId, mut spans: Vec<Span>) -> Self {
        spans.sort_by_key(|s| (s.start_unix_nano, s.span_id));
        Self { trace_id, spans }
    }

    pub fn span(&self, id: SpanId) -> Option<&Span> {
        self.spans.iter().find(|s| s.span_id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_value_round_trips_through_its_otlp_json_form() {
        let v = AnyValue::KvList(vec![
            KeyValue::new("a", AnyValue::Int(i64::MAX)),
            KeyValue::new(
                "b",
                AnyValue::Array(vec![AnyValue::Bool(true), AnyValue::Double(1.5)]),
            ),
            KeyValue::new("c", AnyValue::Bytes(vec![0, 255])),
            KeyValue::new("d", AnyValue::Empty),
        ]);
        let text = serde_json::to_string(&v).unwrap();
        let back: AnyValue = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn snake_case_and_numeric_ints_are_accepted() {
        let v: AnyValue = serde_json::from_str(r#"{"int_value": 7}"#).unwrap();
        assert_eq!(v, AnyValue::Int(7));
        let v: AnyValue = serde_json::from_str(r#"{"doubleValue": "NaN"}"#).unwrap();
        assert!(matches!(v, AnyValue::Double(d) if d.is_nan()));
    }

    #[test]
    fn json_strings_holding_objects_are_parsed_on_request() {
        let v = AnyValue::String(r#"{"x": 1}"#.into());
        assert_eq!(v.to_json_parsed(), serde_json::json!({"x": 1}));
        assert_eq!(
            AnyValue::String("plain".into()).to_json_parsed(),
            serde_json::json!("plain")
        );
    }
}
