//! Paths as one resource whatever way a tool spelled them: relative ones resolved against the
//! working directory the call ran in, so `src/a.rs`, `./src/a.rs` and `/w/src/a.rs` (in `/w`)
//! name the same file.

/// `path` resolved against `cwd` (when `path` is relative and `cwd` known), `.` and `..` folded.
/// A leading `~` is kept: the home folder is not known from a log.
pub fn resolve(cwd: Option<&str>, path: &str) -> String {
    let path = path.trim();
    let joined = if path.starts_with('/') || path.starts_with('~') {
        path.to_owned()
    } else {
        match cwd {
            Some(c) if !c.is_empty() => format!("{}/{path}", c.trim_end_matches('/')),
            _ => path.to_owned(),
        }
    };
    fold(&joined)
}

/// Folds `.`, `..` and repeated slashes; keeps a leading `/`.
fn fold(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != ".." && *l != "~") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn spellings_of_one_file_resolve_alike() {
        for p in [
            "src/a.rs",
            "./src/a.rs",
            "/w/src/a.rs",
            "src/../src/a.rs",
            "/w//src/./a.rs",
        ] {
            assert_eq!(resolve(Some("/w"), p), "/w/src/a.rs", "{p}");
        }
        assert_eq!(resolve(Some("/w/"), "."), "/w");
        assert_eq!(resolve(None, "./a"), "a");
        assert_eq!(resolve(None, "."), ".");
        assert_eq!(resolve(Some("/w"), "~/x"), "~/x");
        assert_eq!(resolve(Some("/w"), "../../.."), "/");
    }
}
