//! The verb table: what a command with literal arguments does to the paths it names. File
//! verbs (`cat`, `rm`, `mv`, `cp`, `sed -i`, `tee`...), search and listing, `git`
//! subcommands (the repository's `.git` and working tree), builds, tests and package managers
//! (the source tree they read, the build folders and lockfiles they write), `cd`, and wrappers
//! (`sudo`, `env`, `time`, `timeout`...). Anything else is unknown.

use super::patch;
use super::paths::resolve;
use super::shell::{Effect, Sink};

/// Commands with no file effect of their own (their redirections are handled elsewhere).
const PURE: &[&str] = &[
    "echo",
    "printf",
    "true",
    "false",
    "pwd",
    "test",
    "[",
    "sleep",
    "date",
    "whoami",
    "which",
    "type",
    "export",
    "set",
    "unset",
    "shift",
    "exit",
    "return",
    "read",
    "wait",
    "jobs",
    "alias",
    "clear",
    "basename",
    "dirname",
    "seq",
    "yes",
    "expr",
    "uname",
    "hostname",
    "id",
    "printenv",
    "ulimit",
    "trap",
    "local",
    "declare",
    "typeset",
    "let",
    ":",
    "command -v",
    "nproc",
];

/// Commands that read the files they name.
const READ_FILES: &[&str] = &[
    "cat",
    "head",
    "tail",
    "less",
    "more",
    "wc",
    "nl",
    "od",
    "xxd",
    "hexdump",
    "strings",
    "file",
    "stat",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "cksum",
    "cmp",
    "diff",
    "bat",
    "tac",
    "fold",
    "fmt",
    "pr",
    "expand",
    "base64",
    "source",
    ".",
    "readlink",
    "realpath",
    "column",
    "uniq",
    "cut",
    "paste",
    "comm",
    "join",
    "tr",
    "iconv",
];

/// Commands that read the folder trees they name (the working directory when none).
const READ_TREES: &[&str] = &["ls", "tree", "du", "fd", "fdfind"];

/// Searchers: a pattern first, then paths (the working directory when none, if recursive).
const SEARCHERS: &[&str] = &["grep", "egrep", "fgrep", "rg", "ag", "ack"];

/// Options of common verbs that take a value (the value is not an operand).
fn takes_value(program: &str, opt: &str) -> bool {
    match program {
        "head" | "tail" => matches!(opt, "-n" | "-c"),
        "grep" | "egrep" | "fgrep" | "rg" | "ag" | "ack" => {
            matches!(
                opt,
                "-e" | "-f"
                    | "-m"
                    | "-A"
                    | "-B"
                    | "-C"
                    | "-g"
                    | "-t"
                    | "--glob"
                    | "--type"
                    | "--max-count"
            )
        }
        "sed" => matches!(opt, "-e" | "-f" | "--expression" | "--file"),
        "awk" | "gawk" => matches!(opt, "-f" | "-v" | "-F"),
        "cut" => matches!(opt, "-d" | "-f" | "-c" | "-b"),
        "sort" => matches!(opt, "-k" | "-t" | "-o" | "-S"),
        "find" => false,
        "cp" | "mv" | "ln" | "install" => matches!(opt, "-t" | "-S" | "--target-directory"),
        "git" => matches!(opt, "-C" | "-c" | "--git-dir" | "--work-tree"),
        "timeout" => false,
        "jq" => matches!(opt, "--arg" | "--argjson" | "-f" | "--from-file"),
        _ => false,
    }
}

/// Split arguments into options (with their values) and operands; `None` operands are words
/// with expansions.
struct Args<'a> {
    options: Vec<&'a str>,
    /// (option, value) pairs for options that take one.
    values: Vec<(&'a str, Option<&'a str>)>,
    operands: Vec<Option<&'a str>>,
}

