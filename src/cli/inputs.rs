//! Command-line inputs: files as given, and folders walked recursively (an agent's project
//! folder, a directory of exported traces). In a folder, hidden entries are passed over, and a
//! file is read only when its first bytes are a format fanout reads; every other file is counted
//! as skipped with the reason, and one line per folder says what was read and what was not.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::pipeline::Input;
use crate::sanitize::sanitize;

/// A file of a folder that is not read, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedFile {
    pub file: String,
    pub reason: String,
}

/// The inputs to read, and what folders held besides.
#[derive(Debug, Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    pub skipped: Vec<SkippedFile>,
    /// One line per folder for people: files read, files skipped by reason.
    pub notes: Vec<String>,
}

/// Extensions of files that are never traces (agents' folders hold such side files).
const NOT_TRACES: &[&str] = &[
    "md", "txt", "png", "jpg", "jpeg", "gif", "lock", "toml", "yaml", "yml",
];

/// Expands folder arguments into the trace files below them, sorted by path.
pub fn expand(args: &[PathBuf]) -> Expanded {
    let mut out = Expanded::default();
    for arg in args {
        if !arg.is_dir() {
            out.inputs.push(Input::from_arg(arg));
            continue;
        }
        let mut read = 0usize;
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let walker = walkdir::WalkDir::new(arg)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let file = e
                        .path()
                        .map_or_else(|| arg.display().to_string(), |p| p.display().to_string());
                    out.skip(&mut reasons, file, "cannot be read".into());
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            match why_not(path) {
                None => {
                    read += 1;
                    out.inputs.push(Input::Path(path.to_owned()));
                }
                Some(reason) => out.skip(&mut reasons, path.display().to_string(), reason),
            }
        }
        let skipped: usize = reasons.values().sum();
        let why = if reasons.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
            format!(" ({})", parts.join(", "))
        };
        out.notes.push(format!(
            "{}: folder: {read} file(s) to read, {skipped} skipped{why}",
            arg.display()
        ));
    }
    out
}

impl Expanded {
    fn skip(&mut self, reasons: &mut BTreeMap<String, usize>, file: String, reason: String) {
        *reasons.entry(reason.clone()).or_default() += 1;
        self.skipped.push(SkippedFile { file, reason });
    }

    /// Prints the per-folder lines on stderr.
    pub fn print_notes(&self) {
        for n in &self.notes {
            eprintln!("{}", sanitize(n));
        }
    }
}

/// Why a file found in a folder is not read, or `None` to read it.
fn why_not(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".meta.json") {
        return Some("agent metadata (read with its transcript)".into());
    }
    let ext = name.rsplit('.').next().unwrap_or_default();
    if name.contains('.') && NOT_TRACES.contains(&ext) {
        return Some("not trace files (by extension)".into());
    }
    let mut head = Vec::with_capacity(64 * 1024);
    let file = std::fs::File::open(path).ok();
    let Some(file) = file else {
        return Some("cannot be read".into());
    };
    if file.take(64 * 1024).read_to_end(&mut head).is_err() {
        return Some("cannot be read".into());
    }
    if head.iter().all(u8::is_ascii_whitespace) {
        return Some("empty".into());
    }
    let reader = crate::ingest::compression::decompressing_reader(
        std::io::Cursor::new(head),
        crate::ingest::compression::DEFAULT_MAX_DECOMPRESSED,
    );
    let mut plain = Vec::new();
    if let Ok(r) = reader {
        let _ = r.take(64 * 1024).read_to_end(&mut plain);
    }
    match crate::ingest::detect(&plain, &name) {
        Ok(_) => None,
        Err(_) => Some("not a format fanout reads".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_and_what_is_skipped_is_counted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("s/subagents")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        let line = r#"{"type":"user","sessionId":"s","timestamp":"2026-01-01T00:00:00Z","message":{"role":"user","content":"hi"}}"#;
        std::fs::write(root.join("s.jsonl"), line).unwrap();
        std::fs::write(root.join("s/subagents/agent-1.jsonl"), line).unwrap();
        std::fs::write(root.join("s/subagents/agent-1.meta.json"), "{}").unwrap();
        std::fs::write(root.join("notes.md"), "# x").unwrap();
        std::fs::write(root.join("junk.json"), "{\"a\":1}").unwrap();
        std::fs::write(root.join(".hidden/x.jsonl"), line).unwrap();
        let got = expand(&[root.to_owned(), PathBuf::from("-")]);
        let names: Vec<String> = got.inputs.iter().map(Input::name).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.iter().any(|n| n.ends_with("/s.jsonl")), "{names:?}");
        assert!(
            names.iter().any(|n| n.ends_with("agent-1.jsonl")),
            "{names:?}"
        );
        assert_eq!(names[2], "<stdin>");
        assert_eq!(got.skipped.len(), 3, "{:?}", got.skipped);
        let note = &got.notes[0];
        assert!(note.contains("2 file(s) to read, 3 skipped"), "{note}");
        assert!(note.contains("1 agent metadata"), "{note}");
        assert!(note.contains("1 not a format fanout reads"), "{note}");
        assert!(note.contains("1 not trace files"), "{note}");
    }
}
