//! Where each model call and tool call sits on a shared timeline, for the picture formats
//! (Perfetto, SVG, the Markdown sketch).
//!
//! Timed runs use the recorded times, relative to the earliest one. Untimed runs (transcripts)
//! get order slots instead: model call 1, then its batch (all siblings in one slot, one lane
//! each), then model call 2, ... — positions that mean order, never time. Tracks are assigned so
//! that two boxes on one track never overlap: a call keeps its analysis lane when that lane is
//! free at its time, else takes the first free track. Calls with no recorded time in a timed run
//! (never executed) are not placed.

use std::collections::HashMap;

use super::dto::TraceReport;

/// Width of one order slot for untimed runs, in layout units.
pub const SLOT: u64 = 1000;
const SLOT_FILL: u64 = 800;

/// Which lane a tool call prefers before overlap is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneMode {
    /// The lane analysis assigned (`Analysis::lanes`): siblings that did not overlap may share one.
    Analysis,
    /// Its position in its batch: every sibling of a batch gets a lane of its own.
    PerSibling,
}

/// One placed box: `[start, end]` in layout units (nanoseconds from the origin when timed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub start: u64,
    pub end: u64,
    pub track: usize,
}

/// The timeline of one trace report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub untimed: bool,
    /// Unix nanoseconds of layout position 0 (timed runs only).
    pub origin: Option<u64>,
    /// End of the last box.
    pub extent: u64,
    /// Same order as `report.model_calls`.
    pub models: Vec<Option<Placed>>,
    pub model_tracks: usize,
    /// Keyed by tool-call index, in `report.calls()` order.
    pub calls: Vec<(usize, Option<Placed>)>,
    pub tool_tracks: usize,
    by_call: HashMap<usize, Placed>,
}

impl Layout {
    /// Lays `r` out with each call in its analysis lane where that lane is free.
    pub fn of(r: &TraceReport) -> Self {
        Self::with(r, LaneMode::Analysis)
    }

    pub fn with(r: &TraceReport, mode: LaneMode) -> Self {
        let untimed = r.is_untimed();
        let lanes: HashMap<usize, usize> = r
            .batches
            .iter()
            .flat_map(|b| {
                b.calls.iter().enumerate().map(|(pos, c)| {
                    (
                        c.index,
                        // An analysis lane past the batch's size is nonsense; keep it in range.
                        if mode == LaneMode::Analysis {
                            c.lane.min(b.calls.len().saturating_sub(1))
                        } else {
                            pos
                        },
                    )
                })
            })
            .collect();
        let lane = |i: usize| lanes.get(&i).copied().unwrap_or(0);
        let (models, calls, origin) = if untimed {
            order_slots(r, &lane)
        } else {
            recorded(r, &lane)
        };
        let mut model_tracks = Tracks::default();
        let models: Vec<Option<Placed>> = place(
            models
                .into_iter()
                .map(|m| m.map(|(s, e)| (s, e, 0)))
                .collect(),
            &mut model_tracks,
        );
        let mut tool_tracks = Tracks::default();
        let placed = place(calls.iter().map(|(_, c)| *c).collect(), &mut tool_tracks);
        let by_call: HashMap<usize, Placed> = calls
            .iter()
            .map(|(i, _)| *i)
            .zip(placed.iter().copied())
            .filter_map(|(i, p)| Some((i, p?)))
            .collect();
        let calls: Vec<(usize, Option<Placed>)> =
            calls.iter().map(|(i, _)| *i).zip(placed).collect();
        let extent = models
            .iter()
            .flatten()
            .chain(calls.iter().filter_map(|(_, p)| p.as_ref()))
            .map(|p| p.end)
            .max()
            .unwrap_or(0);
        Self {
            untimed,
            origin,
            extent,
            models,
            model_tracks: model_tracks.0.len(),
            calls,
            tool_tracks: tool_tracks.0.len(),
            by_call,
        }
    }

    /// Where tool call `index` was placed.
    pub fn call(&self, index: usize) -> Option<Placed> {
        self.by_call.get(&index).copied()
    }
}

type Interval = Option<(u64, u64, usize)>;
/// Model-call intervals, tool-call intervals keyed by call index, and the time origin.
type Placement = (Vec<Option<(u64, u64)>>, Vec<(usize, Interval)>, Option<u64>);

fn recorded(r: &TraceReport, lane: &dyn Fn(usize) -> usize) -> Placement {
    let starts = r
        .model_calls
        .iter()
        .filter_map(|m| m.start_unix_nano)
        .chain(r.calls().filter_map(|c| c.start_unix_nano));
    let origin = starts.min();
    let rel = |s: Option<u64>, e: Option<u64>| -> Option<(u64, u64)> {
        let (o, s) = (origin?, s?);
        let e = e.unwrap_or(s).max(s);
        Some((s - o, e - o))
    };
    let models = r
        .model_calls
        .iter()
        .map(|m| rel(m.start_unix_nano, m.end_unix_nano))
        .collect();
    let calls = r
        .calls()
        .map(|c| {
            (
                c.index,
                rel(c.start_unix_nano, c.end_unix_nano).map(|(s, e)| (s, e, lane(c.index))),
            )
        })
        .collect();
    (models, calls, origin)
}

