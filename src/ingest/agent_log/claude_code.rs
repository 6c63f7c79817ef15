//! Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl` and subagent files):
//! one JSON line per content block, `type` `user` / `assistant` / `system` / others.
//!
//! Owns the mapping to a [`Session`]: assistant lines are grouped into one response by
//! `message.id` (else `requestId`, else the line's `uuid`), even when result lines of the same
//! response sit between its block lines; blocks are ordered by `apiBlockIndex` when present;
//! `tool_result` blocks are joined to their `tool_use` by id (the first copy wins; replays after
//! resume or compaction are dropped). Also reads the web-export shape `{"loglines": [...]}`.
//! Line types this reader does not use (progress, attachments, snapshots...) are skipped.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{
    json_lines, parse_time, str_of, unreadable, Agent, Call, Line, Response, Session, Sidechain,
    Step,
};
use crate::ingest::synth::Part;
use crate::ingest::ReadError;

/// Line types of Claude Code transcripts (fact sheet §1.3).
const LINE_TYPES: &[&str] = &[
    "user",
    "assistant",
    "system",
    "summary",
    "file-history-snapshot",
    "queue-operation",
    "progress",
    "attachment",
];

/// Envelope keys only Claude Code lines carry.
const ENVELOPE_KEYS: &[&str] = &[
    "sessionId",
    "parentUuid",
    "leafUuid",
    "isSidechain",
    "messageId",
    "requestId",
    "toolUseResult",
];

/// One line of a Claude Code transcript.
pub fn sniff_line(line: &Value) -> bool {
    let Some(kind) = str_of(line, "type") else {
        return false;
    };
    if !LINE_TYPES.contains(&kind) {
        return false;
    }
    ENVELOPE_KEYS.iter().any(|k| line.get(k).is_some())
        || (matches!(kind, "user" | "assistant")
            && line.get("message").is_some_and(Value::is_object)
            && line.get("timestamp").is_some())
}

/// A whole document: the web export `{"loglines": [...]}` or an array of transcript lines.
pub fn sniff_document(doc: &Value) -> bool {
    let lines = doc
        .get("loglines")
        .and_then(Value::as_array)
        .or_else(|| doc.as_array());
    lines.is_some_and(|l| l.iter().take(50).any(sniff_line))
}

/// The subagent's `.meta.json` beside its transcript, when the input is a file on disk.
fn read_meta(file: &str) -> Option<Value> {
    let path = std::path::Path::new(file);
    let stem = path.file_name()?.to_str()?.strip_suffix(".jsonl")?;
    let meta = path.with_file_name(format!("{stem}.meta.json"));
    let text = std::fs::read_to_string(meta).ok()?;
    serde_json::from_str(&text).ok()
}

/// Reads a transcript; returns the session and the number of lines read.
pub fn read(
    file: &str,
    text: &str,
    bad: &mut dyn FnMut(usize, String) -> Result<(), ReadError>,
) -> Result<(Session, usize), ReadError> {
    let trimmed = text.trim();
    let lines: Vec<Line<'_>> = match serde_json::from_str::<Value>(trimmed) {
        Ok(doc) if sniff_document(&doc) => {
            let list = doc
                .get("loglines")
                .and_then(Value::as_array)
                .or_else(|| doc.as_array())
                .cloned()
                .unwrap_or_default();
            list.into_iter()
                .enumerate()
                .map(|(i, value)| Line {
                    number: i + 1,
                    raw: "",
                    value,
                })
                .collect()
        }
        _ => json_lines(text, &mut *bad)?,
    };
    let mut reader = Reader::new();
    for line in &lines {
        reader.line(line, bad)?;
    }
    let mut session = reader.finish();
    if session.sidechain.is_some() {
        if let Some(meta) = read_meta(file) {
            let side = session.sidechain.get_or_insert_with(Sidechain::default);
            side.parent_call_id = str_of(&meta, "toolUseId").map(str::to_owned);
        }
    }
    Ok((session, lines.len()))
}

struct Reader {
    session: Session,
    /// Response step index by group key.
    groups: HashMap<String, usize>,
    /// Key of the latest response.
    latest: Option<String>,
    calls_seen: HashSet<String>,
    results_seen: HashSet<String>,
    /// Time of the latest line that was not part of a response (the next request starts then).
    last_input_at: Option<u64>,
    /// Calls by id: name, to tell subagent-spawning calls.
    call_names: HashMap<String, String>,
}

