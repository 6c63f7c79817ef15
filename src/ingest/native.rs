//! fanout's native JSONL format (spec: docs/native-format.md), for agent runs recorded without
//! OpenTelemetry: a header line, then one record per line (`run`, `model_call`, `tool_call`,
//! `final_answer`).
//!
//! This module reads the lines, checks the header and the rules that span records (one run, unique
//! ids, all calls timed or none), and hands the records to [`spans`], which turns them into
//! synthetic GenAI spans; [`records`] checks one line's fields and [`messages`] the messages in
//! it. It never panics on input, reports each problem with file, 1-based line and field, and
//! knows nothing of the store.

mod messages;
mod records;
mod spans;

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::Value;
use sha2::{Digest, Sha256};

use self::records::{parse_record, FieldError, Record};
use super::{IngestError, Location, OnInvalid, ReadError, ReadStats, Sink};
use crate::model::span::json_kind;

/// The major version of the format this build reads and writes.
pub const VERSION: u64 = 1;

/// Whether `first_line` is a native header (`{"fanout":"native", ...}`), for format detection.
/// A line cut short still counts when its start says so.
pub fn looks_native(first_line: &str) -> bool {
    let line = first_line.trim_start_matches('\u{feff}').trim();
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) {
        return o.get("fanout").and_then(Value::as_str) == Some("native");
    }
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.starts_with('{') && compact.contains("\"fanout\":\"native\"")
}

/// One accepted record line.
struct Line<T> {
    number: usize,
    raw: String,
    record: T,
}

/// Everything accepted from one file, ready to become spans.
struct Parsed {
    header: String,
    run: Option<Line<records::RunRec>>,
    calls: Vec<Line<Record>>,
    final_answer: Option<Line<records::FinalAnswerRec>>,
    /// Whether the calls carry times (`None`: no call record at all).
    timed: Option<bool>,
    content_hash: [u8; 32],
}

/// Reads a native file from `reader` into `sink`: the header, then every record line.
pub fn read(
    file: &str,
    mut reader: impl BufRead,
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    let mut stats = ReadStats::default();
    let mut hasher = Sha256::new();
    let mut state: Option<State> = None;
    let mut buf = Vec::new();
    let mut number = 0usize;
    loop {
        buf.clear();
        let n = super::bounded::read_line(file, &mut reader, &mut buf, number + 1)?;
        if n == 0 {
            break;
        }
        number += 1;
        let line = match std::str::from_utf8(&buf) {
            Ok(s) => s.trim_end_matches(['\n', '\r']),
            Err(e) => {
                let err = IngestError::new(
                    file,
                    Location::Line(number),
                    None,
                    format!("not UTF-8 text: {e}"),
                );
                match (&state, on_invalid) {
                    (Some(_), OnInvalid::Skip) => {
                        stats.skipped += 1;
                        sink.skipped(err);
                        continue;
                    }
                    _ => return Err(err.into()),
                }
            }
        };
        let line = if number == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        if line.trim().is_empty() {
            continue;
        }
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
        let Some(st) = state.as_mut() else {
            header(line).map_err(|e| located(file, number, e))?;
            state = Some(State::new(line));
            continue;
        };
        stats.records += 1;
        if let Err(e) = st.accept(number, line) {
            let err = located(file, number, e);
            match on_invalid {
                OnInvalid::Fail => return Err(err.into()),
                OnInvalid::Skip => {
                    stats.skipped += 1;
                    sink.skipped(err);
                }
            }
        }
    }
    let Some(mut st) = state else {
        return Err(IngestError::new(
            file,
            Location::Whole,
            None,
            "empty input: a native file starts with a header line {\"fanout\":\"native\",\"version\":1}",
        )
        .into());
    };
    if let Some((number, e)) = st.dangling_final_answer() {
        let err = located(file, number, e);
        match on_invalid {
            OnInvalid::Fail => return Err(err.into()),
            OnInvalid::Skip => {
                stats.skipped += 1;
                sink.skipped(err);
                st.parsed.final_answer = None;
            }
        }
    }
    st.parsed.content_hash = hasher.finalize().into();
    let spans = spans::build(&st.parsed);
    stats.spans = spans.len();
    if !spans.is_empty() {
        sink.spans(spans).map_err(|source| ReadError::Sink {
            file: file.to_owned(),
            source,
        })?;
    }
    Ok(stats)
}

