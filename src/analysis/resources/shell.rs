//! Shell commands in tool arguments, where the file is obvious: `cat a.txt` reads it,
//! `echo x > a.txt` and `rm a.txt` write it. Pipelines and `&&`/`;` chains are split; anything
//! not plainly a file operation is ignored rather than guessed.

use super::names::normalize_path;
use crate::analysis::types::AccessMode;

/// Keys whose value is a shell command line.
pub fn is_shell_key(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "command" | "cmd" | "shell" | "script" | "bash" | "commandline" | "command_line"
    )
}

const READERS: &[&str] = &[
    "cat",
    "head",
    "tail",
    "less",
    "more",
    "grep",
    "egrep",
    "rg",
    "wc",
    "stat",
    "diff",
    "sort",
    "uniq",
    "md5sum",
    "sha256sum",
    "file",
    "jq",
    "awk",
    "source",
    ".",
];
const WRITERS: &[&str] = &[
    "rm", "touch", "mkdir", "rmdir", "truncate", "chmod", "chown", "unlink", "shred",
];

/// Files a command line reads or writes.
pub fn shell_files(cmd: &str) -> Vec<(String, AccessMode)> {
    let mut out = Vec::new();
    if cmd.len() > 4096 {
        return out;
    }
    for part in cmd.split(['|', ';', '\n']).flat_map(|p| p.split("&&")) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let w = words[i];
            if let Some(target) = w.strip_prefix(">>").or_else(|| w.strip_prefix('>')) {
                let target = if target.is_empty() {
                    words.get(i + 1).copied().unwrap_or("")
                } else {
                    target
                };
                let mode = if w.starts_with(">>") {
                    AccessMode::ReadWrite
                } else {
                    AccessMode::Write
                };
                push(&mut out, target, mode);
                i += if w.len() <= 2 { 2 } else { 1 };
                continue;
            }
            i += 1;
        }
        let args: Vec<&str> = words
            .iter()
            .copied()
            .take_while(|w| !w.starts_with('>'))
            .collect();
        let Some((prog, rest)) = args.split_first() else {
            continue;
        };
        let prog = prog.rsplit('/').next().unwrap_or(prog);
        let operands: Vec<&str> = rest
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .collect();
        let in_place = rest.iter().any(|a| *a == "-i" || a.starts_with("-i"));
        match prog {
            p if READERS.contains(&p) => {
                // grep/awk/jq take a pattern first.
                let skip = usize::from(matches!(p, "grep" | "egrep" | "rg" | "awk" | "jq"));
                for f in operands.iter().skip(skip) {
                    push(&mut out, f, AccessMode::Read);
                }
            }
            "sed" if in_place => {
                for f in operands.iter().skip(1) {
                    push(&mut out, f, AccessMode::ReadWrite);
                }
            }
            p if WRITERS.contains(&p) => {
                for f in &operands {
                    push(&mut out, f, AccessMode::Write);
                }
            }
            "cp" | "mv" | "tee" | "ln" => {
                let (last, first) = match prog {
                    "tee" => (operands.as_slice(), &[][..]),
                    _ => operands
                        .split_last()
                        .map_or((&[][..], &[][..]), |(l, f)| (std::slice::from_ref(l), f)),
                };
                for f in first {
                    push(
                        &mut out,
                        f,
                        if prog == "mv" {
                            AccessMode::ReadWrite
                        } else {
                            AccessMode::Read
                        },
                    );
                }
                for f in last {
                    push(&mut out, f, AccessMode::Write);
                }
            }
            _ => {}
        }
    }
    out
}

fn push(out: &mut Vec<(String, AccessMode)>, raw: &str, mode: AccessMode) {
    let t = raw.trim_matches(|c| c == '"' || c == '\'');
    if t.is_empty()
        || t.starts_with('$')
        || t.contains(['*', '?', '`', '('])
        || t == "/dev/null"
        || t.starts_with("&")
    {
        return;
    }
    if let Some(p) = normalize_path(t) {
        if !out.iter().any(|(q, m)| *q == p && *m == mode) {
            out.push((p, mode));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obvious_file_operations_are_read_from_commands() {
        assert_eq!(
            shell_files("cat docs/a.md | grep -n foo"),
            vec![("docs/a.md".to_owned(), AccessMode::Read)]
        );
        assert_eq!(
            shell_files("echo hi > out.txt"),
            vec![("out.txt".to_owned(), AccessMode::Write)]
        );
        assert_eq!(
            shell_files("echo hi >>log.txt"),
            vec![("log.txt".to_owned(), AccessMode::ReadWrite)]
        );
        assert_eq!(
            shell_files("cp a.json b.json && rm -f c.json"),
            vec![
                ("a.json".to_owned(), AccessMode::Read),
                ("b.json".to_owned(), AccessMode::Write),
                ("c.json".to_owned(), AccessMode::Write)
            ]
        );
        assert_eq!(
            shell_files("sed -i s/a/b/ conf.ini"),
            vec![("conf.ini".to_owned(), AccessMode::ReadWrite)]
        );
        assert!(shell_files("python -m pytest").is_empty());
        assert!(shell_files("cat *.md").is_empty());
    }
}
