//! JUnit XML for `fanout audit --format junit`: one test suite per trace, one test case per batch.
//! A batch fails when it has a finding at or above `--fail-on` (one `<failure>` per such finding,
//! its type the finding kind); findings below the threshold are listed in `<system-out>` so they
//! stay visible without failing the build. Times are the batches' wall times in seconds (`0` for
//! untimed transcripts, which a `timing` property marks). All text is XML-escaped.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::dto::{BatchDto, Report, TraceReport};
use super::xml::escape;
use super::{fails, prose};
use crate::analysis::Severity;

fn secs(n: Option<u64>) -> String {
    format!("{:.3}", n.unwrap_or(0) as f64 / 1e9)
}

/// Writes the JUnit document.
pub fn write(report: &Report, fail_on: Option<Severity>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(report, fail_on).as_bytes())
}

/// Renders the JUnit document as a string.
pub fn render(report: &Report, fail_on: Option<Severity>) -> String {
    let failing = |t: &TraceReport, b: &BatchDto| {
        t.findings
            .iter()
            .filter(|f| f.batch_id == b.batch_id && fails(f.severity, fail_on))
            .count()
    };
    let tests: usize = report.traces.iter().map(|t| t.batches.len()).sum();
    let failures: usize = report
        .traces
        .iter()
        .map(|t| t.batches.iter().filter(|b| failing(t, b) > 0).count())
        .sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        r#"<testsuites name="fanout audit" tests="{tests}" failures="{failures}" errors="0">"#
    );
    for t in &report.traces {
        let suite_failures = t.batches.iter().filter(|b| failing(t, b) > 0).count();
        let _ = writeln!(
            s,
            r#"  <testsuite name="trace {id}" tests="{}" failures="{suite_failures}" errors="0" skipped="0" time="{}">"#,
            t.batches.len(),
            secs(t.latency.total_nanos),
            id = escape(&t.trace_id)
        );
        s.push_str("    <properties>\n");
        let threshold = fail_on.map_or("never", Severity::as_str);
        let mut props = vec![
            ("timing", t.timing.to_string()),
            ("conventions", t.conventions.join(",")),
            ("fail_on", threshold.to_owned()),
            ("suspect_batch_ids", t.suspect_batch_ids.join(",")),
        ];
        props.extend(
            t.degradations
                .iter()
                .map(|d| ("degraded", format!("{}: {}", d.code, d.message))),
        );
        for (k, v) in props {
            let _ = writeln!(s, r#"      <property name="{k}" value="{}"/>"#, escape(&v));
        }
        s.push_str("    </properties>\n");
        for b in &t.batches {
            let names: Vec<&str> = b.calls.iter().map(|c| c.tool.as_str()).collect();
            let name = format!(
                "batch {} ({} call{}: {})",
                b.batch_id,
                b.calls.len(),
                if b.calls.len() == 1 { "" } else { "s" },
                names.join(", ")
            );
            let _ = write!(
                s,
                r#"    <testcase classname="fanout.trace.{}" name="{}" time="{}""#,
                escape(&t.trace_id),
                escape(&super::truncate(&name, 200)),
                secs(b.wall_nanos)
            );
            if let Some(file) = t.sources.first() {
                let _ = write!(s, r#" file="{}""#, escape(file));
            }
            let findings: Vec<_> = t
                .findings
                .iter()
                .filter(|f| f.batch_id == b.batch_id)
                .collect();
            if findings.is_empty() {
                s.push_str("/>\n");
                continue;
            }
            s.push_str(">\n");
            let mut below = Vec::new();
            for f in findings {
                let sentence = prose::finding_sentence(t, f);
                if fails(f.severity, fail_on) {
                    let message = format!("{} {} on {}", f.severity, f.kind, f.resource);
                    let body = format!(
                        "{sentence}\nsignals: {}\ncalls: {}",
                        f.signals.join("; "),
                        f.call_ids.join(", ")
                    );
                    let _ = writeln!(
                        s,
                        r#"      <failure type="{}" message="{}">{}</failure>"#,
                        escape(f.kind.as_str()),
                        escape(&message),
                        escape(&body)
                    );
                } else {
                    below.push(sentence);
                }
            }
            if !below.is_empty() {
                let _ = writeln!(
                    s,
                    "      <system-out>{}</system-out>",
                    escape(&below.join("\n"))
                );
            }
            s.push_str("    </testcase>\n");
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    fn doc_text(fail_on: Option<Severity>) -> String {
        render(&Report::new(&fixtures::all()), fail_on)
    }

    #[test]
    fn one_case_per_batch_and_failures_at_or_above_the_threshold() {
        let text = doc_text(Some(Severity::Observed));
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("tests"), Some("5"), "1 + 1 + 2 + 1 batches");
        assert_eq!(root.attribute("failures"), Some("1"));
        let suites: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 4);
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 5);
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(failure.attribute("type"), Some("shared_state_mutation"));
        assert!(failure
            .text()
            .unwrap()
            .contains("between deposit (call_dep) and withdraw (call_wd)"));
        assert_eq!(failure.parent().unwrap().attribute("time"), Some("0.150"));
        // The latent ones are reported, not failed.
        let outs: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("system-out"))
            .collect();
        assert_eq!(outs.len(), 2);
    }

    #[test]
    fn the_threshold_moves_failures() {
        let latent = roxmltree::Document::parse(&doc_text(Some(Severity::Latent)))
            .map(|d| {
                d.descendants()
                    .filter(|n| n.has_tag_name("failure"))
                    .count()
            })
            .unwrap();
        assert_eq!(latent, 3);
        let never = doc_text(None);
        assert!(!never.contains("<failure"));
        assert!(never.contains(r#"<property name="fail_on" value="never"/>"#));
    }

    #[test]
    fn hostile_names_stay_escaped() {
        let mut t = fixtures::lost_update();
        t.run.tool_calls[0].name = "\"/><x a='1'>&\u{1b}[1m".into();
        let text = render(&Report::new(&[t]), Some(Severity::Observed));
        let doc = roxmltree::Document::parse(&text).expect("well-formed");
        assert!(!doc.descendants().any(|n| n.has_tag_name("x")));
        assert!(!text.contains('\u{1b}'));
    }
}
