//! Table-driven tests of shell parsing and coding-tool accesses.

use serde_json::json;

use super::shell::{analyze, analyze_argv, Effect};
use super::*;

/// (script, expected touches as "effect path", expected final cwd, expected unknown count)
type Case = (
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
    usize,
);

fn effect_name(e: Effect) -> &'static str {
    match e {
        Effect::Read => "read",
        Effect::ReadTree => "tree",
        Effect::Write => "write",
        Effect::Modify => "modify",
        Effect::Create => "create",
        Effect::Delete => "delete",
    }
}

const CASES: &[Case] = &[
    // Pipelines and lists.
    ("cat src/a.rs | grep -n foo", &["read /w/src/a.rs"], None, 0),
    (
        "cat a && rm b; touch c",
        &["read /w/a", "delete /w/b", "create /w/c"],
        None,
        0,
    ),
    ("false || mkdir -p out/x", &["create /w/out/x"], None, 0),
    // Quoting and escapes: one word each.
    (
        "cat 'my file.txt' \"other file\" with\\ space",
        &[
            "read /w/my file.txt",
            "read /w/other file",
            "read /w/with space",
        ],
        None,
        0,
    ),
    ("rm -f -- '-weird'", &["delete /w/-weird"], None, 0),
    // Redirections.
    ("echo hi > out.txt", &["write /w/out.txt"], None, 0),
    (
        "echo hi >> log.txt 2> err.log",
        &["modify /w/log.txt", "write /w/err.log"],
        None,
        0,
    ),
    (
        "sort < in.txt > /tmp/sorted",
        &["read /w/in.txt", "write /tmp/sorted"],
        None,
        0,
    ),
    (
        "make &> build.log",
        &["write /w/build.log", "tree /w"],
        None,
        1,
    ),
    ("cmd 2>/dev/null", &[], None, 1),
    // Heredocs: the body is not a path; the redirection target is.
    (
        "cat > notes.md <<'EOF'\n> not a redirect\nEOF\n",
        &["write /w/notes.md"],
        None,
        0,
    ),
    // cd: changes the directory for what follows, not inside subshells or pipeline stages.
    (
        "cd sub && cat a.txt",
        &["read /w/sub/a.txt"],
        Some("/w/sub"),
        0,
    ),
    (
        "(cd sub && rm x) && cat y",
        &["delete /w/sub/x", "read /w/y"],
        None,
        0,
    ),
    ("cd sub | cat z", &["read /w/z"], None, 0),
    ("cd /abs/dir; ls", &["tree /abs/dir"], Some("/abs/dir"), 0),
    // Globs stand for their folder.
    ("rm src/*.o", &["modify /w/src"], None, 0),
    ("cat docs/*.md", &["tree /w/docs"], None, 0),
    // Expansions are never guessed.
    ("rm \"$TMPFILE\"", &[], None, 1),
    ("cat $(git ls-files)", &[], None, 1),
    // File verbs.
    (
        "mv a.txt b.txt",
        &["delete /w/a.txt", "create /w/b.txt"],
        None,
        0,
    ),
    ("cp -r src dst", &["tree /w/src", "create /w/dst"], None, 0),
    ("sed -i 's/a/b/' conf.ini", &["modify /w/conf.ini"], None, 0),
    ("sed -n '1,5p' conf.ini", &["read /w/conf.ini"], None, 0),
    (
        "echo x | tee -a a.log b.log",
        &["modify /w/a.log", "modify /w/b.log"],
        None,
        0,
    ),
    ("grep -rn TODO src", &["tree /w/src"], None, 0),
    ("rg foo", &["tree /w"], None, 0),
    ("head -n 5 README.md", &["read /w/README.md"], None, 0),
    ("sudo rm -rf build", &["delete /w/build"], None, 0),
    // git.
    (
        "git add src/a.rs && git commit -m 'x y'",
        &["modify /w/.git", "read /w/src/a.rs"],
        None,
        0,
    ),
    (
        "git -C repo status",
        &["read /w/repo/.git", "tree /w/repo"],
        None,
        0,
    ),
    (
        "git checkout -- a.rs",
        &["modify /w/.git", "modify /w/a.rs"],
        None,
        0,
    ),
    ("git stash", &["modify /w/.git", "modify /w"], None, 0),
    // Builds, tests, package managers.
    (
        "cargo test -q",
        &["tree /w", "modify /w/target", "modify /w/Cargo.lock"],
        None,
        0,
    ),
    (
        "npm install left-pad",
        &[
            "read /w/package.json",
            "modify /w/node_modules",
            "modify /w/package-lock.json",
        ],
        None,
        0,
    ),
    ("python -m pytest tests", &["tree /w"], None, 0),
    // Unknown commands are unknown, never a confident read.
    ("frobnicate --all", &[], None, 1),
    ("python build.py", &["read /w/build.py"], None, 1),
    // Codex patches through the shell.
    (
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: n.txt\n+x\n*** End Patch\nEOF\n",
        &["create /w/n.txt"],
        None,
        0,
    ),
];

