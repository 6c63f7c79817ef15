//! SVG tests: the document parses as XML, has one lane per sibling track, marks conflicting
//! siblings by pattern and outline (not colour alone), links the shared resource, and escapes text.

use super::*;
use crate::export::fixtures;

fn svg(t: &crate::analysis::AnalyzedTrace) -> String {
    render(&TraceReport::from_analyzed(t))
}

fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        })
        .collect()
}

#[test]
fn lost_update_draws_two_sibling_lanes_with_hatched_conflicts_and_a_resource_link() {
    let s = svg(&fixtures::lost_update());
    let doc = roxmltree::Document::parse(&s).expect("well-formed XML");
    let root = doc.root_element();
    assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")));
    let lanes: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .collect();
    assert_eq!(
        lanes
            .iter()
            .filter(|n| n.attribute("data-kind") == Some("tool"))
            .count(),
        2
    );
    assert_eq!(
        lanes
            .iter()
            .filter(|n| n.attribute("data-kind") == Some("model"))
            .count(),
        1
    );
    let conflicts: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect")
                && n.attribute("class") == Some("call conflict")
                && n.attribute("data-call-id").is_some()
        })
        .collect();
    let ids: Vec<&str> = conflicts
        .iter()
        .filter_map(|n| n.attribute("data-call-id"))
        .collect();
    assert_eq!(ids, ["call_dep", "call_wd"]);
    for n in &conflicts {
        assert_eq!(
            n.attribute("fill"),
            Some("url(#hatch)"),
            "pattern, not colour only"
        );
        assert!(n.attribute("stroke-dasharray").is_some(), "dashed outline");
    }
    // The two siblings sit in different lanes (rows).
    let ys: Vec<&str> = conflicts.iter().filter_map(|n| n.attribute("y")).collect();
    assert_ne!(ys[0], ys[1]);
    let link = doc
        .descendants()
        .find(|n| n.attribute("data-resource") == Some("account:acc-1001"))
        .expect("resource link");
    assert!(link.attribute("class").unwrap().contains("shared-resource"));
    assert!(doc
        .descendants()
        .any(|n| n.attribute("id") == Some("legend")));
    assert!(doc
        .descendants()
        .any(|n| n.attribute("id") == Some("hatch") && n.has_tag_name("pattern")));
    let t = texts(&doc);
    assert!(t.iter().any(|x| x.starts_with("deposit · 150ms")), "{t:?}");
    assert!(
        t.iter()
            .any(|x| x.contains("⚠ account:acc-1001 (observed)")),
        "{t:?}"
    );
    assert!(
        t.iter()
            .any(|x| x.starts_with("Observed shared-state mutation on account:acc-1001")),
        "{t:?}"
    );
    assert!(
        t.iter()
            .any(|x| x.contains("came from the result of withdraw (call_wd)")),
        "{t:?}"
    );
    let ticks = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("tick rule"))
        .count();
    assert!((4..=12).contains(&ticks), "{ticks} ticks");
}

#[test]
fn a_parallel_batch_is_shaded_and_labelled() {
    let s = svg(&fixtures::read_only());
    let doc = roxmltree::Document::parse(&s).unwrap();
    let band = doc.descendants().find(|n| {
        n.attribute("class") == Some("batch") && n.attribute("data-batch-id") == Some("b1")
    });
    assert!(band.is_some());
    assert!(
        !doc.descendants()
            .any(|n| n.attribute("class") == Some("call conflict")
                && n.attribute("data-call-id").is_some()),
        "a read-only batch has no highlight"
    );
    assert!(texts(&doc)
        .iter()
        .any(|t| t == "No conflicting siblings found."));
}

#[test]
fn hostile_text_is_escaped_and_boxes_stay_inside_the_picture() {
    let mut t = fixtures::lost_update();
    t.run.tool_calls[0].name = "</text><script>alert(1)</script>&\u{1b}[2J".into();
    let s = svg(&t);
    let doc = roxmltree::Document::parse(&s).expect("still well-formed");
    assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
    assert!(!s.contains('\u{1b}'));
    for n in doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("x").is_some())
    {
        let x: f64 = n.attribute("x").unwrap().parse().unwrap();
        let w: f64 = n.attribute("width").unwrap().parse().unwrap();
        assert!(
            x >= 0.0 && x + w <= WIDTH + 0.5,
            "rect out of bounds: {x} + {w}"
        );
    }
}

#[test]
fn untimed_transcripts_are_drawn_by_order_and_say_so() {
    let s = svg(&fixtures::untimed_transcript());
    let doc = roxmltree::Document::parse(&s).unwrap();
    let t = texts(&doc);
    assert!(t.iter().any(|x| x.contains("untimed transcript")), "{t:?}");
    assert!(t.iter().any(|x| x == "step 1"), "{t:?}");
    assert!(
        !t.iter().any(|x| x.ends_with(" ms") || x.contains(" ms ")),
        "no invented times: {t:?}"
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("call conflict")
                && n.attribute("data-call-id").is_some())
            .count(),
        2
    );
}

