//! Resource accesses of coding agents' built-in tools (Claude Code, Codex CLI, Gemini CLI):
//! file tools (read, write, edit, multi-edit, notebook edit, glob, grep, list), Codex's
//! `apply_patch`, and shell tools, whose scripts are parsed (`coding_tools/shell.rs`).
//! Paths are resolved against the directory the call ran in (`fanout.tool.cwd`, written by the
//! agent-log readers), so every spelling of a file is one `file:` resource.
//!
//! Applies only to calls from coding-agent logs (or spans that carry `fanout.tool.cwd`); other
//! traces keep the general heuristics. A shell command this cannot judge reads the working
//! folder with low confidence and says why. In a persistent shell (Claude Code's `Bash`) a
//! `cd` is shared state: it writes `session:cwd`, which calls using relative paths read.

mod patch;
mod paths;
pub mod shell;
mod verbs;

use std::collections::BTreeSet;

use serde_json::Value;

use self::shell::{Effect, ShellEffects};
use super::names::normalize_path;
use crate::analysis::types::{AccessMode, Confidence};
use crate::model::span::find_attr;
use crate::model::Span;

/// Source formats whose tool calls are coding tools.
const AGENT_FORMATS: &[&str] = &["claude-code", "codex-cli", "gemini-cli"];

/// The working-directory resource of a persistent shell.
pub const SHELL_CWD: &str = "session:cwd";

/// One inferred access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub resource: String,
    pub mode: AccessMode,
    pub confidence: Confidence,
    pub evidence: String,
}

/// What a coding tool call touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inferred {
    pub accesses: Vec<Found>,
    /// Resources the call brings into existence.
    pub creates: BTreeSet<String>,
}

/// Whether `span` comes from a coding-agent log.
pub fn applies(span: Option<&Span>) -> bool {
    span.is_some_and(|s| {
        s.attr_str("fanout.tool.cwd").is_some()
            || find_attr(&s.resource.attributes, "fanout.source.format")
                .and_then(|v| v.as_str())
                .is_some_and(|f| AGENT_FORMATS.contains(&f))
    })
}

/// The accesses of a call to `name` with `args`, run in `cwd`; `None` when `name` is not a
/// coding tool this knows.
pub fn infer(name: &str, args: Option<&Value>, cwd: Option<&str>) -> Option<Inferred> {
    let lower = name.to_ascii_lowercase();
    let empty = Value::Null;
    let args = args.unwrap_or(&empty);
    let s = |k: &str| args.get(k).and_then(Value::as_str);
    let path = [
        "file_path",
        "absolute_path",
        "notebook_path",
        "path",
        "filename",
    ]
    .iter()
    .find_map(|k| s(k));
    let dir = ["dir_path", "path", "directory", "dir"]
        .iter()
        .find_map(|k| s(k));
    let mut out = Inferred::default();
    let label = name;
    match lower.as_str() {
        "read" | "read_file" | "readfile" | "view" | "view_image" | "cat" => {
            out.file(cwd, path?, Effect::Read, &format!("{label} reads it"));
        }
        "write" | "write_file" | "create_file" => {
            out.file(cwd, path?, Effect::Write, &format!("{label} writes it"));
        }
        "edit" | "multiedit" | "multi_edit" | "replace" | "str_replace" | "edit_file"
        | "notebookedit" | "notebook_edit" => {
            out.file(cwd, path?, Effect::Modify, &format!("{label} edits it"));
        }
        "glob" | "ls" | "list_directory" | "list_dir" | "find_files" => {
            out.file(
                cwd,
                dir.unwrap_or("."),
                Effect::ReadTree,
                &format!("{label} lists it"),
            );
        }
        "grep" | "grep_search" | "search_file_content" | "grep_files" | "search" => {
            out.file(
                cwd,
                dir.unwrap_or("."),
                Effect::ReadTree,
                &format!("{label} searches it"),
            );
        }
        "read_many_files" => {
            let patterns = args.get("include").or_else(|| args.get("paths"));
            let list: Vec<&str> = match patterns {
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                Some(Value::String(p)) => vec![p.as_str()],
                _ => vec!["."],
            };
            for p in list {
                let effect = if p.contains(['*', '?']) {
                    Effect::ReadTree
                } else {
                    Effect::Read
                };
                let p = if effect == Effect::ReadTree {
                    glob_dir(p)
                } else {
                    p.to_owned()
                };
                out.file(cwd, &p, effect, &format!("{label} reads it"));
            }
        }
        "apply_patch" | "applypatch" => {
            let text = s("input").or_else(|| s("patch"))?;
            for (p, effect) in patch::parse(text) {
                out.file(
                    cwd,
                    &p,
                    effect,
                    &format!("apply_patch {}", patch_word(effect)),
                );
            }
        }
        "bash" | "shell" | "shell_command" | "exec_command" | "local_shell"
        | "run_shell_command" | "monitor" | "container.exec" => {
            let cwd = s("workdir").or_else(|| s("directory")).or(cwd);
            let effects = match args.get("command").or_else(|| args.get("cmd")) {
                Some(Value::String(script)) => shell::analyze(script, cwd),
                Some(Value::Array(argv)) => {
                    let argv: Vec<String> = argv
                        .iter()
                        .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned))
                        .collect();
                    shell::analyze_argv(&argv, cwd)
                }
                _ => return None,
            };
            let persistent = lower == "bash";
            out.shell(&effects, cwd, persistent, label);
        }
        _ => return None,
    }
    Some(out)
}

