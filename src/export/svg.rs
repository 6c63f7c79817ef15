//! A self-contained SVG picture of a trace's swimlanes, to drop into a document or a pull request.
//!
//! Rows: model calls on top, then one lane per sibling (the shared [`Layout`], so overlapping
//! siblings never share a lane); a time axis with ticks (or order steps for untimed transcripts,
//! said in the axis title); each call box named with its duration; parallel batches shaded and
//! labelled. Siblings in a finding are marked by colour *and* by a hatch pattern and a dashed
//! outline, and a dotted connector labelled with the shared resource joins them, so the picture
//! does not rely on colour. A legend, the findings in words and the why-path follow.
//!
//! Readable on light and dark viewers: an opaque background is drawn, and a `prefers-color-scheme`
//! rule switches to a dark palette where the viewer supports it. All trace text is XML-escaped;
//! no external resources are referenced.

use crate::units;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::dto::TraceReport;
use super::layout::{LaneMode, Layout, Placed, SLOT};
use super::xml::escape;
use super::{prose, truncate};
use crate::model::CallStatus;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 30.0;
const ROW: f64 = 34.0;
const BOX: f64 = 24.0;
const CHAR_W: f64 = 6.6;
const WRAP: usize = 140;
const MAX_FINDINGS: usize = 20;