#[test]
fn there_is_an_opaque_background_and_a_dark_palette() {
    let s = svg(&fixtures::context_dependency());
    let doc = roxmltree::Document::parse(&s).unwrap();
    let bg = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("bg"))
        .unwrap();
    assert_eq!(bg.attribute("width"), Some("1000"));
    assert!(s.contains("prefers-color-scheme: dark"));
    // The dark palette recolours calls but must keep the hatch on conflicting ones.
    assert!(s.contains(".call.conflict { fill: url(#hatch);"));
    assert!(!s.contains("href=\"http"), "self-contained");
}

#[test]
fn tick_steps_are_round_numbers() {
    assert_eq!(tick_step(400_000_000), 50_000_000);
    assert_eq!(tick_step(1_000), 200);
    assert_eq!(tick_step(0), 1);
}

/// Renders the lost-update picture with librsvg's `rsvg-convert` (Debian `librsvg2-bin`) when it
/// is installed, and checks a PNG of the picture's size comes out. Skipped, saying so, without it.
#[test]
fn a_real_svg_renderer_accepts_the_picture() {
    use std::process::Command;
    if Command::new("rsvg-convert")
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        // `.ci/run` installs it: CI must not skip the real renderer.
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "rsvg-convert is not installed under CI=true: .ci/run installs librsvg2-bin"
        );
        eprintln!("skipped: rsvg-convert not installed (apt-get install librsvg2-bin)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (svg_path, png_path) = (
        dir.path().join("lost_update.svg"),
        dir.path().join("lost_update.png"),
    );
    let text = svg(&fixtures::lost_update());
    std::fs::write(&svg_path, &text).unwrap();
    let out = Command::new("rsvg-convert")
        .arg("-o")
        .arg(&png_path)
        .arg(&svg_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&png_path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let want_h: f64 = doc
        .root_element()
        .attribute("height")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(width, 1000);
    assert_eq!(height, want_h as u32);
}

#[test]
fn a_batch_too_narrow_to_read_gets_a_detail_panel_on_its_own_axis() {
    let mut t = fixtures::lost_update();
    // Long model calls squeeze the 150 ms batch into a few pixels of the whole-run axis.
    t.run.model_calls[1].end_unix_nano = t.run.model_calls[1]
        .start_unix_nano
        .map(|s| s + 4_000_000_000);
    let s = svg(&t);
    if let Ok(dir) = std::env::var("FANOUT_EXPORT_DUMP") {
        std::fs::write(format!("{dir}/lost_update_zoomed.svg"), &s).unwrap();
    }
    let doc = roxmltree::Document::parse(&s).unwrap();
    let panel = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("zoom"))
        .expect("detail panel");
    assert_eq!(panel.attribute("data-batch-id"), Some("b1"));
    let ids: Vec<&str> = panel
        .descendants()
        .filter(|n| n.attribute("class") == Some("call conflict"))
        .filter_map(|n| n.attribute("data-call-id"))
        .collect();
    assert_eq!(ids, ["call_dep", "call_wd"]);
    let labels = texts(&doc);
    assert!(
        labels.iter().any(|l| l == "deposit · 150ms"),
        "full label in the panel: {labels:?}"
    );
    assert!(
        labels.iter().any(|l| l == "time since batch b1 started"),
        "{labels:?}"
    );
    assert!(panel
        .descendants()
        .any(|n| n.attribute("data-resource") == Some("account:acc-1001")));
    // The main panel is unchanged: still exactly one model lane and two tool lanes.
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("lane"))
            .count(),
        3
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("id") == Some("axis"))
            .count(),
        1
    );
    // A wide batch needs no panel.
    assert!(!svg(&fixtures::lost_update()).contains("class=\"zoom\""));
}

#[test]
fn a_never_executed_call_is_a_dashed_mark_and_a_failed_one_says_so() {
    let mut t = fixtures::untimed_transcript();
    t.run.tool_calls[0].status = crate::model::CallStatus::NotExecuted;
    t.run.tool_calls[1].status = crate::model::CallStatus::Error;
    let s = svg(&t);
    let doc = roxmltree::Document::parse(&s).expect("well-formed XML");
    let never = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("call not-executed"))
        .expect("a not-executed box");
    assert_eq!(never.attribute("width"), Some("3.0"), "not a full bar");
    assert_eq!(never.attribute("fill"), Some("none"));
    assert!(doc
        .descendants()
        .any(|n| n.attribute("class").is_some_and(|c| c.ends_with("error"))));
    let t = texts(&doc);
    assert!(t.iter().any(|x| x.contains("never executed")), "{t:?}");
    assert!(
        t.iter()
            .any(|x| x.starts_with("✗ ") && x.contains("failed")),
        "{t:?}"
    );
}