fn split<'a>(program: &str, args: &'a [Option<String>]) -> Args<'a> {
    let mut out = Args {
        options: Vec::new(),
        values: Vec::new(),
        operands: Vec::new(),
    };
    let mut only_operands = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_deref();
        match a {
            Some("--") if !only_operands => only_operands = true,
            Some(o) if !only_operands && o.starts_with('-') && o.len() > 1 => {
                out.options.push(o);
                if takes_value(program, o) {
                    out.values
                        .push((o, args.get(i + 1).and_then(|v| v.as_deref())));
                    i += 1;
                }
            }
            other => out.operands.push(other),
        }
        i += 1;
    }
    out
}

impl Args<'_> {
    fn has(&self, flag: &str) -> bool {
        self.options.contains(&flag)
    }
    /// A short flag letter given alone or in a cluster (`-rf` has `r`).
    fn has_short(&self, letter: char) -> bool {
        self.options
            .iter()
            .any(|o| !o.starts_with("--") && o[1..].contains(letter))
    }
    fn value(&self, opt: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(o, _)| *o == opt)
            .and_then(|(_, v)| *v)
    }
}

/// Applies `program args` to `sink`, changing `cwd` for `cd`.
pub(super) fn apply(
    sink: &mut dyn Sink,
    program: &str,
    args: &[Option<String>],
    cwd: &mut Option<String>,
    text: &str,
    heredoc: Option<&str>,
) {
    let name = program.rsplit('/').next().unwrap_or(program);
    let ev = |what: &str| format!("`{}` {what}", clip(text));
    let a = split(name, args);
    let files = |sink: &mut dyn Sink, operands: &[Option<&str>], effect: Effect, what: &str| {
        for op in operands {
            match op {
                Some(p) => sink.touch_path(cwd, p, effect, &ev(what)),
                None => sink.unknown(format!(
                    "`{}`: an operand is not a literal path",
                    clip(text)
                )),
            }
        }
    };
    match name {
        n if PURE.contains(&n) => {}
        "cd" | "pushd" => match a.operands.first() {
            Some(Some(dir)) if *dir != "-" => *cwd = Some(resolve(cwd.as_deref(), dir)),
            None => *cwd = Some("~".into()),
            _ => {
                *cwd = None;
                sink.unknown(format!("`{}`: the new directory is unknown", clip(text)));
            }
        },
        "popd" => {
            *cwd = None;
            sink.unknown("`popd`: the new directory is unknown".into());
        }
        "sudo" | "env" | "time" | "nice" | "nohup" | "command" | "exec" | "stdbuf" | "timeout" => {
            // Wrappers: skip their options (and env's assignments, timeout's duration).
            let mut rest: Vec<Option<String>> = args
                .iter()
                .skip_while(|w| {
                    w.as_deref()
                        .is_some_and(|w| w.starts_with('-') || (name == "env" && w.contains('=')))
                })
                .cloned()
                .collect();
            if name == "timeout" && !rest.is_empty() {
                rest.remove(0);
            }
            if name == "command" && a.has("-v") {
                return;
            }
            match rest.split_first() {
                Some((Some(p), tail)) => apply(sink, p, tail, cwd, text, heredoc),
                Some((None, _)) => {
                    sink.unknown(format!("`{}` (command name is not literal)", clip(text)))
                }
                None => {}
            }
        }
        n if READ_FILES.contains(&n) => files(sink, &a.operands, Effect::Read, "reads it"),
        n if READ_TREES.contains(&n) => {
            if a.operands.is_empty() {
                files(sink, &[Some(".")], Effect::ReadTree, "lists it");
            } else {
                files(sink, &a.operands, Effect::ReadTree, "lists it");
            }
        }
        n if SEARCHERS.contains(&n) => {
            let pattern_given = a.value("-e").is_some() || a.value("-f").is_some();
            let paths: Vec<Option<&str>> = a
                .operands
                .iter()
                .skip(usize::from(!pattern_given))
                .copied()
                .collect();
            let recursive = matches!(n, "rg" | "ag" | "ack")
                || a.has_short('r')
                || a.has_short('R')
                || a.has("--recursive");
            if paths.is_empty() {
                if recursive {
                    files(sink, &[Some(".")], Effect::ReadTree, "searches it");
                }
            } else if recursive {
                files(sink, &paths, Effect::ReadTree, "searches it");
            } else {
                files(sink, &paths, Effect::Read, "searches it");
            }
        }
        "find" => {
            let roots: Vec<Option<&str>> = args
                .iter()
                .map(|w| w.as_deref())
                .take_while(|w| w.is_some_and(|w| !w.starts_with('-') && !matches!(w, "(" | "!")))
                .collect();
            let roots = if roots.is_empty() {
                vec![Some(".")]
            } else {
                roots
            };
            let deletes = args.iter().any(|w| w.as_deref() == Some("-delete"));
            let execs = args
                .iter()
                .any(|w| matches!(w.as_deref(), Some("-exec" | "-execdir" | "-ok")));
            let effect = if deletes {
                Effect::Modify
            } else {
                Effect::ReadTree
            };
            files(
                sink,
                &roots,
                effect,
                if deletes {
                    "deletes under it"
                } else {
                    "searches it"
                },
            );
            if execs {
                sink.unknown(format!(
                    "`{}`: -exec runs a command on each match",
                    clip(text)
                ));
            }
        }
        "sed" | "awk" | "gawk" => {
            let in_place = (name == "sed"
                && a.options
                    .iter()
                    .any(|o| o.starts_with("-i") || o.starts_with("--in-place")))
                || (name != "sed"
                    && a.operands.first().copied().flatten().is_some()
                    && a.has("-i"));
            let script_given = a.value("-e").is_some()
                || a.value("-f").is_some()
                || a.value("--expression").is_some();
            let paths: Vec<Option<&str>> = a
                .operands
                .iter()
                .skip(usize::from(!script_given))
                .copied()
                .collect();
            if in_place {
                files(sink, &paths, Effect::Modify, "edits it in place");
            } else {
                files(sink, &paths, Effect::Read, "reads it");
            }
        }
        "jq" | "yq" => {
            let program_given = a.value("-f").is_some() || a.value("--from-file").is_some();
            let paths: Vec<Option<&str>> = a
                .operands
                .iter()
                .skip(usize::from(!program_given))
                .copied()
                .collect();
            files(sink, &paths, Effect::Read, "reads it");
        }
        "sort" => {
            files(sink, &a.operands, Effect::Read, "reads it");
            if let Some(out) = a.value("-o") {
                sink.touch_path(cwd, out, Effect::Write, &ev("writes it"));
            }
        }
        "touch" => files(sink, &a.operands, Effect::Create, "creates it"),
        "mkdir" => files(sink, &a.operands, Effect::Create, "creates it"),
        "rm" | "rmdir" | "unlink" | "shred" => {
            files(sink, &a.operands, Effect::Delete, "deletes it")
        }
        "truncate" => files(sink, &a.operands, Effect::Write, "truncates it"),
        "chmod" | "chown" | "chgrp" => {
            let targets: Vec<Option<&str>> = a.operands.iter().skip(1).copied().collect();
            files(sink, &targets, Effect::Write, "changes its mode");
        }
        "tee" => {
            let effect = if a.has_short('a') {
                Effect::Modify
            } else {
                Effect::Write
            };
            files(sink, &a.operands, effect, "writes it");
        }
        "cp" | "mv" | "ln" | "install" | "rsync" => {
            let target_dir = a.value("-t").or_else(|| a.value("--target-directory"));
            let (sources, dest): (Vec<Option<&str>>, Option<Option<&str>>) = match target_dir {
                Some(d) => (a.operands.clone(), Some(Some(d))),
                None => match a.operands.split_last() {
                    Some((last, rest)) if !rest.is_empty() => (rest.to_vec(), Some(*last)),
                    _ => (a.operands.clone(), None),
                },
            };
            let recursive =
                a.has_short('r') || a.has_short('R') || a.has_short('a') || name == "mv";
            let source_effect = match name {
                "mv" => Effect::Delete,
                _ if recursive => Effect::ReadTree,
                _ => Effect::Read,
            };
            let what = if name == "mv" {
                "moves it away"
            } else {
                "copies it"
            };
            files(sink, &sources, source_effect, what);
            if let Some(d) = dest {
                files(sink, &[d], Effect::Create, "writes it");
            }
        }
        "dd" => {
            for arg in args.iter().flatten() {
                if let Some(p) = arg.strip_prefix("if=") {
                    sink.touch_path(cwd, p, Effect::Read, &ev("reads it"));
                } else if let Some(p) = arg.strip_prefix("of=") {
                    sink.touch_path(cwd, p, Effect::Write, &ev("writes it"));
                }
            }
        }
        "apply_patch" | "applypatch" => {
            let patch_text = heredoc
                .map(str::to_owned)
                .or_else(|| args.first().cloned().flatten());
            match patch_text.as_deref().map(patch::parse) {
                Some(ops) if !ops.is_empty() => {
                    for (path, effect) in ops {
                        sink.touch_path(
                            cwd,
                            &path,
                            effect,
                            &format!("apply_patch {}", effect_word(effect)),
                        );
                    }
                }
                _ => sink.unknown(format!("`{}`: patch text not found", clip(text))),
            }
        }
        "git" => git(sink, args, cwd, text),
        "cargo" => {
            let sub = a.operands.first().copied().flatten().unwrap_or_default();
            match sub {
                "build" | "check" | "test" | "run" | "clippy" | "bench" | "doc" | "b" | "c"
                | "t" | "r" | "nextest" => {
                    files(sink, &[Some(".")], Effect::ReadTree, "builds from it");
                    files(
                        sink,
                        &[Some("target")],
                        Effect::Modify,
                        "writes build output",
                    );
                    files(sink, &[Some("Cargo.lock")], Effect::Modify, "may update it");
                }
                "fmt" => files(sink, &[Some(".")], Effect::Modify, "formats it"),
                "add" | "remove" | "rm" | "update" | "generate-lockfile" => {
                    files(
                        sink,
                        &[Some("Cargo.toml"), Some("Cargo.lock")],
                        Effect::Modify,
                        "updates it",
                    );
                }
                _ => sink.unknown(format!("`{}`", clip(text))),
            }
        }
        "npm" | "pnpm" | "yarn" | "bun" => {
            let sub = a
                .operands
                .first()
                .copied()
                .flatten()
                .unwrap_or(if name == "yarn" { "install" } else { "" });
            let lock = match name {
                "pnpm" => "pnpm-lock.yaml",
                "yarn" => "yarn.lock",
                "bun" => "bun.lockb",
                _ => "package-lock.json",
            };
            match sub {
                "install" | "i" | "ci" | "add" | "remove" | "rm" | "uninstall" | "update"
                | "up" | "upgrade" => {
                    files(sink, &[Some("package.json")], Effect::Read, "reads it");
                    files(
                        sink,
                        &[Some("node_modules")],
                        Effect::Modify,
                        "installs into it",
                    );
                    files(sink, &[Some(lock)], Effect::Modify, "updates the lockfile");
                    if matches!(sub, "add" | "remove" | "rm" | "uninstall") {
                        files(sink, &[Some("package.json")], Effect::Modify, "updates it");
                    }
                }
                "test" | "t" | "run" | "run-script" | "build" | "exec" | "x" | "start" => {
                    files(
                        sink,
                        &[Some(".")],
                        Effect::ReadTree,
                        "runs a package script over it",
                    );
                    sink.unknown(format!(
                        "`{}`: what the script writes is unknown",
                        clip(text)
                    ));
                }
                _ => sink.unknown(format!("`{}`", clip(text))),
            }
        }
        "make" | "ninja" | "cmake" | "gradle" | "gradlew" | "./gradlew" | "mvn" | "tsc"
        | "pytest" | "jest" | "vitest" | "mocha" | "tox" | "nox" | "mypy" | "pyright"
        | "eslint" | "ruff" | "flake8" | "pylint" | "go" | "dotnet" | "swift" | "bazel" => {
            let writes_sources = a.has("--fix")
                || a.has("--write")
                || a.has_short('w')
                || a.operands.first().copied().flatten() == Some("format")
                || (name == "go" && a.operands.first().copied().flatten() == Some("fmt"));
            if writes_sources {
                files(sink, &[Some(".")], Effect::Modify, "rewrites sources");
            } else {
                files(sink, &[Some(".")], Effect::ReadTree, "builds or checks it");
            }
            if matches!(
                name,
                "make"
                    | "ninja"
                    | "cmake"
                    | "gradle"
                    | "gradlew"
                    | "mvn"
                    | "tsc"
                    | "dotnet"
                    | "bazel"
                    | "swift"
            ) {
                sink.unknown(format!("`{}`: build outputs unknown", clip(text)));
            }
        }
        "black" | "prettier" | "gofmt" | "rustfmt" | "isort" => {
            let check = a.has("--check") || a.has("-l") || a.has("--list-different");
            let targets: Vec<Option<&str>> = if a.operands.is_empty() {
                vec![Some(".")]
            } else {
                a.operands.clone()
            };
            let writes = !check
                && (name != "prettier" || a.has("--write"))
                && (name != "gofmt" || a.has_short('w'));
            let effect = if writes { Effect::Modify } else { Effect::Read };
            files(
                sink,
                &targets,
                effect,
                if writes { "formats it" } else { "checks it" },
            );
        }
        "python" | "python3" | "node" | "deno" | "ruby" | "perl" | "bash" | "sh" | "zsh"
        | "php" => match a.operands.first() {
            Some(Some(script)) if !a.has("-c") && !a.has("-e") && !a.has("-m") => {
                sink.touch_path(cwd, script, Effect::Read, &ev("runs it"));
                sink.unknown(format!(
                    "`{}`: what the script touches is unknown",
                    clip(text)
                ));
            }
            _ if a.value("-m").is_some() || a.has("-m") => {
                let module = args
                    .iter()
                    .skip_while(|w| w.as_deref() != Some("-m"))
                    .nth(1)
                    .cloned()
                    .flatten();
                match module.as_deref() {
                    Some("pytest" | "unittest" | "mypy" | "pyright") => {
                        files(sink, &[Some(".")], Effect::ReadTree, "tests or checks it");
                    }
                    _ => sink.unknown(format!("`{}`", clip(text))),
                }
            }
            _ => sink.unknown(format!("`{}`", clip(text))),
        },
        _ => sink.unknown(format!("`{}`", clip(text))),
    }
}