const STYLE: &str = "
  text { font-family: ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 12px; }
  .small { font-size: 11px; }
  .title { font-size: 15px; font-weight: 600; }
  @media (prefers-color-scheme: dark) {
    .bg { fill: #0d1117; }
    .fg { fill: #e6edf3; }
    .muted { fill: #9da7b3; }
    .rule { stroke: #6e7681; }
    .batch { fill: #1f2a37; stroke: #3b4a5c; }
    .model { fill: #3b3f46; stroke: #8b949e; }
    .call { fill: #1f4f8a; stroke: #79b8ff; }
    .call.conflict { fill: url(#hatch); stroke: #ff7b72; }
    .boxtext { fill: #ffffff; }
    .link { stroke: #ff7b72; }
    .warn { fill: #ff7b72; }
  }
";

/// Writes the SVG picture of one trace report.
pub fn write(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(r).as_bytes())
}

struct Ctx<'a> {
    r: &'a TraceReport,
    l: Layout,
    extent: u64,
    top: f64,
    /// Set for a detail panel of one batch: ids become classes, the axis counts from the batch.
    zoom: Option<String>,
}

/// Space between the model-call rows and the tool lanes, where batch labels go.
const GAP: f64 = 16.0;

impl<'a> Ctx<'a> {
    fn new(r: &'a TraceReport, l: Layout, top: f64, zoom: Option<String>) -> Self {
        let extent = l.extent.max(1);
        Self {
            r,
            l,
            extent,
            top,
            zoom,
        }
    }

    /// Right end of the time axis; detail panels leave room for the resource label.
    fn plot_right(&self) -> f64 {
        if self.zoom.is_some() {
            WIDTH - 230.0
        } else {
            WIDTH - RIGHT
        }
    }

    fn x(&self, units: u64) -> f64 {
        LEFT + (units as f64 / self.extent as f64) * (self.plot_right() - LEFT)
    }

    fn row_y(&self, row: usize) -> f64 {
        let gap = if self.l.model_tracks > 0 && row >= self.l.model_tracks {
            GAP
        } else {
            0.0
        };
        self.top + row as f64 * ROW + gap
    }

    /// Where the axis and everything below it start.
    fn bottom(&self) -> f64 {
        self.row_y(self.rows()) + 50.0
    }

    /// `class` for a top-level panel, `class zoomed` in a detail panel.
    fn class(&self, class: &str) -> String {
        if self.zoom.is_some() {
            format!("{class} zoomed")
        } else {
            class.to_owned()
        }
    }

    fn rows(&self) -> usize {
        self.l.model_tracks + self.l.tool_tracks
    }
}

/// Renders the SVG document as a string.
pub fn render(r: &TraceReport) -> String {
    let c = Ctx::new(r, Layout::with(r, LaneMode::PerSibling), 78.0, None);
    let details = zoom::details(&c);
    // A picture lists a readable number of findings; the rest are counted.
    let mut findings: Vec<String> = r
        .findings
        .iter()
        .take(MAX_FINDINGS)
        .map(|f| prose::finding_sentence(r, f))
        .collect();
    if r.findings.len() > MAX_FINDINGS {
        findings.push(format!(
            "… and {} more findings; see the JSON or SARIF export.",
            r.findings.len() - MAX_FINDINGS
        ));
    }
    let why = prose::why_sentences(r);
    let finding_lines: usize = findings
        .iter()
        .map(|f| wrap(f, WRAP).len())
        .sum::<usize>()
        .max(1);
    let why_lines: usize = why.iter().map(|w| wrap(w, WRAP).len()).sum::<usize>()
        + usize::from(r.final_answer.is_some());
    let rows_bottom = c.bottom() - 50.0;
    let details_height: f64 = details.iter().map(zoom::Detail::height).sum();
    let height = rows_bottom
        + 50.0
        + details_height
        + 40.0
        + 26.0
        + finding_lines as f64 * 16.0
        + 26.0
        + why_lines as f64 * 16.0
        + 20.0;

    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="title">
<title id="title">{}</title>
<style>{STYLE}</style>
<defs>
  <pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
    <rect width="6" height="6" fill="#c62828"/>
    <line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2.5" stroke-opacity="0.55"/>
  </pattern>
</defs>
<rect class="bg" x="0" y="0" width="{WIDTH}" height="{height:.0}" fill="#ffffff"/>
"##,
        escape(&format!("fanout swimlanes of trace {}", r.trace_id))
    );
    header(&c, &mut s);
    batches(&c, &mut s);
    lanes(&c, &mut s);
    axis(&c, &mut s);
    let mut y = c.bottom();
    for d in &details {
        y = zoom::draw(d, y, &mut s);
    }
    legend(&mut s, y);
    y += 40.0;
    text_block(
        &mut s,
        "findings",
        "Findings",
        &findings,
        "No conflicting siblings found.",
        y,
    );
    y += 26.0 + finding_lines as f64 * 16.0;
    let mut why_text = Vec::new();
    if let Some(a) = &r.final_answer {
        why_text.push(format!("Final answer: \"{}\"", truncate(&a.text, 200)));
    }
    why_text.extend(why);
    text_block(
        &mut s,
        "why",
        "Why the answer",
        &why_text,
        "No path from the answer back to a batch.",
        y,
    );
    s.push_str("</svg>\n");
    s
}

fn header(c: &Ctx, s: &mut String) {
    let r = c.r;
    let verdict = match r.worst_severity() {
        Some(w) => format!(
            "{} finding{} (worst {w})",
            r.findings.len(),
            if r.findings.len() == 1 { "" } else { "s" }
        ),
        None => "no findings".to_owned(),
    };
    let _ = writeln!(
        s,
        r##"<text class="title fg" x="16" y="26" fill="#1f2328">{}</text>"##,
        escape(&format!("fanout · trace {} · {verdict}", r.trace_id))
    );
    let mut sub = vec![];
    if r.is_untimed() {
        sub.push("untimed transcript: boxes are placed by order, not time".to_owned());
    } else if let Some(t) = r.latency.total_nanos {
        sub.push(format!("total {}", units::duration(t)));
        if let Some(share) = r.latency.tool_share {
            sub.push(format!("{:.0}% in tools", share * 100.0));
        }
        if let Some(q) = r.latency.sequential_nanos {
            sub.push(format!("fully sequential {}", units::duration(q)));
        }
    }
    if !r.suspects_to_show().is_empty() {
        sub.push(format!("suspect batch {}", r.suspects_to_show().join(", ")));
    }
    if let Some(b) = &r.scope_batch_id {
        sub.push(format!("batch {b} only"));
    }
    sub.extend(
        r.degradations
            .iter()
            .map(|d| format!("degraded: {}", d.code)),
    );
    let _ = writeln!(
        s,
        r##"<text class="muted" x="16" y="46" fill="#57606a">{}</text>"##,
        escape(&truncate(&sub.join(" · "), 150))
    );
}

fn batches(c: &Ctx, s: &mut String) {
    s.push_str("<g id=\"batches\">\n");
    let y0 = c.row_y(c.l.model_tracks) - 4.0;
    let y1 = c.row_y(c.rows()) - 4.0;
    for b in c.r.batches.iter().filter(|b| b.parallel) {
        let placed: Vec<Placed> = b.calls.iter().filter_map(|x| c.l.call(x.index)).collect();
        let (Some(a), Some(e)) = (
            placed.iter().map(|p| p.start).min(),
            placed.iter().map(|p| p.end).max(),
        ) else {
            continue;
        };
        let (xa, xe) = (c.x(a) - 3.0, c.x(e) + 3.0);
        let _ = writeln!(
            s,
            r##"<rect class="batch" data-batch-id="{id}" x="{xa:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" rx="4" fill="#eef2f7" stroke="#c8d1dc"/>
<text class="small muted" x="{xa:.1}" y="{:.1}" fill="#57606a">{id} · {} parallel</text>"##,
            (xe - xa).max(2.0),
            y1 - y0,
            y0 - 4.0,
            b.calls.len(),
            id = escape(&b.batch_id)
        );
    }
    s.push_str("</g>\n");
}

fn lanes(c: &Ctx, s: &mut String) {
    let conflicting: std::collections::HashSet<usize> =
        c.r.findings
            .iter()
            .flat_map(|f| f.call_indexes.iter().copied())
            .collect();
    for t in 0..c.rows() {
        let y = c.row_y(t);
        let (label, kind) = if t < c.l.model_tracks {
            (
                if t == 0 {
                    "model calls".to_owned()
                } else {
                    format!("model calls {}", t + 1)
                },
                "model",
            )
        } else {
            (format!("lane {}", t - c.l.model_tracks + 1), "tool")
        };
        let lane_class = c.class("lane");
        let _ = writeln!(
            s,
            r##"<g class="{lane_class}" data-kind="{kind}" data-row="{t}">
<line class="rule" x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#d0d7de" stroke-width="0.5"/>
<text class="fg" x="16" y="{:.1}" fill="#1f2328">{label}</text>"##,
            y + BOX + 5.0,
            c.plot_right(),
            y + BOX + 5.0,
            y + BOX / 2.0 + 4.0
        );
        if t < c.l.model_tracks {
            for (m, p) in c.r.model_calls.iter().zip(&c.l.models) {
                if let Some(p) = p.filter(|p| p.track == t) {
                    let dur = duration_text(c, m.start_unix_nano, m.end_unix_nano);
                    call_box(
                        c,
                        s,
                        &p,
                        y,
                        "model",
                        &format!("model {}", m.index + 1),
                        &dur,
                        &format!("{} · {}", m.name, m.model.as_deref().unwrap_or("")),
                        None,
                    );
                }
            }
        } else {
            for call in c.r.calls() {
                if let Some(p) =
                    c.l.call(call.index)
                        .filter(|p| p.track + c.l.model_tracks == t)
                {
                    let hit = conflicting.contains(&call.index);
                    let class = match (hit, call.status) {
                        (_, CallStatus::NotExecuted) => "call not-executed",
                        (true, CallStatus::Error) => "call conflict error",
                        (true, _) => "call conflict",
                        (false, CallStatus::Error) => "call error",
                        (false, _) => "call",
                    };
                    let res: Vec<String> = call
                        .accesses
                        .iter()
                        .map(|a| format!("{} {}", a.mode, a.resource))
                        .collect();
                    let tip = format!("{} ({}) · {}", call.tool, call.call_id, res.join(", "));
                    call_box(
                        c,
                        s,
                        &p,
                        y,
                        class,
                        &match call.status {
                            CallStatus::Error => format!("✗ {} failed", call.tool),
                            CallStatus::NotExecuted => format!("∅ {}", call.tool),
                            CallStatus::Ok | CallStatus::Unknown => call.tool.clone(),
                        },
                        &if call.status == CallStatus::NotExecuted {
                            "never executed".to_owned()
                        } else {
                            duration_text(c, call.start_unix_nano, call.end_unix_nano)
                        },
                        &tip,
                        Some(&call.call_id),
                    );
                }
            }
        }
        s.push_str("</g>\n");
    }
    resource_links(c, s);
}

fn duration_text(c: &Ctx, a: Option<u64>, b: Option<u64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if !c.l.untimed => units::duration(b.saturating_sub(a)),
        _ => "untimed".to_owned(),
    }
}

#[allow(clippy::too_many_arguments)]
fn call_box(
    c: &Ctx,
    s: &mut String,
    p: &Placed,
    y: f64,
    class: &str,
    name: &str,
    dur: &str,
    tip: &str,
    call_id: Option<&str>,
) {
    let x = c.x(p.start);
    let not_executed = class.contains("not-executed");
    // A call that never ran took no time: a small dashed outline, never a full bar.
    let w = if not_executed {
        3.0
    } else {
        (c.x(p.end) - x).max(3.0)
    };
    let conflict = class.contains("conflict");
    let failed = class.contains("error");
    let (fill, stroke, dash, sw) = match class {
        "model" => ("#d8dee4", "#6e7781", "", 1.0),
        _ if not_executed => ("none", "#6e7781", r#" stroke-dasharray="2 2""#, 1.0),
        _ if conflict => ("url(#hatch)", "#b42318", r#" stroke-dasharray="5 3""#, 2.5),
        _ if failed => ("#8c1d18", "#b42318", "", 2.0),
        _ => ("#2f6fb5", "#1b4b80", "", 1.0),
    };
    let id_attr = call_id
        .map(|i| format!(r#" data-call-id="{}""#, escape(i)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        r#"<rect class="{class}"{id_attr} x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{BOX}" rx="3" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}><title>{}</title></rect>"#,
        escape(tip)
    );
    let label = format!("{name} · {dur}");
    let fits = (w - 8.0) / CHAR_W;
    let chars = label.chars().count() as f64;
    // Room to the right of the bar: up to the next box on the same row, or the picture's edge.
    let row_end = if class == "model" {
        None
    } else {
        c.l.calls
            .iter()
            .filter_map(|(_, q)| *q)
            .filter(|q| q.track == p.track && q.start >= p.end && *q != *p)
            .map(|q| c.x(q.start))
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))))
    };
    let beside = (row_end.unwrap_or(WIDTH - 4.0) - (x + w + 4.0) - 4.0) / CHAR_W;
    let outside = || (label.clone(), x + w + 4.0, "#1f2328", "fg");
    let (text, tx, fill_text, cls) = if fits < chars && class != "model" && beside >= chars {
        // The whole label fits beside the bar: better than cutting it inside.
        outside()
    } else if fits >= 6.0 {
        (
            truncate(&label, fits as usize),
            x + 4.0,
            if class == "model" {
                "#1f2328"
            } else {
                "#ffffff"
            },
            if class == "model" { "fg" } else { "boxtext" },
        )
    } else if class == "model" {
        // Model calls sit back to back: a label beside a narrow one would run under the next;
        // the tooltip still names it.
        return;
    } else {
        let (_, tx, f, cls) = outside();
        (truncate(&label, (beside.max(6.0)) as usize), tx, f, cls)
    };
    // On the hatch, a dark halo behind the letters keeps them legible.
    let weight = if conflict && cls == "boxtext" {
        r##" font-weight="600" stroke="#5c0b0b" stroke-width="3" stroke-linejoin="round" paint-order="stroke""##
    } else {
        ""
    };
    let _ = writeln!(
        s,
        r#"<text class="{cls}" x="{tx:.1}" y="{:.1}" fill="{fill_text}"{weight}>{}</text>"#,
        y + BOX / 2.0 + 4.0,
        escape(&text)
    );
}

fn resource_links(c: &Ctx, s: &mut String) {
    if c.zoom.is_some() {
        s.push_str("<g class=\"resource-links zoomed\">\n");
    } else {
        s.push_str("<g id=\"resource-links\">\n");
    }
    for f in &c.r.findings {
        let pts: Vec<(f64, f64, f64)> = f
            .call_indexes
            .iter()
            .filter_map(|&i| c.l.call(i))
            .map(|p| {
                (
                    c.x(p.start),
                    c.x(p.end),
                    c.row_y(c.l.model_tracks + p.track) + BOX / 2.0,
                )
            })
            .collect();
        let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
            continue;
        };
        let right = pts.iter().map(|p| p.1).fold(f64::MIN, f64::max) + 8.0;
        let left = pts.iter().map(|p| p.0).fold(f64::MAX, f64::min);
        // The label goes right of the link when it fits there whole, else left of the calls
        // (a batch at the end of the axis), else it is shortened to end inside the picture.
        let need = f.resource.chars().count() + f.severity.as_str().len() + 5;
        let room_right = ((WIDTH - right - 8.0) / CHAR_W) as usize;
        let room_left = ((left - LEFT - 8.0).max(0.0) / CHAR_W) as usize;
        let (room, lx, anchor) = if need <= room_right || room_right >= room_left {
            (room_right, right + 4.0, "")
        } else {
            (room_left, left - 4.0, r#" text-anchor="end""#)
        };
        let res_text = truncate(
            &f.resource,
            room.saturating_sub(f.severity.as_str().len() + 5)
                .clamp(8, 60),
        );
        let _ = writeln!(
            s,
            r##"<polyline class="link shared-resource" data-resource="{res}" points="{:.1},{:.1} {right:.1},{:.1} {right:.1},{:.1} {:.1},{:.1}" fill="none" stroke="#b42318" stroke-width="1.5" stroke-dasharray="2 2"/>
<text class="small warn" x="{:.1}" y="{:.1}"{anchor} fill="#b42318" font-weight="600">⚠ {res_text} ({sev})</text>"##,
            first.1,
            first.2,
            first.2,
            last.2,
            last.1,
            last.2,
            lx,
            (first.2 + last.2) / 2.0 + 4.0,
            res = escape(&f.resource),
            res_text = escape(&res_text),
            sev = escape(f.severity.as_str()),
        );
    }
    s.push_str("</g>\n");
}

/// Tick step: 1, 2 or 5 × 10^k so that about eight ticks fit.
fn tick_step(extent: u64) -> u64 {
    let raw = (extent / 8).max(1);
    let mut mag = 1u64;
    while mag.saturating_mul(10) <= raw {
        mag = mag.saturating_mul(10);
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(mag * 10)
}

fn axis(c: &Ctx, s: &mut String) {
    let y = c.row_y(c.rows()) + 8.0;
    let (group, tick) = if c.zoom.is_some() {
        (r#"class="axis zoomed""#, "tick rule zoomed")
    } else {
        (r#"id="axis""#, "tick rule")
    };
    let _ = writeln!(
        s,
        r##"<g {group}>
<line class="rule" x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#57606a" stroke-width="1"/>"##,
        c.plot_right()
    );
    let (step, label): (u64, Box<dyn Fn(u64) -> String>) = if c.l.untimed {
        (SLOT, Box::new(|t| format!("step {}", t / SLOT + 1)))
    } else {
        (
            tick_step(c.extent),
            Box::new(|t| {
                if t == 0 {
                    "0".to_owned()
                } else {
                    units::duration(t)
                }
            }),
        )
    };
    let mut t = 0;
    while t <= c.extent {
        let x = c.x(t);
        let _ = writeln!(
            s,
            r##"<line class="{tick}" x1="{x:.1}" y1="{y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#57606a"/>
<text class="small muted" x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#57606a">{}</text>"##,
            y + 5.0,
            y + 18.0,
            escape(&label(t))
        );
        t += step;
    }
    let title = match (&c.zoom, c.l.untimed) {
        (_, true) => "order of events (untimed transcript: no times were recorded)".to_owned(),
        (Some(b), false) => format!("time since batch {} started", escape(b)),
        (None, false) => "time since the run's first model or tool call".to_owned(),
    };
    let _ = writeln!(
        s,
        r##"<text class="small muted" x="{LEFT}" y="{:.1}" fill="#57606a">{title}</text>
</g>"##,
        y + 34.0
    );
}

fn legend(s: &mut String, y: f64) {
    let _ = writeln!(
        s,
        r##"<g id="legend">
<rect class="model" x="16" y="{y:.1}" width="22" height="12" fill="#d8dee4" stroke="#6e7781"/><text class="small fg" x="44" y="{ty:.1}" fill="#1f2328">model call</text>
<rect class="call" x="130" y="{y:.1}" width="22" height="12" fill="#2f6fb5" stroke="#1b4b80"/><text class="small fg" x="158" y="{ty:.1}" fill="#1f2328">tool call</text>
<rect class="call conflict" x="230" y="{y:.1}" width="22" height="12" fill="url(#hatch)" stroke="#b42318" stroke-width="2" stroke-dasharray="5 3"/><text class="small fg" x="258" y="{ty:.1}" fill="#1f2328">sibling in a finding (hatched, dashed outline)</text>
<line class="link" x1="530" y1="{ly:.1}" x2="556" y2="{ly:.1}" stroke="#b42318" stroke-width="1.5" stroke-dasharray="2 2"/><text class="small fg" x="562" y="{ty:.1}" fill="#1f2328">⚠ shared resource the siblings collided on</text>
<rect class="batch" x="830" y="{y:.1}" width="22" height="12" fill="#eef2f7" stroke="#c8d1dc"/><text class="small fg" x="858" y="{ty:.1}" fill="#1f2328">parallel batch</text>
</g>"##,
        ty = y + 10.0,
        ly = y + 6.0
    );
}

fn text_block(s: &mut String, id: &str, title: &str, items: &[String], empty: &str, y: f64) {
    let _ = writeln!(
        s,
        r##"<g id="{id}"><text class="fg" x="16" y="{y:.1}" fill="#1f2328" font-weight="600">{title}</text>"##
    );
    let mut yy = y + 20.0;
    if items.is_empty() {
        let _ = writeln!(
            s,
            r##"<text class="small muted" x="16" y="{yy:.1}" fill="#57606a">{empty}</text>"##
        );
    }
    for item in items {
        for (i, line) in wrap(item, WRAP).iter().enumerate() {
            let x = if i == 0 { 16 } else { 28 };
            let _ = writeln!(
                s,
                r##"<text class="small fg" x="{x}" y="{yy:.1}" fill="#1f2328">{}</text>"##,
                escape(line)
            );
            yy += 16.0;
        }
    }
    s.push_str("</g>\n");
}

/// Greedy word wrap on character counts; single lines, control characters removed.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let clean = crate::sanitize::sanitize_line(text);
    let mut lines = vec![String::new()];
    for word in clean.split(' ') {
        let Some(cur) = lines.last_mut() else { break };
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(truncate(word, width));
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(&truncate(word, width));
        }
    }
    lines.truncate(6);
    lines
}

mod zoom;

#[cfg(test)]
mod tests;
