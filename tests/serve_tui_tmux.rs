//! End to end, as a person watches a live run: `fanout --listen` runs in tmux, the real Python
//! OpenTelemetry SDK exports an agent run whose parallel batch loses an update, and the screen
//! (read with `tmux capture-pane`) shows the trace, live, with its finding, without a key press.
//! Then, with following on (`F`), the next run opens by itself. Skips, saying so, without tmux
//! or the exporter packages (`.ci/run` installs both); under CI=true a missing one fails.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::tmux::Tmux;

fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is missing under CI=true: .ci/run must install it");
    }
    eprintln!("skipped: {what} is not installed (bash .ci/run installs it)");
}

fn python() -> Option<PathBuf> {
    let home = PathBuf::from(std::env::var("HOME").unwrap_or_default());
    [
        std::env::var_os("FANOUT_TEST_PYTHON").map(PathBuf::from),
        Some(home.join(".cache/fanout-ci/venv/bin/python")),
    ]
    .into_iter()
    .flatten()
    .find(|p| {
        Command::new(p)
            .args([
                "-c",
                "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http",
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn export(python: &Path, port: u16) -> String {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/exporters/agent_run.py");
    let out = Command::new(python)
        .arg(script)
        .arg("http")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exporter failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_live_run_appears_with_its_finding_and_following_opens_the_next() {
    if Command::new("tmux").arg("-V").output().is_err() {
        return missing("tmux");
    }
    let Some(python) = python() else {
        return missing("a Python with opentelemetry-sdk and the OTLP/HTTP exporter");
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let command = format!(
        "env NO_COLOR=1 TERM=xterm-256color '{}' --db '{}' --listen --http 127.0.0.1:{port} --grpc off; sleep 30",
        env!("CARGO_BIN_EXE_fanout"),
        dir.path().join("live.db").display(),
    );
    let tmux = Tmux::start(dir.path(), "fanout-live", (140, 36), &command);
    let empty = tmux.screen_until(|s| s.contains("live:"));
    assert!(empty.contains(&format!("127.0.0.1:{port}")), "{empty}");

    let first = export(&python, port);
    let screen =
        tmux.screen_until(|s| s.contains("shop-agent-http") && s.contains('‼') && s.contains('●'));
    let row = screen
        .lines()
        .find(|l| l.contains("shop-agent-http"))
        .unwrap_or_else(|| panic!("the trace did not appear:\n{screen}"));
    assert!(
        row.contains('‼'),
        "the lost update is not flagged:\n{screen}"
    );
    assert!(row.contains('●'), "the trace is not marked live:\n{screen}");
    assert!(
        screen.contains("from 1 exporter"),
        "the status line counts spans and exporters:\n{screen}"
    );
    assert!(!first.is_empty());

    // Follow new traces: the next run opens by itself.
    tmux.keys("F");
    tmux.screen_until(|s| s.contains("following"));
    let second = export(&python, port);
    let opened = tmux.screen_until(|s| s.contains(&second[..8]) && s.contains("deposit"));
    assert!(
        opened.contains(&second[..8]) && opened.contains("deposit"),
        "the new trace did not open:\n{opened}"
    );
    tmux.keys("q");
}
