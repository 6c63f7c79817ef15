//! Detail panels: when a parallel batch with findings is too narrow on the whole-run time axis to
//! read its calls (short tool calls between long model calls are the usual case), the picture
//! repeats that batch below on its own time axis, one lane per sibling, with the same highlights
//! and resource links. At most [`MAX_DETAILS`] panels; untimed runs get none (order slots are
//! already wide).

use std::fmt::Write as _;

use super::{axis, escape, lanes, Ctx, LaneMode, Layout, Placed, TraceReport, ROW};

/// Panels drawn at most; `--batch ID` zooms on any other batch.
pub const MAX_DETAILS: usize = 3;
/// A batch narrower than this on the main axis gets a panel.
const MIN_WIDTH: f64 = 260.0;
const TITLE: f64 = 26.0;

/// One batch to draw again on its own axis.
pub struct Detail {
    report: TraceReport,
    batch_id: String,
    rows: usize,
}

impl Detail {
    pub fn height(&self) -> f64 {
        TITLE + self.rows as f64 * ROW + 50.0
    }
}

/// The batches of the main panel that need a detail panel.
pub fn details(c: &Ctx) -> Vec<Detail> {
    if c.l.untimed || c.zoom.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for b in c.r.batches.iter().filter(|b| b.parallel) {
        if out.len() >= MAX_DETAILS {
            break;
        }
        if !c.r.findings.iter().any(|f| f.batch_id == b.batch_id) {
            continue;
        }
        let placed: Vec<Placed> = b.calls.iter().filter_map(|x| c.l.call(x.index)).collect();
        let (Some(a), Some(e)) = (
            placed.iter().map(|p| p.start).min(),
            placed.iter().map(|p| p.end).max(),
        ) else {
            continue;
        };
        if c.x(e) - c.x(a) >= MIN_WIDTH {
            continue;
        }
        let mut report = c.r.clone();
        if !report.restrict_to_batch(&b.batch_id) {
            continue;
        }
        report.model_calls.clear();
        let rows = Layout::with(&report, LaneMode::PerSibling).tool_tracks;
        out.push(Detail {
            report,
            batch_id: b.batch_id.clone(),
            rows,
        });
    }
    out
}

/// Draws one panel with its top at `y`; returns where the next thing may start.
pub fn draw(d: &Detail, y: f64, s: &mut String) -> f64 {
    let id = escape(&d.batch_id);
    let _ = writeln!(
        s,
        r##"<g class="zoom" data-batch-id="{id}">
<text class="fg" x="16" y="{:.1}" fill="#1f2328" font-weight="600">Batch {id} in detail</text>"##,
        y + 16.0
    );
    let c = Ctx::new(
        &d.report,
        Layout::with(&d.report, LaneMode::PerSibling),
        y + TITLE,
        Some(d.batch_id.clone()),
    );
    lanes(&c, s);
    axis(&c, s);
    s.push_str("</g>\n");
    c.bottom()
}
