//! One way to show numbers and states (issue 14): every duration in every output comes from one
//! formatter (no `142 ms` beside `141ms`), offsets share the run's time origin, and a failed tool
//! call is marked wherever a call is drawn.

mod common;
use common::{fanout_in, sample, text};

fn run(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = fanout_in(dir.path(), None, args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// A duration as the shared formatter writes it: digits, an optional fraction, a unit, no space.
fn is_duration(s: &str) -> bool {
    if s == "0" {
        return true;
    }
    let unit = ["ns", "µs", "ms", "s"]
        .iter()
        .find(|u| s.ends_with(**u))
        .map(|u| u.len());
    match unit {
        Some(n) => {
            let num = &s[..s.len() - n];
            !num.is_empty() && num.chars().all(|c| c.is_ascii_digit() || c == '.')
        }
        None => {
            // `3m05s`
            s.contains('m') && s.ends_with('s')
        }
    }
}

#[test]
fn show_spans_uses_the_shared_formatter_the_run_origin_and_marks_failures() {
    let out = run(&["show", "--spans", &sample("timing_dependency.otlp.json")]);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(!rows.is_empty(), "{out}");
    for row in &rows {
        let mut words = row.split_whitespace();
        let offset = words.next().unwrap();
        let dur = words.next().unwrap();
        let sign = offset.chars().next().unwrap();
        assert!(sign == '+' || sign == '-', "{row}");
        assert!(is_duration(&offset[1..]), "offset {offset} in {row}");
        assert!(is_duration(dur), "duration {dur} in {row}");
    }
    assert!(
        out.contains("+0 "),
        "the first model or tool call is the origin:\n{out}"
    );
    assert!(out.contains("✗ failed"), "{out}");
}

#[test]
fn show_spans_offsets_match_the_viewer_inspector() {
    // The viewer's inspector says `+844ms` for the first deposit (the origin is the first model
    // call); `show --spans` used to say `+846.1ms` from the agent span's start.
    let out = run(&["show", "--spans", &sample("lost_update.otlp.json")]);
    let deposit = out
        .lines()
        .find(|l| l.contains("execute_tool deposit"))
        .unwrap();
    assert!(deposit.trim_start().starts_with("+844ms"), "{out}");
    assert!(deposit.contains(" 142ms "), "{out}");
    let root = out.lines().nth(1).unwrap();
    assert!(
        root.trim_start().starts_with("-2.1ms"),
        "the agent span started before the origin: {out}"
    );
}

#[test]
fn show_and_svg_write_durations_without_a_space_before_the_unit() {
    let f = sample("lost_update.otlp.json");
    for out in [
        run(&["show", &f]),
        run(&["export", &f, "--format", "svg"]),
        run(&["export", &f, "--format", "md"]),
    ] {
        for unit in [" ms", " µs", " s "] {
            let bad = out
                .lines()
                .find(|l| l.contains(unit) && l.chars().any(|c| c.is_ascii_digit()))
                .filter(|l| {
                    let i = l.find(unit).unwrap();
                    l[..i].ends_with(|c: char| c.is_ascii_digit())
                });
            assert!(bad.is_none(), "old formatter output: {bad:?}");
        }
    }
}

#[test]
fn a_failed_call_is_marked_in_svg_and_perfetto() {
    let f = sample("timing_dependency.otlp.json");
    let svg = run(&["export", &f, "--format", "svg"]);
    assert!(
        svg.contains("class=\"call error\"") || svg.contains("class=\"call conflict error\""),
        "{svg}"
    );
    assert!(svg.contains("✗ "), "the label says it failed");
    let perfetto = run(&["export", &f, "--format", "perfetto"]);
    assert!(perfetto.contains("(failed)"), "{perfetto}");
    assert!(perfetto.contains("failed\""), "a category to filter on");
}

#[test]
fn a_clean_run_is_never_said_to_have_a_suspect_batch() {
    for f in ["clean_sequential.otlp.json", "read_only_batch.otlp.json"] {
        let f = sample(f);
        for out in [
            run(&["show", &f]),
            run(&["why", &f]),
            run(&["export", &f, "--format", "svg"]),
            run(&["export", &f, "--format", "md"]),
        ] {
            let said = out
                .lines()
                .find(|l| l.to_lowercase().contains("suspect") && !l.contains("none"));
            assert!(said.is_none(), "{said:?}");
        }
    }
}

#[test]
fn a_batch_export_names_the_resource_in_full_on_both_charts() {
    let svg = run(&[
        "export",
        &sample("lost_update.otlp.json"),
        "--batch",
        "b1",
        "--format",
        "svg",
    ]);
    assert_eq!(
        svg.matches("⚠ account:acc-1001 (observed)").count(),
        2,
        "no label cut at the picture's edge:\n{svg}"
    );
    assert!(!svg.contains("account…"), "{svg}");
}
