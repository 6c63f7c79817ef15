//! How attribute lists are stored: a compact binary form (postcard, behind a one-byte version tag)
//! that keeps every value's type and needs no JSON escaping, so writing and re-reading spans stays
//! cheap. Rows written as OTLP/JSON text (databases from before this form) are still read.
//!
//! Typed values survive exactly: strings, bools, 64-bit ints, doubles (NaN and infinities too),
//! bytes, arrays and key-value lists, nested.

use std::borrow::Cow;

use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};

use super::Error;
use crate::model::{AnyValue, KeyValue};

/// Tag of the binary form; bump when its layout changes.
const BINARY_V1: u8 = 1;

#[derive(Serialize, Deserialize)]
enum Stored<'a> {
    Empty,
    Str(#[serde(borrow)] Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(#[serde(borrow)] Cow<'a, [u8]>),
    Array(#[serde(borrow, deserialize_with = "nested")] Vec<Stored<'a>>),
    KvList(#[serde(borrow, deserialize_with = "nested")] Vec<(Cow<'a, str>, Stored<'a>)>),
}

/// Decodes one nested level, refusing past [`crate::limits::MAX_VALUE_DEPTH`] so a damaged or
/// hostile row cannot recurse the decoder off the stack.
fn nested<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    let _level = crate::limits::DepthGuard::enter()
        .ok_or_else(|| <D::Error as serde::de::Error>::custom(crate::limits::too_deep()))?;
    T::deserialize(d)
}

fn to_stored(v: &AnyValue) -> Stored<'_> {
    match v {
        AnyValue::Empty => Stored::Empty,
        AnyValue::String(s) => Stored::Str(Cow::Borrowed(s)),
        AnyValue::Bool(b) => Stored::Bool(*b),
        AnyValue::Int(i) => Stored::Int(*i),
        AnyValue::Double(d) => Stored::Double(*d),
        AnyValue::Bytes(b) => Stored::Bytes(Cow::Borrowed(b)),
        AnyValue::Array(items) => Stored::Array(items.iter().map(to_stored).collect()),
        AnyValue::KvList(kvs) => Stored::KvList(
            kvs.iter()
                .map(|kv| (Cow::Borrowed(kv.key.as_str()), to_stored(&kv.value)))
                .collect(),
        ),
    }
}

fn from_stored(v: Stored<'_>) -> AnyValue {
    match v {
        Stored::Empty => AnyValue::Empty,
        Stored::Str(s) => AnyValue::String(s.into_owned()),
        Stored::Bool(b) => AnyValue::Bool(b),
        Stored::Int(i) => AnyValue::Int(i),
        Stored::Double(d) => AnyValue::Double(d),
        Stored::Bytes(b) => AnyValue::Bytes(b.into_owned()),
        Stored::Array(items) => AnyValue::Array(items.into_iter().map(from_stored).collect()),
        Stored::KvList(kvs) => AnyValue::KvList(
            kvs.into_iter()
                .map(|(k, v)| KeyValue {
                    key: k.into_owned(),
                    value: from_stored(v),
                })
                .collect(),
        ),
    }
}