fn effect_word(e: Effect) -> &'static str {
    match e {
        Effect::Read | Effect::ReadTree => "reads it",
        Effect::Write => "writes it",
        Effect::Modify => "updates it",
        Effect::Create => "adds it",
        Effect::Delete => "deletes it",
    }
}

fn clip(text: &str) -> String {
    let one_line = text.lines().next().unwrap_or_default();
    let mut s: String = one_line.chars().take(100).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// `git [-C dir] <subcommand> ...`: the repository (`.git` under the directory it runs in)
/// and the working tree or paths it touches.
fn git(sink: &mut dyn Sink, args: &[Option<String>], cwd: &mut Option<String>, text: &str) {
    let mut i = 0;
    let mut dir = cwd.clone();
    while let Some(Some(a)) = args.get(i) {
        match a.as_str() {
            "-C" => {
                match args.get(i + 1).cloned().flatten() {
                    Some(d) => dir = Some(resolve(dir.as_deref(), &d)),
                    None => dir = None,
                }
                i += 2;
            }
            "-c" | "--git-dir" | "--work-tree" => i += 2,
            o if o.starts_with('-') => i += 1,
            _ => break,
        }
    }
    let Some(Some(sub)) = args.get(i) else {
        sink.unknown(format!("`{}`", clip(text)));
        return;
    };
    let rest = &args[i + 1..];
    let a = split("git", rest);
    let ev = |what: &str| format!("`{}` {what}", clip(text));
    let repo = ".git";
    let tree = ".";
    let t = |sink: &mut dyn Sink, p: &str, e: Effect, what: &str| {
        sink.touch_path(&dir, p, e, &ev(what))
    };
    let paths_after_dashdash: Vec<&str> = rest
        .iter()
        .skip_while(|w| w.as_deref() != Some("--"))
        .skip(1)
        .filter_map(|w| w.as_deref())
        .collect();
    match sub.as_str() {
        "status" | "diff" | "grep" | "ls-files" | "blame" => {
            t(sink, repo, Effect::Read, "reads the repository");
            t(sink, tree, Effect::ReadTree, "reads the working tree");
        }
        "log" | "show" | "rev-parse" | "describe" | "shortlog" | "reflog" | "cat-file"
        | "ls-tree" | "rev-list" | "remote" => {
            t(sink, repo, Effect::Read, "reads the repository");
        }
        "branch" | "tag"
            if a.operands.is_empty()
                || a.has("--list")
                || a.has("-l")
                || a.has("-a")
                || a.has("-v") =>
        {
            t(sink, repo, Effect::Read, "reads the repository");
        }
        "branch" | "tag" | "fetch" | "gc" | "config" => {
            t(sink, repo, Effect::Modify, "updates the repository");
        }
        "add" | "stage" => {
            t(sink, repo, Effect::Modify, "updates the index");
            for p in a.operands.iter().flatten() {
                let e = if *p == "." || p.contains(['*', '?']) {
                    Effect::ReadTree
                } else {
                    Effect::Read
                };
                t(sink, p, e, "stages it");
            }
            if a.has_short('A') || a.has("--all") || a.has_short('u') {
                t(sink, tree, Effect::ReadTree, "stages the working tree");
            }
        }
        "rm" => {
            t(sink, repo, Effect::Modify, "updates the index");
            let cached = a.has("--cached");
            for p in a.operands.iter().flatten() {
                t(
                    sink,
                    p,
                    if cached { Effect::Read } else { Effect::Delete },
                    "removes it",
                );
            }
        }
        "mv" => {
            t(sink, repo, Effect::Modify, "updates the index");
            if let Some((last, srcs)) = a.operands.split_last() {
                for p in srcs.iter().flatten() {
                    t(sink, p, Effect::Delete, "moves it away");
                }
                if let Some(p) = last {
                    t(sink, p, Effect::Create, "moves it here");
                }
            }
        }
        "commit" => {
            t(sink, repo, Effect::Modify, "writes a commit");
            if a.has_short('a') || a.has("--all") {
                t(sink, tree, Effect::ReadTree, "commits the working tree");
            }
        }
        "push" => t(sink, repo, Effect::Read, "pushes the repository"),
        "checkout" | "switch" | "restore" | "reset" | "stash" | "merge" | "rebase" | "pull"
        | "cherry-pick" | "revert" | "apply" | "am" | "clean" => {
            t(sink, repo, Effect::Modify, "updates the repository");
            if !paths_after_dashdash.is_empty() {
                for p in paths_after_dashdash {
                    t(sink, p, Effect::Modify, "restores it");
                }
            } else if sub == "restore" && !a.operands.is_empty() {
                for p in a.operands.iter().flatten() {
                    t(sink, p, Effect::Modify, "restores it");
                }
            } else {
                let soft_reset = sub == "reset" && !a.has("--hard");
                let stash_listing = sub == "stash"
                    && a.operands
                        .first()
                        .copied()
                        .flatten()
                        .is_some_and(|s| matches!(s, "list" | "show"));
                if !soft_reset && !stash_listing {
                    t(sink, tree, Effect::Modify, "rewrites the working tree");
                }
            }
        }
        "clone" => {
            if let Some(Some(dest)) = a.operands.get(1) {
                t(sink, dest, Effect::Create, "clones into it");
            } else {
                sink.unknown(format!("`{}`: clone destination from the URL", clip(text)));
            }
        }
        "init" => t(sink, repo, Effect::Create, "creates the repository"),
        _ => sink.unknown(format!("`{}`", clip(text))),
    }
}
