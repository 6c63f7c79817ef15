//! Gemini CLI chat logs (`~/.gemini/tmp/<project>/chats/session-*.jsonl`, `.json` before
//! v0.39): a metadata line then message records (a record appended again with the same `id`
//! replaces the earlier copy; `$set` updates metadata, `$rewindTo` rewinds), or one JSON object
//! `{sessionId, projectHash, messages: [...]}`.
//!
//! Owns the mapping to a [`Session`]: each `gemini` message's `toolCalls` array is one batch,
//! each call record carrying its own result and status. Batches already seen are kept when a
//! `$set` replaces the message list or a `$rewindTo` cuts it (they ran). Call timestamps are
//! recording times, all about the batch end, so no per-call timing is kept.

use std::collections::HashMap;

use serde_json::Value;

use super::{json_lines, parse_time, str_of, Agent, Call, Response, Session, Step};
use crate::ingest::synth::Part;
use crate::ingest::ReadError;

/// The metadata line (or a whole old-style document).
pub fn sniff_line(line: &Value) -> bool {
    line.get("sessionId").is_some()
        && line.get("projectHash").is_some()
        && (line.get("startTime").is_some() || line.get("messages").is_some())
}

pub fn sniff_document(doc: &Value) -> bool {
    sniff_line(doc) && doc.get("messages").is_some_and(Value::is_array)
}

/// Reads a chat log; returns the session and the number of records read.
pub fn read(
    text: &str,
    bad: &mut dyn FnMut(usize, String) -> Result<(), ReadError>,
) -> Result<(Session, usize), ReadError> {
    let mut session = Session::new(Agent::Gemini);
    session.timed = false;
    // Messages by id, in first-seen order, last copy wins.
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, Value> = HashMap::new();
    let put = |m: &Value, order: &mut Vec<String>, by_id: &mut HashMap<String, Value>| {
        let id = str_of(m, "id")
            .map(str::to_owned)
            .unwrap_or_else(|| format!("#{}", order.len()));
        if !by_id.contains_key(&id) {
            order.push(id.clone());
        }
        by_id.insert(id, m.clone());
    };
    let records;
    if let Ok(doc) = serde_json::from_str::<Value>(text.trim()) {
        meta(&mut session, &doc);
        let messages = doc.get("messages").and_then(Value::as_array);
        records = messages.map_or(0, Vec::len);
        for m in messages.into_iter().flatten() {
            put(m, &mut order, &mut by_id);
        }
    } else {
        let lines = json_lines(text, &mut *bad)?;
        records = lines.len();
        for line in &lines {
            let v = &line.value;
            if let Some(set) = v.get("$set") {
                meta(&mut session, set);
                for m in set
                    .get("messages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    put(m, &mut order, &mut by_id);
                }
            } else if v.get("$rewindTo").is_some() {
                // Kept: the calls after the rewind point ran before the user rewound.
            } else if v.get("type").is_some() && v.get("id").is_some() {
                put(v, &mut order, &mut by_id);
            } else if sniff_line(v) {
                meta(&mut session, v);
            }
        }
    }
    for id in &order {
        if let Some(m) = by_id.get(id) {
            message(&mut session, m);
        }
    }
    Ok((session, records))
}

fn meta(session: &mut Session, v: &Value) {
    if session.session_id.is_none() {
        session.session_id = str_of(v, "sessionId").map(str::to_owned);
    }
    if session.cwd.is_none() {
        session.cwd = v
            .get("directories")
            .and_then(Value::as_array)
            .and_then(|d| d.first())
            .and_then(Value::as_str)
            .map(str::to_owned);
    }
}

fn text_of(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| str_of(p, "text"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn message(session: &mut Session, m: &Value) {
    let at = parse_time(m.get("timestamp"));
    let raw = m.to_string();
    match str_of(m, "type") {
        Some("gemini") => {
            let model = str_of(m, "model").map(str::to_owned);
            if session.model.is_none() {
                session.model.clone_from(&model);
            }
            let mut parts = Vec::new();
            for t in m
                .get("thoughts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let text = [str_of(t, "subject"), str_of(t, "description")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ");
                parts.push((parts.len() as u64, Part::Reasoning(text)));
            }
            let text = text_of(m.get("content"));
            if !text.is_empty() {
                parts.push((parts.len() as u64, Part::Text(text)));
            }
            let records: Vec<&Value> = m
                .get("toolCalls")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let calls: Vec<(u64, Call)> = records
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let arguments = c.get("args").cloned().unwrap_or(Value::Null);
                    let cwd = str_of(&arguments, "dir_path")
                        .or_else(|| str_of(&arguments, "directory"))
                        .map(str::to_owned)
                        .or_else(|| session.cwd.clone());
                    let call = Call {
                        id: str_of(c, "id").map_or_else(
                            || format!("call#{i}@{raw_len}", raw_len = raw.len()),
                            str::to_owned,
                        ),
                        name: str_of(c, "name").unwrap_or("unknown").to_owned(),
                        arguments,
                        at,
                        cwd,
                    };
                    (i as u64, call)
                })
                .collect();
            session.steps.push(Step::Response(Response {
                model,
                parts,
                calls: calls.clone(),
                start: at,
                end: at,
                finish_reason: None,
                record: raw.clone(),
            }));
            for (record, (_, call)) in records.iter().zip(calls) {
                let status = str_of(record, "status").unwrap_or("success");
                let error = match status {
                    "error" => Some("tool_error".to_owned()),
                    "cancelled" => Some("cancelled".to_owned()),
                    _ => None,
                };
                if status == "cancelled" && record.get("result").is_none() {
                    continue;
                }
                session.steps.push(Step::Result {
                    call_id: call.id,
                    content: record
                        .get("resultDisplay")
                        .filter(|d| d.is_string())
                        .or_else(|| record.get("result"))
                        .cloned()
                        .unwrap_or(Value::Null),
                    error,
                    at: parse_time(record.get("timestamp")).or(at),
                    record: record.to_string(),
                    subagent: None,
                });
            }
        }
        Some(kind) => {
            let role = if kind == "user" { "user" } else { "system" };
            let text = text_of(m.get("content"));
            // Function responses echoed as a user message are already in the call records.
            if !text.is_empty() {
                session.steps.push(Step::Input {
                    role: role.to_owned(),
                    text,
                    at,
                });
            }
        }
        None => {}
    }
}
