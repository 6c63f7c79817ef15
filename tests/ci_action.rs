//! The GitHub Actions composite action (`action.yml`) is valid and its shell steps run: parsed as
//! YAML, then each `run` script executed with bash in a temp folder the way the runner would
//! (inputs passed through `env`, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, the built
//! fanout on `PATH`).

use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn action() -> Yaml {
    let text =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
            .expect("action.yml");
    YamlLoader::load_from_str(&text)
        .expect("action.yml is YAML")
        .remove(0)
}

fn step<'a>(action: &'a Yaml, name: &str) -> &'a Yaml {
    action["runs"]["steps"]
        .as_vec()
        .expect("steps")
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step named {name}"))
}

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sample-traces")
        .join(name)
        .display()
        .to_string()
}

/// Runs a step's script with bash, its `env` values given (in place of the `${{ }}`
/// expressions the runner would fill in).
fn run_step(script: &str, dir: &Path, env: &[(&str, &str)]) -> std::process::ExitStatus {
    let bin = Path::new(env!("CARGO_BIN_EXE_fanout")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-e")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("FANOUT_DB")
        .env_remove("FANOUT_CATALOG")
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env("GITHUB_PATH", dir.join("path"))
        .env("RUNNER_TEMP", dir)
        .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.status().expect("run bash")
}

#[test]
fn the_action_is_a_composite_action_with_the_documented_inputs() {
    let a = action();
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"));
    assert_eq!(a["inputs"]["paths"]["required"].as_bool(), Some(true));
    assert_eq!(a["inputs"]["fail-on"]["default"].as_str(), Some("observed"));
    for s in a["runs"]["steps"].as_vec().unwrap() {
        assert!(s["name"].as_str().is_some(), "every step is named");
        if s["run"].as_str().is_some() {
            assert_eq!(
                s["shell"].as_str(),
                Some("bash"),
                "composite run steps need a shell"
            );
        }
    }
    let upload = step(&a, "Upload SARIF to code scanning");
    assert!(upload["uses"]
        .as_str()
        .unwrap()
        .starts_with("github/codeql-action/upload-sarif@"));
}

#[test]
fn the_steps_audit_write_sarif_and_gate_the_job() {
    if Command::new("bash").arg("--version").output().is_err() {
        println!("skipped: bash not found");
        return;
    }
    let a = action();
    let dir = tempfile::tempdir().unwrap();
    let script = |name: &str| step(&a, name)["run"].as_str().unwrap().to_owned();

    // fanout is on PATH: the install step leaves it alone.
    assert!(run_step(&script("Install fanout"), dir.path(), &[]).success());

    let paths = format!(
        "{} {}",
        sample("lost_update.otlp.json"),
        sample("read_only_batch.otlp.json")
    );
    let audit = run_step(
        &script("Audit traces"),
        dir.path(),
        &[
            ("FANOUT_PATHS", &paths),
            ("FANOUT_FAIL_ON", "observed"),
            ("FANOUT_SARIF", "fanout.sarif"),
        ],
    );
    assert!(
        audit.success(),
        "the audit step records the exit code and goes on"
    );
    let output = std::fs::read_to_string(dir.path().join("output")).unwrap();
    assert!(output.contains("exit-code=1"), "{output}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("fanout.sarif")).unwrap()).unwrap();
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("shared_state_mutation"), "{summary}");
    assert!(
        !dir.path().join("data").exists(),
        "files are audited in memory"
    );

    let gate = script("Gate on the audit");
    assert_eq!(
        run_step(&gate, dir.path(), &[("FANOUT_EXIT", "1")]).code(),
        Some(1)
    );
    assert!(run_step(&gate, dir.path(), &[("FANOUT_EXIT", "0")]).success());

    // A clean trace passes.
    std::fs::remove_file(dir.path().join("output")).unwrap();
    let clean = sample("read_only_batch.otlp.json");
    let audit = run_step(
        &script("Audit traces"),
        dir.path(),
        &[
            ("FANOUT_PATHS", &clean),
            ("FANOUT_FAIL_ON", "latent"),
            ("FANOUT_SARIF", "clean.sarif"),
        ],
    );
    assert!(audit.success());
    let output = std::fs::read_to_string(dir.path().join("output")).unwrap();
    assert!(output.contains("exit-code=0"), "{output}");
}
