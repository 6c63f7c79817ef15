//! `sample-traces/exported/` holds one export of each format made from the lost-update sample, so
//! people can see the output without running fanout. This test regenerates them in memory and
//! fails when a checked-in file differs, so they never drift from the code.
//!
//! Regenerate with:
//!
//! ```sh
//! FANOUT_REGENERATE_EXPORTS=1 cargo test --test exported_samples
//! ```

use std::path::PathBuf;

use fanout::analysis::{analyze_trace, Catalog, Severity};
use fanout::export::{self, AuditFormat, ExportFormat};
use fanout::ingest::load_path;
use fanout::model::Trace;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces")
}

/// (file name, contents) of every exported example.
fn generate() -> Vec<(&'static str, Vec<u8>)> {
    let spans = load_path(&root().join("lost_update.otlp.json")).expect("lost_update sample");
    let id = spans.first().map(|s| s.trace_id).expect("spans");
    let t = analyze_trace(&Trace::new(id, spans), &Catalog::default());
    let mut out = Vec::new();
    for (name, f) in [
        ("lost_update.perfetto.json", ExportFormat::Perfetto),
        ("lost_update.svg", ExportFormat::Svg),
        ("lost_update.md", ExportFormat::Md),
        ("lost_update.json", ExportFormat::Json),
    ] {
        let mut buf = Vec::new();
        export::export(&t, None, f, &mut buf).expect("export");
        out.push((name, buf));
    }
    for (name, f) in [
        ("lost_update.sarif", AuditFormat::Sarif),
        ("lost_update.junit.xml", AuditFormat::Junit),
        ("lost_update.audit.txt", AuditFormat::Table),
    ] {
        let mut buf = Vec::new();
        export::audit(
            std::slice::from_ref(&t),
            &[vec!["sample-traces/lost_update.otlp.json".to_owned()]],
            f,
            Some(Severity::Observed),
            &mut buf,
        )
        .expect("audit");
        out.push((name, buf));
    }
    let report = export::trace_report(&t, None).expect("report");
    let mut show = Vec::new();
    export::text::write_show(&report, &mut show).expect("show");
    out.push(("lost_update.show.txt", show));
    let mut why = Vec::new();
    export::text::write_why(&report, &mut why).expect("why");
    out.push(("lost_update.why.txt", why));
    out
}

#[test]
fn exported_examples_match_the_code() {
    let dir = root().join("exported");
    let files = generate();
    if std::env::var_os("FANOUT_REGENERATE_EXPORTS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, data) in &files {
            std::fs::write(dir.join(name), data).unwrap();
        }
        eprintln!("wrote {} files to {}", files.len(), dir.display());
        return;
    }
    if !dir.is_dir() {
        eprintln!("skipped: {} not generated yet; run FANOUT_REGENERATE_EXPORTS=1 cargo test --test exported_samples", dir.display());
        return;
    }
    for (name, data) in &files {
        let on_disk = std::fs::read(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == *data,
            "sample-traces/exported/{name} is out of date; regenerate with FANOUT_REGENERATE_EXPORTS=1 cargo test --test exported_samples"
        );
    }
}
