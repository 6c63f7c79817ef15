//! File-system tools shaped like shell verbs: a tool named `mkdir` with a `dir_name` argument,
//! `mv` with `source` and `destination`, `cd` with `folder`. What each reads, writes or creates,
//! and the working directory that `cd` changes and every relative path depends on.
//!
//! The tool is recognised by its name alone being the verb (after an optional namespace such as
//! `fs.` or `files__`), never by a verb found inside a longer name (`find_nearest_shop` is no
//! `find`). Its path arguments are the string arguments whose key names a file, folder, path,
//! source or destination; other arguments (content, pattern, mode) are data. Shell command lines
//! are not parsed here.

use serde_json::Value;

use super::names::{normalize_path, split_words};
use super::resource::Resource;
use crate::analysis::types::AccessMode;

/// What a shell-shaped tool does to its paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    /// `cd`: changes the working directory (needs the folder to exist).
    ChangeDir,
    /// `pwd`: reads the working directory.
    PrintDir,
    /// `ls`, `find`, `du`, `tree`: lists a folder (the working one when no path is given).
    List,
    /// `cat`, `grep`, `diff`, `wc`, ...: reads the named files.
    Read,
    /// `mkdir`, `touch`: brings the path into existence.
    Create,
    /// `rm`, `rmdir`: removes the path.
    Remove,
    /// `echo ... > file`-shaped tools that take a file: write it.
    Write,
    /// `mv`: reads and removes the source, writes the destination.
    Move,
    /// `cp`: reads the source, writes the destination.
    Copy,
}

fn verb_of(word: &str) -> Option<Verb> {
    Some(match word {
        "cd" | "chdir" => Verb::ChangeDir,
        "pwd" => Verb::PrintDir,
        "ls" | "find" | "du" | "tree" | "dir" => Verb::List,
        "cat" | "head" | "tail" | "grep" | "diff" | "wc" | "sort" | "stat" | "less" | "uniq"
        | "md5sum" | "sha256sum" => Verb::Read,
        "mkdir" | "touch" => Verb::Create,
        "rm" | "rmdir" | "unlink" => Verb::Remove,
        "echo" | "tee" | "truncate" => Verb::Write,
        "mv" => Verb::Move,
        "cp" => Verb::Copy,
        _ => return None,
    })
}

/// The namespace of a tool name (`fs.mkdir` → `fs`), or `""`.
fn namespace(name: &str) -> &str {
    name.rfind(['.', '/', ':'])
        .map(|i| &name[..i])
        .or_else(|| name.rfind("__").map(|i| &name[..i]))
        .unwrap_or("")
}

/// One access of a shell-shaped tool.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAccess {
    pub resource: Resource,
    pub mode: AccessMode,
    /// The call brings the resource into existence.
    pub creates: bool,
    /// The resource must exist already.
    pub requires: bool,
    pub evidence: String,
}

/// Keys whose value is a path for a shell-shaped tool.
fn is_path_arg(key: &str) -> bool {
    split_words(key).iter().any(|w| {
        matches!(
            w.trim_end_matches(|c: char| c.is_ascii_digit()),
            "file"
                | "filename"
                | "files"
                | "dir"
                | "dirname"
                | "directory"
                | "folder"
                | "path"
                | "source"
                | "src"
                | "destination"
                | "dest"
                | "dst"
                | "target"
        )
    })
}

/// Whether `key` is the destination of a move or copy.
fn is_destination(key: &str) -> bool {
    split_words(key)
        .iter()
        .any(|w| matches!(w.as_str(), "destination" | "dest" | "dst" | "target" | "to"))
}

/// The last segment of a path has a file extension (`a.txt`, not `temp` or `.env`).
fn has_extension(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && (1..=5).contains(&ext.len()) && ext.chars().all(char::is_alphanumeric)
    })
}

