//! Codex CLI rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): lines
//! `{timestamp, type, payload}` of kind `session_meta`, `turn_context`, `response_item`,
//! `event_msg`, `compacted`; early rollouts had no envelope (a header line, then bare items).
//!
//! Owns the mapping to a [`Session`]. No response id is written, so a response is delimited by
//! position: it ends at a `token_count` event, at a new turn or user message, or when reasoning
//! or assistant text follows an output. Its call items (`function_call`, `custom_tool_call`,
//! `local_shell_call`, `web_search_call`) are the batch; outputs are joined by `call_id`.
//! Only `response_item`s build batches (`event_msg`s repeat them for the UI).

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{json_lines, parse_time, str_of, Agent, Call, Response, Session, Sidechain, Step};
use crate::ingest::synth::Part;
use crate::ingest::ReadError;

const KINDS: &[&str] = &[
    "session_meta",
    "turn_context",
    "response_item",
    "event_msg",
    "compacted",
];

/// One line of a rollout: the `{timestamp, type, payload}` envelope with a rollout kind.
pub fn sniff_line(line: &Value) -> bool {
    str_of(line, "type").is_some_and(|k| KINDS.contains(&k))
        && line.get("payload").is_some_and(Value::is_object)
}

/// An early rollout without the envelope: a header line with the session `id` and `timestamp`
/// (no `type`), then bare response items.
pub fn sniff_unenveloped(lines: &[Value]) -> bool {
    let Some((header, items)) = lines.split_first() else {
        return false;
    };
    let is_header = header.get("id").is_some()
        && header.get("timestamp").is_some()
        && header.get("type").is_none()
        && header.get("role").is_none();
    is_header
        && items.iter().take(20).any(|i| {
            matches!(
                str_of(i, "type"),
                Some(
                    "message"
                        | "reasoning"
                        | "function_call"
                        | "function_call_output"
                        | "local_shell_call"
                )
            )
        })
}

/// Reads a rollout; returns the session and the number of lines read.
pub fn read(
    text: &str,
    bad: &mut dyn FnMut(usize, String) -> Result<(), ReadError>,
) -> Result<(Session, usize), ReadError> {
    let lines = json_lines(text, &mut *bad)?;
    let mut r = Reader {
        session: Session::new(Agent::Codex),
        current: None,
        output_seen: false,
        turn_cwd: None,
        turn_model: None,
        calls_seen: HashSet::new(),
        results_seen: HashSet::new(),
        last_at: None,
    };
    for (i, line) in lines.iter().enumerate() {
        let v = &line.value;
        let at = parse_time(v.get("timestamp"));
        if sniff_line(v) {
            let payload = v.get("payload").unwrap_or(&Value::Null);
            r.envelope(str_of(v, "type").unwrap_or_default(), payload, at, line.raw);
        } else if i == 0 && v.get("id").is_some() && v.get("type").is_none() {
            // Early rollouts: a header line with the session id, then bare items.
            r.meta(v);
        } else if v.get("type").is_some() {
            r.item(v, at, line.raw);
        }
        r.last_at = at.or(r.last_at);
    }
    Ok((r.session, lines.len()))
}

struct Reader {
    session: Session,
    /// Index of the response being built.
    current: Option<usize>,
    /// An output arrived since the current response's last call.
    output_seen: bool,
    turn_cwd: Option<String>,
    turn_model: Option<String>,
    calls_seen: HashSet<String>,
    results_seen: HashSet<String>,
    last_at: Option<u64>,
}