fn located(file: &str, line: usize, e: FieldError) -> IngestError {
    IngestError::new(file, Location::Line(line), e.field, e.message)
}

fn field_err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: Some(field.into()),
        message: message.into(),
    }
}

/// Checks the header line: `{"fanout":"native","version":1, ...}`.
fn header(line: &str) -> Result<(), FieldError> {
    const SHAPE: &str = "{\"fanout\":\"native\",\"version\":1}";
    let value: Value = serde_json::from_str(line).map_err(|e| {
        field_err(
            "fanout",
            format!(
                "missing header: a native file starts with {SHAPE}; this line is not JSON ({e})"
            ),
        )
    })?;
    let Value::Object(o) = &value else {
        return Err(field_err(
            "fanout",
            format!(
                "missing header: a native file starts with {SHAPE}, got {}",
                json_kind(&value)
            ),
        ));
    };
    match o.get("fanout") {
        Some(Value::String(s)) if s == "native" => {}
        Some(other) => {
            return Err(field_err(
                "fanout",
                format!("{other} is not a format this fanout reads (expected \"native\")"),
            ))
        }
        None => {
            let found = o
                .get("type")
                .and_then(Value::as_str)
                .map(|t| format!(" (found a '{t}' record first)"));
            return Err(field_err(
                "fanout",
                format!(
                    "missing header: a native file starts with {SHAPE}{}",
                    found.unwrap_or_default()
                ),
            ));
        }
    }
    match o.get("version") {
        None | Some(Value::Null) => Err(field_err("version", format!("missing: the header names the format version ({SHAPE})"))),
        Some(v) => match v.as_u64() {
            Some(n) if n > VERSION => Err(field_err(
                "version",
                format!("this file is native format version {n}, newer than this fanout reads ({VERSION}): upgrade fanout"),
            )),
            Some(n) if n >= 1 => Ok(()),
            _ => Err(field_err("version", format!("must be a positive integer (the major version), got {v}"))),
        },
    }
}

/// Records accepted so far and the indexes that cross-record rules need.
struct State {
    parsed: Parsed,
    model_calls: HashMap<String, usize>,
    emitted: HashMap<String, (String, usize)>,
    tool_calls: HashMap<String, usize>,
    /// Line of the first call record, which fixed whether the run is timed.
    timing_line: usize,
}

impl State {
    fn new(header: &str) -> Self {
        Self {
            parsed: Parsed {
                header: header.to_owned(),
                run: None,
                calls: Vec::new(),
                final_answer: None,
                timed: None,
                content_hash: [0; 32],
            },
            model_calls: HashMap::new(),
            emitted: HashMap::new(),
            tool_calls: HashMap::new(),
            timing_line: 0,
        }
    }