/// The accesses of a shell-shaped tool, or `None` when `name` is not one.
pub fn accesses(name: &str, args: Option<&Value>) -> Option<Vec<FileAccess>> {
    let ns = namespace(name);
    let own = name[ns.len()..].trim_start_matches(['.', '/', ':', '_']);
    let words = split_words(own);
    let [word] = words.as_slice() else {
        return None;
    };
    let verb = verb_of(word)?;
    let scope = if ns.is_empty() { "local" } else { ns };
    let mut paths: Vec<(String, String, String)> = Vec::new();
    if let Some(Value::Object(map)) = args {
        for (k, v) in map {
            let items: Vec<&str> = match v {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            if !is_path_arg(k) {
                continue;
            }
            for raw in items {
                let norm = normalize_path(raw).unwrap_or_default();
                paths.push((k.clone(), raw.to_owned(), norm));
            }
        }
    }
    let mut out = Vec::new();
    let cwd = Resource::cwd(scope);
    let relative = |raw: &str| !raw.trim_start().starts_with(['/', '~']);
    let ev = |k: &str, raw: &str, what: &str| format!("tool '{word}' {what} {k}={raw:?}");
    let mut push = |r: Resource, mode, creates, requires, evidence: String| {
        out.push(FileAccess {
            resource: r,
            mode,
            creates,
            requires,
            evidence,
        })
    };
    // Every relative path (and no path at all) is resolved against the working directory.
    let uses_cwd = paths.is_empty() || paths.iter().any(|(_, raw, _)| relative(raw));
    match verb {
        Verb::ChangeDir => {
            push(
                cwd.clone(),
                AccessMode::ReadWrite,
                false,
                false,
                format!("tool '{word}' changes the working directory"),
            );
            for (k, raw, norm) in &paths {
                if !norm.is_empty() && norm != ".." {
                    push(
                        Resource::file(norm),
                        AccessMode::Read,
                        false,
                        true,
                        ev(k, raw, "enters the folder"),
                    );
                }
            }
            return Some(out);
        }
        Verb::PrintDir => {
            push(
                cwd,
                AccessMode::Read,
                false,
                false,
                format!("tool '{word}' reads the working directory"),
            );
            return Some(out);
        }
        _ => {}
    }
    if uses_cwd {
        push(
            cwd,
            AccessMode::Read,
            false,
            false,
            format!("tool '{word}' resolves paths against the working directory"),
        );
    }
    if verb == Verb::List && paths.iter().all(|(_, _, n)| n.is_empty()) {
        push(
            Resource::collection("file"),
            AccessMode::Read,
            false,
            false,
            format!("tool '{word}' lists the working directory"),
        );
    }
    for (k, raw, norm) in &paths {
        if norm.is_empty() {
            continue;
        }
        let r = Resource::file(norm);
        let dest = is_destination(k);
        match verb {
            Verb::List | Verb::Read => {
                push(r, AccessMode::Read, false, true, ev(k, raw, "reads"));
            }
            Verb::Create => push(r, AccessMode::Write, true, false, ev(k, raw, "creates")),
            Verb::Remove => push(r, AccessMode::Write, false, true, ev(k, raw, "removes")),
            Verb::Write => push(r, AccessMode::Write, false, false, ev(k, raw, "writes")),
            Verb::Move | Verb::Copy if !dest => {
                let mode = if verb == Verb::Move {
                    AccessMode::ReadWrite
                } else {
                    AccessMode::Read
                };
                let what = if verb == Verb::Move {
                    "moves away"
                } else {
                    "copies"
                };
                push(r, mode, false, true, ev(k, raw, what));
            }
            Verb::Move | Verb::Copy => {
                // Onto a new name (`notes_2024.txt`) the destination is written; into a folder
                // (a destination without an extension, given files that have one) each source
                // lands as a new entry of it, and the folder must exist.
                let into: Vec<&str> = paths
                    .iter()
                    .filter(|(k2, _, n)| !is_destination(k2) && has_extension(n))
                    .filter_map(|(_, _, n)| n.rsplit('/').next())
                    .collect();
                if has_extension(norm) || into.is_empty() {
                    push(
                        r,
                        AccessMode::Write,
                        false,
                        false,
                        ev(k, raw, "writes the destination"),
                    );
                } else {
                    push(
                        r.clone(),
                        AccessMode::Read,
                        false,
                        true,
                        ev(k, raw, "puts files into the folder"),
                    );
                    // A new entry of the folder: two copies into one folder both land.
                    for base in into {
                        push(
                            r.child(base),
                            AccessMode::Write,
                            true,
                            false,
                            ev(k, raw, "adds to the folder"),
                        );
                    }
                }
            }
            Verb::ChangeDir | Verb::PrintDir => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Accesses as `(resource, mode, creates)`, sorted.
    fn shown(name: &str, args: Value) -> Vec<(String, AccessMode, bool)> {
        let mut v: Vec<_> = accesses(name, Some(&args))
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.resource.to_string(), a.mode, a.creates))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn shell_shaped_tools_touch_the_paths_they_name() {
        assert_eq!(
            shown("mkdir", json!({"dir_name": "temp"})),
            vec![
                ("cwd:local".into(), AccessMode::Read, false),
                ("file:temp".into(), AccessMode::Write, true)
            ]
        );
        assert_eq!(
            shown(
                "mv",
                json!({"source": "final_report.pdf", "destination": "temp"})
            ),
            vec![
                ("cwd:local".into(), AccessMode::Read, false),
                ("file:final_report.pdf".into(), AccessMode::ReadWrite, false),
                ("file:temp".into(), AccessMode::Read, false),
                ("file:temp/final_report.pdf".into(), AccessMode::Write, true)
            ]
        );
        assert_eq!(
            shown("fs.cd", json!({"folder": "document"})),
            vec![
                ("cwd:fs".into(), AccessMode::ReadWrite, false),
                ("file:document".into(), AccessMode::Read, false)
            ]
        );
        assert_eq!(
            shown("ls", json!({"a": true})),
            vec![
                ("cwd:local".into(), AccessMode::Read, false),
                ("file:*".into(), AccessMode::Read, false)
            ]
        );
        // Content and patterns are data, not paths; absolute paths need no working directory.
        assert_eq!(
            shown(
                "echo",
                json!({"content": "notes/x.txt", "file_name": "/tmp/out.txt"})
            ),
            vec![("file:/tmp/out.txt".into(), AccessMode::Write, false)]
        );
    }

    #[test]
    fn only_a_name_that_is_the_verb_counts() {
        assert!(accesses("find_nearest_tire_shop", Some(&json!({}))).is_none());
        assert!(accesses("grocery_store", Some(&json!({}))).is_none());
        assert!(accesses("list_files", Some(&json!({}))).is_none());
        assert!(accesses("files__rm", Some(&json!({"path": "a"}))).is_some());
    }
}