impl Reader {
    fn meta(&mut self, p: &Value) {
        let s = &mut self.session;
        s.session_id = s
            .session_id
            .take()
            .or_else(|| str_of(p, "id").map(str::to_owned));
        s.cwd = s.cwd.take().or_else(|| str_of(p, "cwd").map(str::to_owned));
        s.version = s
            .version
            .take()
            .or_else(|| str_of(p, "cli_version").map(str::to_owned));
        s.git_branch = s.git_branch.take().or_else(|| {
            p.get("git")
                .and_then(|g| str_of(g, "branch"))
                .map(str::to_owned)
        });
        let spawn = p
            .get("source")
            .and_then(|s| s.get("subagent"))
            .and_then(|s| s.get("thread_spawn"));
        let parent = spawn
            .and_then(|t| str_of(t, "parent_thread_id"))
            .or_else(|| str_of(p, "parent_thread_id"));
        if let Some(parent) = parent {
            s.sidechain = Some(Sidechain {
                agent_id: str_of(p, "id").map(str::to_owned),
                parent_session: Some(parent.to_owned()),
                parent_call_id: None,
            });
        }
        if self.turn_cwd.is_none() {
            self.turn_cwd.clone_from(&s.cwd);
        }
    }

    fn end_response(&mut self) {
        self.current = None;
        self.output_seen = false;
    }

    fn envelope(&mut self, kind: &str, p: &Value, at: Option<u64>, raw: &str) {
        match kind {
            "session_meta" => self.meta(p),
            "turn_context" => {
                self.end_response();
                if let Some(cwd) = str_of(p, "cwd") {
                    self.turn_cwd = Some(cwd.to_owned());
                    if self.session.cwd.is_none() {
                        self.session.cwd = Some(cwd.to_owned());
                    }
                }
                if let Some(model) = str_of(p, "model") {
                    self.turn_model = Some(model.to_owned());
                    if self.session.model.is_none() {
                        self.session.model = Some(model.to_owned());
                    }
                }
            }
            "response_item" => self.item(p, at, raw),
            "event_msg" => match str_of(p, "type") {
                Some("token_count" | "task_started" | "turn_started" | "task_complete") => {
                    self.end_response();
                }
                Some("turn_aborted") => {
                    let reason = str_of(p, "reason").unwrap_or("interrupted");
                    self.input("system", format!("[turn aborted: {reason}]"), at);
                }
                _ => {}
            },
            "compacted" => self.input("system", "[conversation compacted]".to_owned(), at),
            _ => {}
        }
    }

    fn input(&mut self, role: &str, text: String, at: Option<u64>) {
        self.end_response();
        self.session.steps.push(Step::Input {
            role: role.to_owned(),
            text,
            at,
        });
    }

    /// The response new model output belongs to: the current one, or a new one when an output
    /// arrived since (the model was called again).
    fn response(&mut self, at: Option<u64>, raw: &str) -> Option<&mut Response> {
        if self.output_seen || self.current.is_none() {
            self.session.steps.push(Step::Response(Response {
                model: self.turn_model.clone(),
                parts: Vec::new(),
                calls: Vec::new(),
                start: self.last_at.or(at),
                end: at,
                finish_reason: None,
                record: String::new(),
            }));
            self.current = Some(self.session.steps.len() - 1);
            self.output_seen = false;
        }
        let Some(Step::Response(resp)) = self.session.steps.get_mut(self.current?) else {
            return None;
        };
        resp.end = at.max(resp.end);
        if !resp.record.is_empty() {
            resp.record.push('\n');
        }
        resp.record.push_str(raw);
        Some(resp)
    }

    fn call(&mut self, id: Option<&str>, name: &str, arguments: Value, at: Option<u64>, raw: &str) {
        let id = match id {
            Some(id) => id.to_owned(),
            None => format!("{name}@{}", self.session.steps.len()),
        };
        if !self.calls_seen.insert(id.clone()) {
            return;
        }
        let cwd = str_of(&arguments, "workdir")
            .or_else(|| str_of(&arguments, "working_directory"))
            .map(str::to_owned)
            .or_else(|| self.turn_cwd.clone());
        let call = Call {
            id,
            name: name.to_owned(),
            arguments,
            at,
            cwd,
        };
        if let Some(resp) = self.response(at, raw) {
            let order = resp.calls.len() as u64;
            resp.calls.push((order, call));
        }
    }