impl Reader {
    fn new() -> Self {
        Self {
            session: Session::new(Agent::ClaudeCode),
            groups: HashMap::new(),
            latest: None,
            calls_seen: HashSet::new(),
            results_seen: HashSet::new(),
            last_input_at: None,
            call_names: HashMap::new(),
        }
    }

    fn meta(&mut self, v: &Value) {
        let s = &mut self.session;
        let set = |slot: &mut Option<String>, key: &str| {
            if slot.is_none() {
                *slot = str_of(v, key).filter(|x| !x.is_empty()).map(str::to_owned);
            }
        };
        set(&mut s.version, "version");
        set(&mut s.session_id, "sessionId");
        set(&mut s.cwd, "cwd");
        set(&mut s.git_branch, "gitBranch");
        if v.get("isSidechain").and_then(Value::as_bool) == Some(true) && s.sidechain.is_none() {
            s.sidechain = Some(Sidechain {
                agent_id: str_of(v, "agentId").map(str::to_owned),
                parent_session: str_of(v, "sessionId").map(str::to_owned),
                parent_call_id: None,
            });
        }
    }

    fn line(
        &mut self,
        line: &Line<'_>,
        bad: &mut dyn FnMut(usize, String) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        let v = &line.value;
        let at = parse_time(v.get("timestamp"));
        match str_of(v, "type") {
            Some("assistant") => {
                self.meta(v);
                let Some(message) = v.get("message").filter(|m| m.is_object()) else {
                    return bad(
                        line.number,
                        unreadable(&self.session, "assistant line without a `message` object"),
                    );
                };
                let Some(blocks) = blocks(message) else {
                    return bad(
                        line.number,
                        unreadable(
                            &self.session,
                            "assistant `message.content` is neither text nor a block list",
                        ),
                    );
                };
                self.assistant(line, message, blocks, at);
            }
            Some("user") => {
                self.meta(v);
                let Some(message) = v.get("message").filter(|m| m.is_object()) else {
                    return bad(
                        line.number,
                        unreadable(&self.session, "user line without a `message` object"),
                    );
                };
                let Some(blocks) = blocks(message) else {
                    return bad(
                        line.number,
                        unreadable(
                            &self.session,
                            "user `message.content` is neither text nor a block list",
                        ),
                    );
                };
                self.user(line, blocks, at);
            }
            Some("system") => {
                self.meta(v);
                if str_of(v, "subtype") == Some("compact_boundary") {
                    let meta = v.get("compactMetadata");
                    let trigger = meta.and_then(|m| str_of(m, "trigger")).unwrap_or("unknown");
                    let tokens = meta
                        .and_then(|m| m.get("preTokens"))
                        .and_then(Value::as_u64)
                        .map(|t| format!(", {t} tokens before"))
                        .unwrap_or_default();
                    self.input(
                        "system",
                        format!("[conversation compacted: trigger {trigger}{tokens}]"),
                        at,
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn input(&mut self, role: &str, text: String, at: Option<u64>) {
        self.session.steps.push(Step::Input {
            role: role.to_owned(),
            text,
            at,
        });
        self.last_input_at = at.or(self.last_input_at);
        self.latest = None;
    }

    fn assistant(&mut self, line: &Line<'_>, message: &Value, blocks: Vec<Value>, at: Option<u64>) {
        let v = &line.value;
        let key = str_of(message, "id")
            .or_else(|| str_of(v, "requestId"))
            .or_else(|| str_of(v, "uuid"))
            .map_or_else(|| format!("line {}", line.number), str::to_owned);
        let model = str_of(message, "model")
            .filter(|m| !m.starts_with('<'))
            .map(str::to_owned);
        if self.session.model.is_none() {
            self.session.model.clone_from(&model);
        }
        let block_base = v.get("apiBlockIndex").and_then(Value::as_u64);
        let existed = self.groups.contains_key(&key);
        let index = match self.groups.get(&key) {
            Some(i) => *i,
            None => {
                self.session.steps.push(Step::Response(Response {
                    model,
                    parts: Vec::new(),
                    calls: Vec::new(),
                    start: self.last_input_at.or(at),
                    end: at,
                    finish_reason: None,
                    record: String::new(),
                }));
                let i = self.session.steps.len() - 1;
                self.groups.insert(key.clone(), i);
                i
            }
        };
        // A group seen before a later response is a replay: only new calls are kept.
        let replay = existed && self.latest.as_deref() != Some(key.as_str());
        self.latest = Some(key);
        let cwd = str_of(v, "cwd").map(str::to_owned);
        let Some(Step::Response(resp)) = self.session.steps.get_mut(index) else {
            return;
        };
        if !line.raw.is_empty() {
            if !resp.record.is_empty() {
                resp.record.push('\n');
            }
            resp.record.push_str(line.raw);
        }
        resp.end = at.max(resp.end);
        if let Some(reason) = str_of(message, "stop_reason") {
            resp.finish_reason = Some(reason.to_owned());
        }
        let order_base = block_base.unwrap_or(u64::try_from(line.number).unwrap_or(0) << 16);
        for (i, block) in blocks.iter().enumerate() {
            let order = order_base + i as u64;
            match str_of(block, "type") {
                Some("tool_use") => {
                    let Some(id) = str_of(block, "id") else {
                        continue;
                    };
                    if !self.calls_seen.insert(id.to_owned()) {
                        continue;
                    }
                    let name = str_of(block, "name").unwrap_or("unknown").to_owned();
                    self.call_names.insert(id.to_owned(), name.clone());
                    resp.calls.push((
                        order,
                        Call {
                            id: id.to_owned(),
                            name,
                            arguments: block.get("input").cloned().unwrap_or(Value::Null),
                            at,
                            cwd: cwd.clone(),
                        },
                    ));
                }
                _ if replay => {}
                Some("text") => {
                    if let Some(t) = str_of(block, "text") {
                        resp.parts.push((order, Part::Text(t.to_owned())));
                    }
                }
                Some("thinking") => {
                    if let Some(t) = str_of(block, "thinking").filter(|t| !t.is_empty()) {
                        resp.parts.push((order, Part::Reasoning(t.to_owned())));
                    }
                }
                _ => {}
            }
        }
    }

    fn user(&mut self, line: &Line<'_>, blocks: Vec<Value>, at: Option<u64>) {
        let v = &line.value;
        let mut texts = Vec::new();
        for block in &blocks {
            match str_of(block, "type") {
                Some("tool_result") => {
                    let Some(id) = str_of(block, "tool_use_id") else {
                        continue;
                    };
                    if !self.results_seen.insert(id.to_owned()) {
                        continue;
                    }
                    let content = block.get("content").cloned().unwrap_or(Value::Null);
                    let is_error = block.get("is_error").and_then(Value::as_bool) == Some(true);
                    let text = crate::ingest::synth::result_text(&content);
                    let error = is_error.then(|| {
                        if text.contains("Sibling tool call errored")
                            || text.contains("Cancelled: parallel tool call")
                        {
                            "cancelled_by_sibling".to_owned()
                        } else {
                            "tool_error".to_owned()
                        }
                    });
                    let spawns = self
                        .call_names
                        .get(id)
                        .is_some_and(|n| matches!(n.as_str(), "Agent" | "Task"));
                    let subagent = spawns
                        .then(|| subagent_id(v.get("toolUseResult"), &text))
                        .flatten();
                    self.session.steps.push(Step::Result {
                        call_id: id.to_owned(),
                        content,
                        error,
                        at,
                        record: line.raw.to_owned(),
                        subagent,
                    });
                    self.last_input_at = at.or(self.last_input_at);
                }
                Some("text") => {
                    if let Some(t) = str_of(block, "text") {
                        texts.push(t.to_owned());
                    }
                }
                Some(other) => texts.push(format!("[{other}]")),
                None => {
                    if let Some(t) = block.as_str() {
                        texts.push(t.to_owned());
                    }
                }
            }
        }
        if !texts.is_empty() {
            self.input("user", texts.join("\n"), at);
        }
    }

    fn finish(self) -> Session {
        let mut session = self.session;
        for step in &mut session.steps {
            if let Step::Response(r) = step {
                r.parts.sort_by_key(|(o, _)| *o);
                r.calls.sort_by_key(|(o, _)| *o);
            }
        }
        session
    }
}

/// The content blocks of a message: a string is one text block.
fn blocks(message: &Value) -> Option<Vec<Value>> {
    match message.get("content")? {
        Value::String(s) => Some(vec![serde_json::json!({"type": "text", "text": s})]),
        Value::Array(a) => Some(a.clone()),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// The subagent an `Agent`/`Task` call started: `toolUseResult.agentId`, or an `agentId: <id>`
/// line in the result text.
fn subagent_id(structured: Option<&Value>, text: &str) -> Option<String> {
    if let Some(id) = structured.and_then(|s| str_of(s, "agentId")) {
        return Some(id.to_owned());
    }
    let at = text.find("agentId:")?;
    let id: String = text[at + "agentId:".len()..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!id.is_empty()).then_some(id)
}