#[test]
fn shell_scripts_are_parsed_into_what_they_touch() {
    for (script, touches, cwd, unknown) in CASES {
        let fx = analyze(script, Some("/w"));
        let got: Vec<String> = fx
            .touches
            .iter()
            .map(|t| format!("{} {}", effect_name(t.effect), t.path))
            .collect();
        assert_eq!(got, *touches, "touches of {script:?}");
        assert_eq!(fx.final_cwd.as_deref(), *cwd, "cwd after {script:?}");
        assert_eq!(
            fx.unknown.len(),
            *unknown,
            "unknown in {script:?}: {:?}",
            fx.unknown
        );
        assert!(fx.parse_error.is_none(), "{script:?}: {:?}", fx.parse_error);
    }
}

#[test]
fn an_unparsable_script_is_unknown_not_guessed() {
    let fx = analyze("echo 'unterminated", Some("/w"));
    assert!(fx.touches.is_empty());
    assert!(fx.parse_error.is_some());
    assert_eq!(fx.unknown.len(), 1);
}

#[test]
fn codex_argv_runs_the_script_of_bash_lc() {
    let argv: Vec<String> = ["bash", "-lc", "cd src && touch a.rs"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let fx = analyze_argv(&argv, Some("/w"));
    assert_eq!(fx.touches[0].path, "/w/src/a.rs");
    let argv: Vec<String> = ["rm", "it's.txt"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        analyze_argv(&argv, Some("/w")).touches[0].path,
        "/w/it's.txt"
    );
}

fn resources(found: &Inferred) -> Vec<(String, AccessMode)> {
    found
        .accesses
        .iter()
        .map(|a| (a.resource.clone(), a.mode))
        .collect()
}

#[test]
fn file_tools_name_one_resource_for_every_spelling() {
    let abs = infer(
        "Edit",
        Some(&json!({"file_path": "/w/src/a.rs"})),
        Some("/w"),
    )
    .unwrap();
    let rel = infer(
        "replace",
        Some(&json!({"file_path": "src/a.rs"})),
        Some("/w"),
    )
    .unwrap();
    let dot = infer(
        "write_file",
        Some(&json!({"file_path": "./src/a.rs"})),
        Some("/w"),
    )
    .unwrap();
    assert_eq!(
        resources(&abs),
        vec![("file:/w/src/a.rs".into(), AccessMode::ReadWrite)]
    );
    assert_eq!(resources(&rel), resources(&abs));
    assert_eq!(
        resources(&dot),
        vec![("file:/w/src/a.rs".into(), AccessMode::Write)]
    );
    let grep = infer("Grep", Some(&json!({"pattern": "x"})), Some("/w")).unwrap();
    assert_eq!(resources(&grep), vec![("file:/w".into(), AccessMode::Read)]);
    assert!(infer("mcp__github__create_issue", Some(&json!({})), Some("/w")).is_none());
}

#[test]
fn apply_patch_and_shell_tools_report_writes_and_creates() {
    let patch = "*** Begin Patch\n*** Update File: src/a.rs\n@@\n-a\n+b\n*** Add File: src/n.rs\n+x\n*** End Patch";
    let found = infer("apply_patch", Some(&json!({"input": patch})), Some("/w")).unwrap();
    assert_eq!(
        resources(&found),
        vec![
            ("file:/w/src/a.rs".into(), AccessMode::ReadWrite),
            ("file:/w/src/n.rs".into(), AccessMode::Write)
        ]
    );
    assert!(found.creates.contains("file:/w/src/n.rs"));
    let shell = infer(
        "shell",
        Some(&json!({"command": ["bash", "-lc", "echo x > out.txt"], "workdir": "/repo"})),
        Some("/w"),
    )
    .unwrap();
    assert_eq!(
        resources(&shell),
        vec![("file:/repo/out.txt".into(), AccessMode::Write)]
    );
}

#[test]
fn unknown_commands_read_the_folder_with_low_confidence_and_say_so() {
    let found = infer("Bash", Some(&json!({"command": "frob x"})), Some("/w")).unwrap();
    let folder = &found.accesses[0];
    assert_eq!(folder.resource, "file:/w");
    assert_eq!(folder.mode, AccessMode::Read);
    assert_eq!(folder.confidence, Confidence::Low);
    assert!(
        folder.evidence.contains("unknown command `frob x`"),
        "{}",
        folder.evidence
    );
}

#[test]
fn cd_in_a_persistent_shell_is_shared_state() {
    let cd = infer("Bash", Some(&json!({"command": "cd sub"})), Some("/w")).unwrap();
    assert!(cd
        .accesses
        .iter()
        .any(|a| a.resource == SHELL_CWD && a.mode == AccessMode::Write));
    let rel = infer("Bash", Some(&json!({"command": "cat a.txt"})), Some("/w")).unwrap();
    assert!(rel
        .accesses
        .iter()
        .any(|a| a.resource == SHELL_CWD && a.mode == AccessMode::Read));
    // Codex runs every command in its own process: no shared directory.
    let codex = infer(
        "shell_command",
        Some(&json!({"command": "cd sub"})),
        Some("/w"),
    )
    .unwrap();
    assert!(codex.accesses.iter().all(|a| a.resource != SHELL_CWD));
}