    fn item(&mut self, p: &Value, at: Option<u64>, raw: &str) {
        let call_id = str_of(p, "call_id");
        match str_of(p, "type") {
            Some("message") => {
                let role = str_of(p, "role").unwrap_or("user");
                let text =
                    crate::ingest::synth::content_text(p.get("content").unwrap_or(&Value::Null))
                        .unwrap_or_default();
                if role == "assistant" {
                    if let Some(resp) = self.response(at, raw) {
                        let order = resp.parts.len() as u64;
                        resp.parts.push((order, Part::Text(text)));
                    }
                } else {
                    self.input(role, text, at);
                }
            }
            Some("reasoning") => {
                let summary: Vec<String> = p
                    .get("summary")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| str_of(s, "text").map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(resp) = self.response(at, raw) {
                    if !summary.is_empty() {
                        let order = resp.parts.len() as u64;
                        resp.parts
                            .push((order, Part::Reasoning(summary.join("\n"))));
                    }
                }
            }
            Some("function_call") => {
                let name = str_of(p, "name").unwrap_or("unknown");
                let arguments = match p.get("arguments") {
                    Some(Value::String(s)) => {
                        serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                    }
                    Some(other) => other.clone(),
                    None => Value::Null,
                };
                self.call(call_id, name, arguments, at, raw);
            }
            Some("custom_tool_call") => {
                let name = str_of(p, "name").unwrap_or("unknown");
                let input = p.get("input").cloned().unwrap_or(Value::Null);
                self.call(call_id, name, json!({ "input": input }), at, raw);
            }
            Some("local_shell_call") => {
                let action = p.get("action").cloned().unwrap_or(Value::Null);
                let arguments = json!({
                    "command": action.get("command").cloned().unwrap_or(Value::Null),
                    "workdir": action.get("working_directory").cloned().unwrap_or(Value::Null),
                });
                self.call(call_id, "local_shell", arguments, at, raw);
            }
            Some(kind @ ("web_search_call" | "image_generation_call" | "tool_search_call")) => {
                // Runs at the provider: no output item follows; its own line is its result.
                let action = p.get("action").cloned().unwrap_or(Value::Null);
                let id = call_id.or_else(|| str_of(p, "id")).map(str::to_owned);
                let id = id.unwrap_or_else(|| format!("{kind}@{}", self.session.steps.len()));
                self.call(Some(&id), kind, action.clone(), at, raw);
                if self.results_seen.insert(id.clone()) {
                    self.session.steps.push(Step::Result {
                        call_id: id,
                        content: json!({"status": p.get("status").cloned().unwrap_or(Value::Null)}),
                        error: None,
                        at,
                        record: raw.to_owned(),
                        subagent: None,
                    });
                    self.output_seen = true;
                }
            }
            Some("function_call_output" | "custom_tool_call_output") => {
                let Some(id) = call_id else { return };
                if !self.results_seen.insert(id.to_owned()) {
                    return;
                }
                let content = p.get("output").cloned().unwrap_or(Value::Null);
                let error = exit_code(&content)
                    .filter(|c| *c != 0)
                    .map(|_| "exit_code".to_owned())
                    .or_else(|| {
                        (str_of(p, "status") == Some("failed")).then(|| "tool_error".to_owned())
                    });
                self.session.steps.push(Step::Result {
                    call_id: id.to_owned(),
                    content,
                    error,
                    at,
                    record: raw.to_owned(),
                    subagent: None,
                });
                self.output_seen = true;
            }
            _ => {}
        }
    }
}

/// The exit code an output reports: `{"metadata":{"exit_code":N}}` JSON, or an
/// `Exit code: N` line.
fn exit_code(output: &Value) -> Option<i64> {
    let text = match output {
        Value::String(s) => s.clone(),
        other => crate::ingest::synth::content_text(other)?,
    };
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        if let Some(code) = v
            .get("metadata")
            .and_then(|m| m.get("exit_code"))
            .or_else(|| v.get("exit_code"))
            .and_then(Value::as_i64)
        {
            return Some(code);
        }
    }
    let rest = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Exit code:"))?;
    rest.trim().parse().ok()
}
