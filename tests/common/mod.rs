//! Helpers shared by integration tests: where the shared corpus is, and its manifests.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod pg;
pub mod stores;
pub mod tmux;
pub mod viewer;

/// `../shared/corpus` beside the checkout, when present.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Says clearly that a whole-corpus test did not run.
pub fn skip_without_corpus(test: &str) {
    eprintln!("skipped: {test}: ../shared/corpus not found (the corpus ships beside the repository, not in it)");
}

/// One corpus trace file with the facts both manifests give.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    pub path: PathBuf,
    pub id: String,
    pub trace_id: String,
    pub span_count: usize,
}

/// Every trace file listed by `python/manifest.json` and `node/manifest.json`.
pub fn corpus_files(root: &std::path::Path) -> Vec<CorpusFile> {
    let mut out = Vec::new();
    let py: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("python/manifest.json")).unwrap())
            .unwrap();
    for t in py["traces"].as_array().unwrap() {
        for (_, f) in t["files"].as_object().unwrap() {
            out.push(CorpusFile {
                path: root.join("python").join(f.as_str().unwrap()),
                id: t["id"].as_str().unwrap().to_owned(),
                trace_id: t["trace_id"].as_str().unwrap().to_owned(),
                span_count: t["spans"].as_u64().unwrap() as usize,
            });
        }
    }
    let node: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("node/manifest.json")).unwrap())
            .unwrap();
    for t in node["files"].as_array().unwrap() {
        let mut names = vec![t["file"].as_str().unwrap().to_owned()];
        for twin in t["same_run_as"].as_array().into_iter().flatten() {
            names.push(twin.as_str().unwrap().to_owned());
        }
        for name in names {
            let path = root.join("node").join(&name);
            if out.iter().any(|f: &CorpusFile| f.path == path) {
                continue;
            }
            out.push(CorpusFile {
                path,
                id: name.clone(),
                trace_id: t["trace_ids"][0].as_str().unwrap().to_owned(),
                span_count: t["span_count"].as_u64().unwrap() as usize,
            });
        }
    }
    out
}

/// A bundled sample trace's path, as a string for command lines.
pub fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sample-traces")
        .join(name)
        .display()
        .to_string()
}

/// Command output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The standard output of a command that must have exited 0 (both outputs shown when not).
pub fn ok(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs the built `fanout` with `--db db` (when given) in `dir`, with HOME and the data folder
/// inside `dir` so the user's own database and catalog are never touched.
pub fn fanout_in(
    dir: &std::path::Path,
    db: Option<&std::path::Path>,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fanout"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("FANOUT_DB")
        .env_remove("FANOUT_CATALOG")
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("NO_COLOR", "1");
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    cmd.output().expect("run fanout")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Stores each file in `store`, one transaction each, as `fanout ingest` does (a bad record
/// fails its file); each file's outcome.
pub fn ingest_files(
    store: &mut fanout::store::Store,
    paths: &[PathBuf],
) -> Vec<Result<fanout::pipeline::StoredInput, String>> {
    use fanout::pipeline::{ingest_inputs, IngestOptions, Input};
    let inputs: Vec<Input> = paths.iter().map(|p| Input::Path(p.clone())).collect();
    let opts = IngestOptions {
        on_invalid: fanout::ingest::OnInvalid::Fail,
        ..Default::default()
    };
    ingest_inputs(store, &inputs, opts)
        .into_iter()
        .map(|r| r.result)
        .collect()
}

/// [`ingest_files`] where every file must be stored.
pub fn ingest_ok(
    store: &mut fanout::store::Store,
    paths: &[PathBuf],
) -> Vec<fanout::pipeline::StoredInput> {
    ingest_files(store, paths)
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}
