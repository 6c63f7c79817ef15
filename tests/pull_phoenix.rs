//! `fanout pull` against a REAL Arize Phoenix server. `tests/phoenix/run.sh` installs Phoenix
//! (cached), starts it on loopback and runs this test with `--ignored`; it needs the server's
//! URL in `FANOUT_TEST_PHOENIX_URL` and the Python with the OpenTelemetry SDK in
//! `FANOUT_TEST_PHOENIX_PYTHON`.

mod common;

use std::path::Path;
use std::process::Command;

use common::text;

#[test]
#[ignore = "needs a running Phoenix: tests/phoenix/run.sh"]
fn pull_a_trace_sent_to_a_real_phoenix() {
    let url = std::env::var("FANOUT_TEST_PHOENIX_URL").expect("FANOUT_TEST_PHOENIX_URL");
    let python = std::env::var("FANOUT_TEST_PHOENIX_PYTHON").expect("FANOUT_TEST_PHOENIX_PYTHON");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/phoenix/send_trace.py");
    let project = "fanout-pull-test";
    let sent = Command::new(&python)
        .arg(&script)
        .arg(format!("{url}/v1/traces"))
        .arg(project)
        .output()
        .expect("run send_trace.py");
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    let trace_id = text(&sent.stdout).trim().to_owned();
    assert_eq!(trace_id.len(), 32, "{trace_id:?}");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fanout.db");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_fanout"))
            .args(args)
            .arg("--db")
            .arg(&db)
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("FANOUT_PULL_TOKEN")
            .env_remove("FANOUT_PULL_USER")
            .output()
            .expect("run fanout")
    };
    // Phoenix writes spans asynchronously after acknowledging them: wait until they are there.
    let mut out = run(&["pull", &url, &trace_id, "--json"]);
    for _ in 0..30 {
        if out.status.success() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        out = run(&["pull", &url, &trace_id, "--json"]);
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    eprintln!("{summary:#}");
    assert_eq!(summary["backend"], "phoenix");
    assert_eq!(summary["trace_id"], trace_id.as_str());
    assert_eq!(summary["spans_read"], 5);
    assert_eq!(summary["model_calls"], 2);
    assert_eq!(summary["tool_calls"], 2);
    assert_eq!(summary["batches"], 1);
    assert!(
        summary["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "shared_state_mutation" && f["severity"] == "observed"),
        "{summary:#}"
    );

    // The search lists it, and `why` walks from the answer back to the batch.
    let listed = run(&["pull", &url, "--search", project]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(
        text(&listed.stdout).contains(&trace_id),
        "{}",
        text(&listed.stdout)
    );
    let why = run(&["why", &trace_id[..8]]);
    assert!(why.status.success(), "{}", text(&why.stderr));
    eprintln!("{}", text(&why.stdout));
}