fn order_slots(r: &TraceReport, lane: &dyn Fn(usize) -> usize) -> Placement {
    let mut slot = 0u64;
    let mut models = vec![None; r.model_calls.len()];
    let mut calls = Vec::new();
    let next = |slot: &mut u64| {
        let s = *slot * SLOT;
        *slot += 1;
        (s, s + SLOT_FILL)
    };
    let mut placed_batches = vec![false; r.batches.len()];
    for (mi, m) in r.model_calls.iter().enumerate() {
        models[mi] = Some(next(&mut slot));
        for (bi, b) in r.batches.iter().enumerate() {
            if b.emitted_by_model_call == Some(m.index) && !placed_batches[bi] {
                placed_batches[bi] = true;
                let (s, e) = next(&mut slot);
                calls.extend(
                    b.calls
                        .iter()
                        .map(|c| (c.index, Some((s, e, lane(c.index))))),
                );
            }
        }
    }
    for (bi, b) in r.batches.iter().enumerate() {
        if !placed_batches[bi] {
            let (s, e) = next(&mut slot);
            calls.extend(
                b.calls
                    .iter()
                    .map(|c| (c.index, Some((s, e, lane(c.index))))),
            );
        }
    }
    // Keep `calls` in report order so callers can zip with `report.calls()`.
    let order: HashMap<usize, usize> = r
        .calls()
        .enumerate()
        .map(|(pos, c)| (c.index, pos))
        .collect();
    calls.sort_by_key(|(i, _)| order.get(i).copied());
    (models, calls, None)
}

/// Per track, the latest end of the boxes placed on it. Boxes are placed in start order, so a
/// box fits on a track exactly when it starts at or after that end.
#[derive(Default)]
struct Tracks(Vec<u64>);

impl Tracks {
    fn free(&self, track: usize, s: u64) -> bool {
        self.0.get(track).is_none_or(|end| *end <= s)
    }

    fn take(&mut self, track: usize, e: u64) {
        if self.0.len() <= track {
            self.0.resize(track + 1, 0);
        }
        if let Some(end) = self.0.get_mut(track) {
            *end = (*end).max(e);
        }
    }
}

/// Places intervals (start, end, preferred track) in start order, keeping input order in the output.
fn place(items: Vec<Interval>, tracks: &mut Tracks) -> Vec<Option<Placed>> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items.get(i).copied().flatten().map(|(s, _, _)| s));
    let mut out = vec![None; items.len()];
    for i in order {
        let Some((s, e, want)) = items.get(i).copied().flatten() else {
            continue;
        };
        let track = if tracks.free(want, s) {
            want
        } else {
            (0..).find(|&t| tracks.free(t, s)).unwrap_or(want)
        };
        tracks.take(track, e);
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(Placed {
                start: s,
                end: e,
                track,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    #[test]
    fn overlapping_siblings_get_different_tracks_and_times_are_relative() {
        let r = TraceReport::from_analyzed(&fixtures::lost_update());
        let l = Layout::of(&r);
        let (a, b) = (l.call(0).unwrap(), l.call(1).unwrap());
        assert_ne!(a.track, b.track);
        assert_eq!(a.start, 110_000_000);
        assert_eq!(l.models[0].unwrap().start, 0);
        assert_eq!(l.extent, 400_000_000);
        assert_eq!((l.model_tracks, l.tool_tracks), (1, 2));
    }

    #[test]
    fn a_wrong_lane_from_analysis_cannot_make_boxes_overlap() {
        let mut t = fixtures::lost_update();
        t.analysis.lanes[0].lanes = vec![0, 0];
        let l = Layout::of(&TraceReport::from_analyzed(&t));
        assert_ne!(l.call(0).unwrap().track, l.call(1).unwrap().track);
    }

    #[test]
    fn per_sibling_mode_gives_every_sibling_its_own_lane() {
        let r = TraceReport::from_analyzed(&fixtures::context_dependency());
        assert_eq!(
            Layout::of(&r).tool_tracks,
            1,
            "analysis put the sequential siblings in one lane"
        );
        let l = Layout::with(&r, LaneMode::PerSibling);
        assert_eq!(l.tool_tracks, 2);
        assert_ne!(l.call(0).unwrap().track, l.call(1).unwrap().track);
        assert_eq!(l.call(2).unwrap().track, 0);
    }

    #[test]
    fn untimed_runs_are_laid_out_in_order_slots() {
        let r = TraceReport::from_analyzed(&fixtures::untimed_transcript());
        let l = Layout::of(&r);
        assert!(l.untimed && l.origin.is_none());
        let m0 = l.models[0].unwrap();
        let (a, b) = (l.call(0).unwrap(), l.call(1).unwrap());
        assert_eq!((m0.start, a.start, b.start), (0, SLOT, SLOT));
        assert_ne!(a.track, b.track);
        assert_eq!(l.models[1].unwrap().start, 2 * SLOT);
    }
}
