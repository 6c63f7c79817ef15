//! Codex `apply_patch` text: the files it adds, updates, moves and deletes.
//!
//! Grammar (fact sheet §2.5): `*** Begin Patch`, then per file `*** Add File: <path>`,
//! `*** Delete File: <path>` or `*** Update File: <path>` (optionally `*** Move to: <path>`),
//! hunks, `*** End Patch`. Paths are relative to the turn's working directory or absolute.

use super::shell::Effect;

/// (path as written, effect) for every file the patch names, in order.
pub fn parse(patch: &str) -> Vec<(String, Effect)> {
    let mut out: Vec<(String, Effect)> = Vec::new();
    for line in patch.lines() {
        let line = line.trim_end();
        let header = |prefix: &str| line.strip_prefix(prefix).map(|p| p.trim().to_owned());
        if let Some(p) = header("*** Add File:") {
            out.push((p, Effect::Create));
        } else if let Some(p) = header("*** Delete File:") {
            out.push((p, Effect::Delete));
        } else if let Some(p) = header("*** Update File:") {
            out.push((p, Effect::Modify));
        } else if let Some(p) = header("*** Move to:") {
            // The file updated just before moves here: the old path is gone.
            if let Some(last) = out.last_mut() {
                if last.1 == Effect::Modify {
                    last.1 = Effect::Delete;
                }
            }
            out.push((p, Effect::Create));
        }
    }
    out.retain(|(p, _)| !p.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_updates_moves_and_deletes_are_read_from_headers() {
        let patch = "*** Begin Patch\n*** Add File: src/new.rs\n+fn x() {}\n*** Update File: src/a.rs\n@@ fn a\n-old\n+new\n*** Update File: src/b.rs\n*** Move to: src/c.rs\n@@\n-x\n+y\n*** Delete File: /abs/old.txt\n*** End Patch\n";
        assert_eq!(
            parse(patch),
            vec![
                ("src/new.rs".to_owned(), Effect::Create),
                ("src/a.rs".to_owned(), Effect::Modify),
                ("src/b.rs".to_owned(), Effect::Delete),
                ("src/c.rs".to_owned(), Effect::Create),
                ("/abs/old.txt".to_owned(), Effect::Delete),
            ]
        );
        assert!(parse("no patch here").is_empty());
    }
}
