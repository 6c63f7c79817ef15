//! Content sniffing for format detection: tells the three transcript dialects apart from each
//! other and from OTLP and the native format, from a parsed value or the first bytes of an input.

use serde_json::Value;

use super::super::Format;
use super::{anthropic, openai_chat, openai_responses};

/// Which transcript dialect a parsed JSON value (a whole document, or the first JSON line) is,
/// if any. OTLP (`resourceSpans`) and values without chat messages give `None`.
pub fn sniff(value: &Value) -> Option<Format> {
    if value.get("resourceSpans").is_some() || value.get("resource_spans").is_some() {
        return None;
    }
    // An array of conversations (request bodies): judge by the first.
    if let Some(first) = value
        .as_array()
        .and_then(|a| a.first())
        .filter(|f| is_envelope(f))
    {
        return sniff(first);
    }
    if openai_responses::sniff(value) {
        Some(Format::OpenaiResponses)
    } else if anthropic::sniff(value) {
        Some(Format::Anthropic)
    } else if openai_chat::sniff(value) {
        Some(Format::OpenaiChat)
    } else {
        None
    }
}

/// The records a sniffer should look at: the value's own elements, or its `key` array, or the
/// value itself; at most the first 50.
pub(crate) fn sample<'v>(value: &'v Value, keys: &[&str]) -> Vec<&'v Value> {
    let list = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => keys
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_array))
            .map_or_else(|| vec![value], |a| a.iter().collect()),
        _ => Vec::new(),
    };
    list.into_iter().take(50).collect()
}

/// Which transcript dialect `bytes` (a whole input, or its first bytes) hold, if any: one JSON
/// document, or JSON Lines of which the first (up to 50) whole lines are looked at together.
pub fn detect_bytes(bytes: &[u8]) -> Option<Format> {
    // A head cut inside a multi-byte character is still text up to the cut.
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(bytes.get(..e.valid_up_to())?).ok()?
        }
        Err(_) => return None,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return sniff(&value);
    }
    let values: Vec<Value> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(50)
        .map_while(|l| serde_json::from_str(l).ok())
        .collect();
    let first = values.first()?;
    if is_envelope(first) {
        sniff(first)
    } else {
        sniff(&Value::Array(values))
    }
}

/// A request or response body holding a conversation rather than one message or item.
fn is_envelope(value: &Value) -> bool {
    value.get("type").is_none()
        && value.get("role").is_none()
        && ["messages", "input", "output", "choices"]
            .iter()
            .any(|k| value.get(k).is_some())
}
