//! Chat transcripts (no spans, no timing) turned into synthetic spans.
//!
//! Owns what the three transcript dialects share: splitting the input into conversations and
//! records (one JSON document, or JSON Lines), keeping each record's verbatim text and line, the
//! [`Turn`] sequence every dialect reduces to, and reading a whole input. Spans are built from
//! turns in `transcript/build.rs` (one `chat` span per assistant message, its tool calls being
//! the batch; one `execute_tool` span per answered call, none for a call never answered);
//! [`sniff`] and [`detect_bytes`] serve format detection. Each dialect (one file each) only maps
//! its records to turns.

pub mod anthropic;
mod build;
pub mod openai_chat;
pub mod openai_responses;
mod references;
mod sniff;

pub use sniff::{detect_bytes, sniff};

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::Value;

use super::synth::{Message, Part};
use super::{Format, IngestError, Location, OnInvalid, ReadError, ReadStats, Sink};

/// One record of a transcript (a message or an item) with its verbatim text.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub raw: &'a str,
    pub value: Value,
    /// Field path of the record in its document, e.g. `messages[3]` (empty for a JSONL line).
    pub path: String,
    /// 1-based line where the record starts.
    pub line: usize,
}

impl Item<'_> {
    /// The path of a field of this record, e.g. `messages[3].tool_calls[0].id`.
    pub fn field(&self, sub: &str) -> String {
        match (self.path.is_empty(), sub.is_empty()) {
            (true, _) => sub.to_owned(),
            (false, true) => self.path.clone(),
            (false, false) if sub.starts_with('[') => format!("{}{sub}", self.path),
            (false, false) => format!("{}.{sub}", self.path),
        }
    }
}

/// A conversation: the records of one run, plus what its envelope said.
#[derive(Debug, Clone, Default)]
pub struct Conversation<'a> {
    pub items: Vec<Item<'a>>,
    /// Verbatim text of the whole conversation (document, line, or all lines).
    pub raw: String,
    /// The envelope object (request or response body) minus nothing: dialects read `model`,
    /// `system` and the like from it.
    pub envelope: Option<Value>,
}

/// A transcript event in conversation order, as the span builder consumes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Turn {
    /// A message the model reads next (user, system, tool results): appended to the history.
    Input(Message),
    /// One model response: a `chat` span whose output holds its text and tool calls.
    Response {
        message: Message,
        finish_reason: Option<String>,
        model: Option<String>,
        record: String,
    },
    /// The result of a call: an `execute_tool` span for the call it answers.
    ToolResult {
        call_id: Option<String>,
        name: Option<String>,
        content: Value,
        is_error: bool,
        record: String,
    },
}

/// A record that could not be read: (field path, message, line).
#[derive(Debug, Clone)]
pub struct Bad {
    pub field: String,
    pub message: String,
    pub line: usize,
}

impl Bad {
    pub fn new(item: &Item<'_>, sub: &str, message: impl Into<String>) -> Self {
        Self {
            field: item.field(sub),
            message: message.into(),
            line: item.line,
        }
    }
}

/// Receives a bad record: fails the read, or records it as skipped.
pub(crate) type Report<'r> = dyn FnMut(Bad) -> Result<(), ReadError> + 'r;

/// What a dialect provides.
pub(crate) struct Dialect {
    pub format: Format,
    /// Splits one JSON document into its records, or `None` when it is not an envelope (then it
    /// is one record itself).
    pub envelope: for<'a> fn(doc: &Doc<'a>) -> Option<Vec<Item<'a>>>,
    /// Maps one conversation's records to turns, reporting bad records to `bad`.
    pub turns: fn(conv: &Conversation<'_>, bad: &mut Report<'_>) -> Result<Vec<Turn>, ReadError>,
}

/// A parsed JSON document with its verbatim text and where it sits in the file.
pub struct Doc<'a> {
    pub raw: &'a str,
    pub value: Value,
    pub lines: &'a LineIndex,
}