fn patch_word(e: Effect) -> &'static str {
    match e {
        Effect::Create => "adds it",
        Effect::Delete => "deletes it",
        _ => "updates it",
    }
}

/// The folder a glob lists: the part before the first wildcard segment.
fn glob_dir(p: &str) -> String {
    let prefix: Vec<&str> = p
        .split('/')
        .take_while(|s| !s.contains(['*', '?', '[']))
        .collect();
    if prefix.is_empty() {
        ".".into()
    } else {
        prefix.join("/")
    }
}

fn resource_of(path: &str) -> Option<String> {
    normalize_path(path).map(|p| format!("file:{p}"))
}

impl Inferred {
    fn add(
        &mut self,
        resource: String,
        mode: AccessMode,
        confidence: Confidence,
        evidence: String,
    ) {
        if let Some(a) = self.accesses.iter_mut().find(|a| a.resource == resource) {
            if a.mode != mode {
                a.mode = AccessMode::ReadWrite;
            }
            a.confidence = a.confidence.max(confidence);
            if !a.evidence.contains(&evidence) && a.evidence.len() < 300 {
                a.evidence = format!("{}; {evidence}", a.evidence);
            }
            return;
        }
        self.accesses.push(Found {
            resource,
            mode,
            confidence,
            evidence,
        });
    }

    fn file(&mut self, cwd: Option<&str>, path: &str, effect: Effect, evidence: &str) {
        let resolved = paths::resolve(cwd, path);
        self.touch(&resolved, effect, evidence);
    }

    /// A path already resolved against the call's directory.
    fn touch(&mut self, resolved: &str, effect: Effect, evidence: &str) {
        let Some(resource) = resource_of(resolved) else {
            return;
        };
        let (mode, confidence) = match effect {
            Effect::Read => (AccessMode::Read, Confidence::High),
            Effect::ReadTree => (AccessMode::Read, Confidence::Medium),
            Effect::Write | Effect::Delete => (AccessMode::Write, Confidence::High),
            Effect::Modify => (AccessMode::ReadWrite, Confidence::High),
            Effect::Create => (AccessMode::Write, Confidence::High),
        };
        if effect == Effect::Create {
            self.creates.insert(resource.clone());
        }
        self.add(resource, mode, confidence, evidence.to_owned());
    }

    fn shell(&mut self, effects: &ShellEffects, cwd: Option<&str>, persistent: bool, tool: &str) {
        for t in &effects.touches {
            self.touch(&t.path, t.effect, &t.evidence);
        }
        let unknown = !effects.unknown.is_empty();
        if unknown {
            let shown: Vec<&str> = effects.unknown.iter().take(3).map(String::as_str).collect();
            let more = effects.unknown.len().saturating_sub(3);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let evidence = format!(
                "{tool}: unknown command {}{tail}: assumed to read the working folder",
                shown.join(", ")
            );
            if let Some(resource) = resource_of(&paths::resolve(cwd, ".")) {
                self.add(resource, AccessMode::Read, Confidence::Low, evidence);
            }
        }
        if persistent {
            if let Some(new) = &effects.final_cwd {
                self.add(
                    SHELL_CWD.to_owned(),
                    AccessMode::Write,
                    Confidence::Medium,
                    format!("{tool}: `cd` leaves the shell in {new} for the calls after it"),
                );
            }
            if effects.uses_relative_paths || unknown {
                self.add(
                    SHELL_CWD.to_owned(),
                    AccessMode::Read,
                    Confidence::Low,
                    format!("{tool}: relative paths depend on the shell's directory"),
                );
            }
        }
    }
}

#[cfg(test)]
#[path = "coding_tools_tests.rs"]
mod tests;