/// Encodes an attribute list, appending to `out` (cleared first).
pub fn encode_attributes(attrs: &[KeyValue], out: &mut Vec<u8>) -> Result<(), Error> {
    out.clear();
    // What is written must read back: nothing deeper than the decoder accepts.
    if let Some(kv) = attrs
        .iter()
        .find(|kv| kv.value.depth() > crate::limits::MAX_VALUE_DEPTH)
    {
        return Err(Error::Corrupt(format!(
            "cannot store attribute '{}': {}",
            crate::sanitize::sanitize(&kv.key),
            crate::limits::too_deep()
        )));
    }
    out.push(BINARY_V1);
    let list: Vec<(&str, Stored<'_>)> = attrs
        .iter()
        .map(|kv| (kv.key.as_str(), to_stored(&kv.value)))
        .collect();
    let encoded = postcard::to_extend(&list, std::mem::take(out))
        .map_err(|e| Error::Corrupt(format!("cannot encode attributes: {e}")))?;
    *out = encoded;
    Ok(())
}

/// Decodes an attribute list stored by either form.
pub fn decode_attributes(value: ValueRef<'_>, what: &str) -> Result<Vec<KeyValue>, Error> {
    match value {
        ValueRef::Blob([BINARY_V1, rest @ ..]) => {
            let list: Vec<(Cow<'_, str>, Stored<'_>)> = postcard::from_bytes(rest)
                .map_err(|e| Error::Corrupt(format!("stored {what} are not valid: {e}")))?;
            Ok(list
                .into_iter()
                .map(|(k, v)| KeyValue {
                    key: k.into_owned(),
                    value: from_stored(v),
                })
                .collect())
        }
        ValueRef::Blob(_) => Err(Error::Corrupt(format!(
            "stored {what} use an unknown encoding"
        ))),
        ValueRef::Text(t) => serde_json::from_slice(t)
            .map_err(|e| Error::Corrupt(format!("stored {what} are not valid: {e}"))),
        _ => Err(Error::Corrupt(format!(
            "stored {what} have an unexpected type"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_type_round_trips_through_the_binary_form() {
        let attrs = vec![
            KeyValue::new("s", AnyValue::String("a \"quoted\" ✓".into())),
            KeyValue::new("i", AnyValue::Int(i64::MIN)),
            KeyValue::new("d", AnyValue::Double(f64::INFINITY)),
            KeyValue::new("b", AnyValue::Bool(true)),
            KeyValue::new("x", AnyValue::Bytes(vec![0, 255])),
            KeyValue::new("e", AnyValue::Empty),
            KeyValue::new(
                "k",
                AnyValue::KvList(vec![KeyValue::new(
                    "a",
                    AnyValue::Array(vec![AnyValue::Int(1), AnyValue::Empty]),
                )]),
            ),
        ];
        let mut buf = Vec::new();
        encode_attributes(&attrs, &mut buf).unwrap();
        assert_eq!(
            decode_attributes(ValueRef::Blob(&buf), "attributes").unwrap(),
            attrs
        );
    }

    #[test]
    fn nesting_is_kept_up_to_the_limit_and_refused_past_it_both_ways() {
        let nest = |levels: usize| {
            let mut v = AnyValue::Int(1);
            for _ in 1..levels {
                v = AnyValue::Array(vec![v]);
            }
            vec![KeyValue::new("deep", v)]
        };
        let mut buf = Vec::new();
        let ok = nest(crate::limits::MAX_VALUE_DEPTH);
        encode_attributes(&ok, &mut buf).unwrap();
        assert_eq!(decode_attributes(ValueRef::Blob(&buf), "a").unwrap(), ok);
        let err = encode_attributes(&nest(crate::limits::MAX_VALUE_DEPTH + 1), &mut buf)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("deep") && err.contains("nested deeper"),
            "{err}"
        );
        // A damaged row: one key, then an Array (variant 6) of one element, a million times.
        let mut hostile = vec![BINARY_V1, 1, 1, b'k'];
        for _ in 0..1_000_000 {
            hostile.extend([6, 1]);
        }
        hostile.push(0);
        // (postcard reports every refusal as a generic deserialization error)
        let err = decode_attributes(ValueRef::Blob(&hostile), "attributes")
            .unwrap_err()
            .to_string();
        assert!(err.contains("stored attributes are not valid"), "{err}");
    }

    #[test]
    fn rows_written_as_json_text_still_read() {
        let json = br#"[{"key":"n","value":{"intValue":"7"}}]"#;
        let attrs = decode_attributes(ValueRef::Text(json), "attributes").unwrap();
        assert_eq!(attrs, vec![KeyValue::new("n", AnyValue::Int(7))]);
    }

    #[test]
    fn damaged_blobs_are_errors_not_panics() {
        for bad in [&[1u8, 200, 200, 200][..], &[9u8][..], &[1u8][..]] {
            let _ = decode_attributes(ValueRef::Blob(bad), "attributes");
        }
        assert!(decode_attributes(ValueRef::Blob(&[9]), "attributes").is_err());
    }
}