impl<'a> Doc<'a> {
    /// The elements of the array at `key` of this object document, each with its verbatim text.
    pub fn array_items(&self, key: &str) -> Option<Vec<Item<'a>>> {
        let fields: BTreeMap<String, &'a RawValue> = serde_json::from_str(self.raw).ok()?;
        let raw = fields.get(key)?;
        self.elements(raw.get(), key)
    }

    /// The object document's field `key` as one record.
    pub fn field_item(&self, key: &str) -> Option<Item<'a>> {
        let fields: BTreeMap<String, &'a RawValue> = serde_json::from_str(self.raw).ok()?;
        let raw = fields.get(key)?.get();
        Some(Item {
            raw,
            value: serde_json::from_str(raw).ok()?,
            path: key.to_owned(),
            line: self.lines.line_of(raw),
        })
    }

    /// The elements of this document when it is an array.
    pub fn own_elements(&self) -> Option<Vec<Item<'a>>> {
        self.elements(self.raw, "")
    }

    fn elements(&self, raw: &'a str, key: &str) -> Option<Vec<Item<'a>>> {
        let elements: Vec<&'a RawValue> = serde_json::from_str(raw).ok()?;
        elements
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let raw = e.get();
                Some(Item {
                    raw,
                    value: serde_json::from_str(raw).ok()?,
                    path: format!("{key}[{i}]"),
                    line: self.lines.line_of(raw),
                })
            })
            .collect()
    }
}

/// Maps byte positions of the input text to 1-based line numbers.
pub struct LineIndex {
    base: usize,
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self {
            base: text.as_ptr() as usize,
            starts,
        }
    }

    /// Line of the first byte of `part`, a slice of the indexed text.
    pub fn line_of(&self, part: &str) -> usize {
        let offset = (part.as_ptr() as usize).saturating_sub(self.base);
        self.starts.partition_point(|s| *s <= offset).max(1)
    }
}

/// Reads a transcript in `dialect` from `bytes` into `sink`.
pub(crate) fn read(
    dialect: &Dialect,
    file: &str,
    bytes: &[u8],
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    let mut stats = ReadStats::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = Location::Offset(e.valid_up_to() as u64);
            return Err(IngestError::new(file, at, None, "transcript is not UTF-8 text").into());
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = LineIndex::new(text);
    let mut skipped = Vec::new();
    let mut report = |bad: Bad| -> Result<(), ReadError> {
        let field = Some(bad.field).filter(|f| !f.is_empty());
        let error = IngestError::new(file, Location::Line(bad.line), field, bad.message);
        match on_invalid {
            OnInvalid::Fail => Err(error.into()),
            OnInvalid::Skip => {
                skipped.push(error);
                Ok(())
            }
        }
    };
    let mut built = Vec::new();
    for conv in split(dialect, text, &lines, &mut report)? {
        stats.records += conv.items.len();
        let turns = (dialect.turns)(&conv, &mut report)?;
        built.push(build::spans(dialect.format, file, &conv, turns));
    }
    stats.skipped = skipped.len();
    for error in skipped {
        sink.skipped(error);
    }
    for spans in built {
        stats.spans += spans.len();
        sink.spans(spans).map_err(|source| ReadError::Sink {
            file: file.to_owned(),
            source,
        })?;
    }
    Ok(stats)
}