    /// Parses and checks one record line; on error nothing of it is kept.
    fn accept(&mut self, number: usize, line: &str) -> Result<(), FieldError> {
        let value: Value = serde_json::from_str(line).map_err(|e| FieldError {
            field: None,
            message: format!("not valid JSON: {e}"),
        })?;
        let Value::Object(obj) = &value else {
            return Err(FieldError {
                field: None,
                message: format!("a record must be a JSON object, got {}", json_kind(&value)),
            });
        };
        let record = parse_record(obj)?;
        let raw = line.to_owned();
        match record {
            Record::Run(run) => {
                if let Some(first) = &self.parsed.run {
                    return Err(field_err("type", format!("a second run record (the first is on line {}): a native file holds one run", first.number)));
                }
                self.parsed.run = Some(Line {
                    number,
                    raw,
                    record: run,
                });
            }
            Record::FinalAnswer(answer) => {
                if let Some(first) = &self.parsed.final_answer {
                    return Err(field_err(
                        "type",
                        format!(
                            "a second final_answer record (the first is on line {})",
                            first.number
                        ),
                    ));
                }
                self.parsed.final_answer = Some(Line {
                    number,
                    raw,
                    record: answer,
                });
            }
            Record::ModelCall(ref mc) => {
                self.check_timing(record.times().is_some())?;
                if let Some(first) = self.model_calls.get(&mc.id) {
                    return Err(field_err(
                        "id",
                        format!("model_call id '{}' is already used on line {first}", mc.id),
                    ));
                }
                let mut seen = HashMap::new();
                for (i, call) in mc.tool_calls.iter().enumerate() {
                    let earlier = self
                        .emitted
                        .get(&call.id)
                        .map(|(m, _)| m.clone())
                        .or_else(|| seen.get(&call.id).cloned());
                    if let Some(by) = earlier {
                        return Err(field_err(
                            format!("tool_calls[{i}].id"),
                            format!(
                                "tool call id '{}' is already emitted by model_call '{by}'",
                                call.id
                            ),
                        ));
                    }
                    seen.insert(call.id.clone(), mc.id.clone());
                }
                self.model_calls.insert(mc.id.clone(), number);
                self.emitted
                    .extend(seen.into_iter().map(|(id, m)| (id, (m, number))));
                self.commit_timing(number, record.times().is_some());
                self.parsed.calls.push(Line {
                    number,
                    raw,
                    record,
                });
            }
            Record::ToolCall(ref tc) => {
                self.check_timing(record.times().is_some())?;
                if let Some(first) = self.tool_calls.get(&tc.id) {
                    return Err(field_err(
                        "id",
                        format!(
                            "tool_call id '{}' is already recorded on line {first}",
                            tc.id
                        ),
                    ));
                }
                self.tool_calls.insert(tc.id.clone(), number);
                self.commit_timing(number, record.times().is_some());
                self.parsed.calls.push(Line {
                    number,
                    raw,
                    record,
                });
            }
        }
        Ok(())
    }

    /// Every model_call and tool_call has times, or none has: a partly timed run would mix real
    /// durations with invented ones.
    fn check_timing(&self, has_times: bool) -> Result<(), FieldError> {
        match self.parsed.timed {
            Some(true) if !has_times => Err(field_err(
                "started_at",
                format!("missing: line {} has times, so every model_call and tool_call needs them (or none may have them)", self.timing_line),
            )),
            Some(false) if has_times => Err(field_err(
                "started_at",
                format!("line {} has no times, so no model_call or tool_call may have them (give times on all or none)", self.timing_line),
            )),
            _ => Ok(()),
        }
    }

    fn commit_timing(&mut self, number: usize, has_times: bool) {
        if self.parsed.timed.is_none() {
            self.parsed.timed = Some(has_times);
            self.timing_line = number;
        }
    }

    /// A final answer naming a model call that is not in the file.
    fn dangling_final_answer(&self) -> Option<(usize, FieldError)> {
        let answer = self.parsed.final_answer.as_ref()?;
        let id = answer.record.model_call.as_ref()?;
        if self.model_calls.contains_key(id) {
            return None;
        }
        Some((
            answer.number,
            field_err(
                "model_call",
                format!("no model_call with id '{id}' in this file"),
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_even_when_cut_short() {
        assert!(looks_native("{\"fanout\":\"native\",\"version\":1}"));
        assert!(looks_native(
            "\u{feff} { \"fanout\" : \"native\", \"version\": 1, \"producer\": \"x"
        ));
        assert!(!looks_native("{\"fanout\":\"other\",\"version\":1}"));
        assert!(!looks_native("{\"resourceSpans\":[]}"));
        assert!(!looks_native(""));
    }

    #[test]
    fn header_errors_name_the_field() {
        assert_eq!(
            header("{\"type\":\"run\"}").unwrap_err().field.as_deref(),
            Some("fanout")
        );
        assert_eq!(
            header("{\"fanout\":\"native\"}")
                .unwrap_err()
                .field
                .as_deref(),
            Some("version")
        );
        let e = header("{\"fanout\":\"native\",\"version\":2}").unwrap_err();
        assert!(e.message.contains("upgrade fanout"), "{}", e.message);
        assert!(header("{\"fanout\":\"native\",\"version\":0}").is_err());
        assert!(header("{\"fanout\":\"native\",\"version\":1,\"producer\":\"me\"}").is_ok());
    }
}