/// One JSON document is one conversation; JSON Lines are one conversation of records, or one
/// conversation per line when lines are envelopes (request bodies, fine-tuning datasets).
fn split<'a>(
    dialect: &Dialect,
    text: &'a str,
    lines: &'a LineIndex,
    report: &mut dyn FnMut(Bad) -> Result<(), ReadError>,
) -> Result<Vec<Conversation<'a>>, ReadError> {
    let trimmed = text.trim();
    let whole_error = match serde_json::from_str::<Value>(trimmed) {
        Ok(value) => {
            let doc = Doc {
                raw: trimmed,
                value,
                lines,
            };
            return Ok(conversations_of(dialect, doc));
        }
        Err(e) => e,
    };
    // One pretty-printed document with a syntax error, rather than JSON Lines: report it whole.
    let first_line = text.lines().map(str::trim).find(|l| !l.is_empty());
    if first_line.is_none_or(|l| serde_json::from_str::<Value>(l).is_err()) {
        let line = lines.line_of(trimmed) + whole_error.line().saturating_sub(1);
        let message = if trimmed.is_empty() {
            "empty input".to_owned()
        } else {
            format!("not valid JSON: {whole_error}")
        };
        report(Bad {
            field: String::new(),
            message,
            line,
        })?;
        return Ok(Vec::new());
    }
    let mut records = Vec::new();
    let mut per_line = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line_text = line.trim();
        if line_text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line_text) {
            Ok(value) => {
                let doc = Doc {
                    raw: line_text,
                    value,
                    lines,
                };
                match (dialect.envelope)(&doc) {
                    Some(_) => per_line.push(conversation_of(dialect, doc)),
                    None => records.push(Item {
                        raw: line_text,
                        value: doc.value,
                        path: String::new(),
                        line: i + 1,
                    }),
                }
            }
            Err(e) => report(Bad {
                field: String::new(),
                message: format!("not valid JSON: {e}"),
                line: i + 1,
            })?,
        }
    }
    if !records.is_empty() {
        let raw = records.iter().map(|r| r.raw).collect::<Vec<_>>().join("\n");
        per_line.insert(
            0,
            Conversation {
                items: records,
                raw,
                envelope: None,
            },
        );
    }
    Ok(per_line)
}

/// A whole document: one conversation, or one per element of an array of envelopes (datasets).
fn conversations_of<'a>(dialect: &Dialect, doc: Doc<'a>) -> Vec<Conversation<'a>> {
    if let Some(elements) = doc.own_elements() {
        let docs: Vec<Doc<'a>> = elements
            .into_iter()
            .map(|item| Doc {
                raw: item.raw,
                value: item.value,
                lines: doc.lines,
            })
            .collect();
        if !docs.is_empty() && docs.iter().all(|d| (dialect.envelope)(d).is_some()) {
            return docs
                .into_iter()
                .map(|d| conversation_of(dialect, d))
                .collect();
        }
    }
    vec![conversation_of(dialect, doc)]
}

fn conversation_of<'a>(dialect: &Dialect, doc: Doc<'a>) -> Conversation<'a> {
    let raw = doc.raw.to_owned();
    if let Some(items) = (dialect.envelope)(&doc) {
        return Conversation {
            items,
            raw,
            envelope: Some(doc.value),
        };
    }
    if let Some(items) = doc.own_elements() {
        return Conversation {
            items,
            raw,
            envelope: None,
        };
    }
    let line = doc.lines.line_of(doc.raw);
    let item = Item {
        raw: doc.raw,
        value: doc.value,
        path: String::new(),
        line,
    };
    Conversation {
        items: vec![item],
        raw,
        envelope: None,
    }
}

/// The envelope's `model`, if any.
pub fn envelope_model(conv: &Conversation<'_>) -> Option<String> {
    conv.envelope
        .as_ref()?
        .get("model")?
        .as_str()
        .map(str::to_owned)
}

/// Message content as GenAI parts: strings and text blocks become text parts; anything else
/// (images, files, provider-specific blocks) is kept as given.
pub(crate) fn content_parts(content: &Value) -> Vec<Part> {
    let block = |b: &Value| match b {
        Value::String(s) => Part::Text(s.clone()),
        _ => {
            let kind = b.get("type").and_then(Value::as_str).unwrap_or_default();
            let text = match kind {
                "text" | "input_text" | "output_text" => b.get("text").and_then(Value::as_str),
                "refusal" => b.get("refusal").and_then(Value::as_str),
                _ => None,
            };
            text.map_or_else(|| Part::Other(b.clone()), |t| Part::Text(t.to_owned()))
        }
    };
    match content {
        Value::Null => Vec::new(),
        Value::Array(blocks) => blocks.iter().map(block).collect(),
        other => vec![block(other)],
    }
}

/// A string field of a JSON object.
pub(crate) fn str_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}
