//! Everything the views need about one opened trace, computed once when it loads (on the worker
//! thread) so drawing only maps it onto the viewport: the time axis, timeline rows (model calls,
//! batch headers, one row per swimlane), where each item sits on the axis, conflict markers,
//! sanitized labels and the resource matrices.
//!
//! Timed runs use nanoseconds from the first start. Transcript runs have no times: each model
//! call and tool call takes one *step* in recorded order, and the views say so instead of
//! inventing durations. Lanes come from analysis (`Analysis::lanes`); when a batch has no lane
//! data the same rule (overlapping calls never share a lane) is applied here so the view still
//! works on partial analysis.

use std::collections::HashMap;

use crate::analysis::{Analysis, AnalyzedTrace, Severity};
use crate::model::{Run, Span, SpanId, Trace};

mod place;

pub use place::assign_lanes;
use place::{lanes_of, place};

use super::matrix::ResourceMatrix;
use super::sanitize;
use super::source::LoadedTrace;

/// What the axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisUnit {
    Nanos,
    /// Recorded order only (no timing in the source).
    Steps,
}

/// The run's time axis: positions are `0..length` in `unit`, `origin` is the absolute start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis {
    pub unit: AxisUnit,
    pub origin: u64,
    pub length: u64,
}

/// A half-open span on the axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: u64,
    pub end: u64,
}

impl Interval {
    pub fn mid(self) -> u64 {
        self.start + (self.end.saturating_sub(self.start)) / 2
    }
}

/// Something the user can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    Model(usize),
    Batch(usize),
    Call(usize),
    Answer,
}

/// One timeline row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Model(usize),
    BatchHeader(usize),
    /// One swimlane: calls that never overlap, sorted by start.
    Lane {
        batch: Option<usize>,
        lane: usize,
        calls: Vec<usize>,
    },
    Answer,
}

#[derive(Debug)]
pub struct TraceModel {
    data: AnalyzedTrace,
    raw: Option<Trace>,
    span_index: HashMap<SpanId, usize>,
    pub axis: Axis,
    pub rows: Vec<Row>,
    /// Row indices shown in conflicts-only mode (sorted).
    pub conflict_rows: Vec<usize>,
    model_row: Vec<usize>,
    batch_row: Vec<usize>,
    call_row: Vec<usize>,
    answer_row: Option<usize>,
    pub model_span: Vec<Option<Interval>>,
    pub call_span: Vec<Option<Interval>>,
    pub batch_span: Vec<Option<Interval>>,
    /// Worst finding per call / per batch.
    pub call_severity: Vec<Option<Severity>>,
    pub batch_severity: Vec<Option<Severity>>,
    /// Sanitized tool names and model labels.
    pub call_label: Vec<String>,
    pub model_label: Vec<String>,
    /// Per batch: its lanes, each the calls in it sorted by start.
    pub batch_lanes: Vec<Vec<Vec<usize>>>,
    pub trace_matrix: ResourceMatrix,
    pub batch_matrices: Vec<ResourceMatrix>,
    /// Where the answer sits on the axis.
    pub answer_at: u64,
}

const NONE_ROW: usize = usize::MAX;

impl TraceModel {
    pub fn build(loaded: LoadedTrace) -> Self {
        let LoadedTrace {
            analyzed: data,
            raw,
        } = loaded;
        let run = &data.run;
        let analysis = &data.analysis;
        let (axis, model_span, call_span, answer_at) = place(run);
        let batch_span = run
            .batches
            .iter()
            .map(|b| {
                let spans = b
                    .calls
                    .iter()
                    .filter_map(|c| call_span.get(*c).copied().flatten());
                spans.fold(None, |acc: Option<Interval>, s| {
                    Some(acc.map_or(s, |a| Interval {
                        start: a.start.min(s.start),
                        end: a.end.max(s.end),
                    }))
                })
            })
            .collect();
        let mut call_severity = vec![None; run.tool_calls.len()];
        let mut batch_severity = vec![None; run.batches.len()];
        for f in &analysis.findings {
            for &c in &f.calls {
                if let Some(s) = call_severity.get_mut(c) {
                    *s = (*s).max(Some(f.severity));
                }
            }
            if let Some(s) = batch_severity.get_mut(f.batch) {
                *s = (*s).max(Some(f.severity));
            }
        }
        let batch_lanes: Vec<Vec<Vec<usize>>> = run
            .batches
            .iter()
            .enumerate()
            .map(|(i, b)| lanes_of(i, &b.calls, analysis, &call_span))
            .collect();

        let mut model = Self {
            span_index: raw
                .as_ref()
                .map(|t| {
                    t.spans
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (s.span_id, i))
                        .collect()
                })
                .unwrap_or_default(),
            axis,
            rows: Vec::new(),
            conflict_rows: Vec::new(),
            model_row: vec![NONE_ROW; run.model_calls.len()],
            batch_row: vec![NONE_ROW; run.batches.len()],
            call_row: vec![NONE_ROW; run.tool_calls.len()],
            answer_row: None,
            model_span,
            call_span,
            batch_span,
            call_severity,
            batch_severity,
            call_label: run
                .tool_calls
                .iter()
                .map(|c| sanitize::line(&c.name).into_owned())
                .collect(),
            model_label: run
                .model_calls
                .iter()
                .map(|m| sanitize::line(m.model.as_deref().unwrap_or(&m.name)).into_owned())
                .collect(),
            trace_matrix: ResourceMatrix::build(
                analysis,
                &(0..run.tool_calls.len()).collect::<Vec<_>>(),
                false,
            ),
            batch_matrices: run
                .batches
                .iter()
                .map(|b| ResourceMatrix::build(analysis, &b.calls, true))
                .collect(),
            batch_lanes,
            answer_at,
            raw,
            data,
        };
        model.build_rows();
        model
    }

    fn build_rows(&mut self) {
        let run = &self.data.run;
        let mut by_model: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut orphan_batches = Vec::new();
        // Positions, not the stored `index` fields: rows index vectors by them.
        for (i, b) in run.batches.iter().enumerate() {
            match b.emitted_by.filter(|m| *m < run.model_calls.len()) {
                Some(m) => by_model.entry(m).or_default().push(i),
                None => orphan_batches.push(i),
            }
        }
        let mut rows = Vec::new();
        let push_batch = |rows: &mut Vec<Row>, b: usize, lanes: &[Vec<usize>]| {
            rows.push(Row::BatchHeader(b));
            for (lane, calls) in lanes.iter().enumerate() {
                rows.push(Row::Lane {
                    batch: Some(b),
                    lane,
                    calls: calls.clone(),
                });
            }
        };
        for m in 0..run.model_calls.len() {
            rows.push(Row::Model(m));
            for &b in by_model.get(&m).map(Vec::as_slice).unwrap_or_default() {
                push_batch(
                    &mut rows,
                    b,
                    self.batch_lanes
                        .get(b)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                );
            }
        }
        for b in orphan_batches {
            push_batch(
                &mut rows,
                b,
                self.batch_lanes
                    .get(b)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            );
        }
        let unbatched: Vec<usize> = run
            .tool_calls
            .iter()
            .filter(|c| !matches!(c.batch, Some(b) if b < run.batches.len()))
            .map(|c| c.index)
            .collect();
        for (lane, calls) in assign_lanes(&unbatched, &self.call_span)
            .into_iter()
            .enumerate()
        {
            rows.push(Row::Lane {
                batch: None,
                lane,
                calls,
            });
        }
        rows.push(Row::Answer);

        for (i, row) in rows.iter().enumerate() {
            match row {
                Row::Model(m) => set(&mut self.model_row, *m, i),
                Row::BatchHeader(b) => set(&mut self.batch_row, *b, i),
                Row::Lane { calls, .. } => {
                    calls.iter().for_each(|c| set(&mut self.call_row, *c, i))
                }
                Row::Answer => self.answer_row = Some(i),
            }
        }
        self.conflict_rows = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| match r {
                Row::Model(_) => false,
                Row::BatchHeader(b) => self.batch_severity.get(*b).copied().flatten().is_some(),
                Row::Lane { calls, .. } => calls.iter().any(|c| self.is_conflict(*c)),
                Row::Answer => true,
            })
            .map(|(i, _)| i)
            .collect();
        self.rows = rows;
    }

    pub fn run(&self) -> &Run {
        &self.data.run
    }

    pub fn analysis(&self) -> &Analysis {
        &self.data.analysis
    }

    pub fn analyzed(&self) -> &AnalyzedTrace {
        &self.data
    }

    /// The raw span behind a call or model call, when the source kept spans.
    pub fn span(&self, id: SpanId) -> Option<&Span> {
        self.raw.as_ref()?.spans.get(*self.span_index.get(&id)?)
    }

    pub fn is_conflict(&self, call: usize) -> bool {
        self.call_severity.get(call).copied().flatten().is_some()
    }

    /// The timeline row holding `item`.
    pub fn row_of(&self, item: Item) -> Option<usize> {
        let r = match item {
            Item::Model(m) => *self.model_row.get(m)?,
            Item::Batch(b) => *self.batch_row.get(b)?,
            Item::Call(c) => *self.call_row.get(c)?,
            Item::Answer => self.answer_row?,
        };
        (r != NONE_ROW).then_some(r)
    }

    /// Where `item` sits on the axis.
    pub fn span_of(&self, item: Item) -> Option<Interval> {
        match item {
            Item::Model(m) => self.model_span.get(m).copied().flatten(),
            Item::Batch(b) => self.batch_span.get(b).copied().flatten(),
            Item::Call(c) => self.call_span.get(c).copied().flatten(),
            Item::Answer => Some(Interval {
                start: self.answer_at,
                end: self.answer_at,
            }),
        }
    }

    /// The item a row stands for; in a lane, the call nearest to axis position `near`.
    pub fn item_at(&self, row: usize, near: Option<u64>, conflicts_only: bool) -> Option<Item> {
        Some(match self.rows.get(row)? {
            Row::Model(m) => Item::Model(*m),
            Row::BatchHeader(b) => Item::Batch(*b),
            Row::Answer => Item::Answer,
            Row::Lane { calls, .. } => {
                let candidates = calls
                    .iter()
                    .copied()
                    .filter(|c| !conflicts_only || self.is_conflict(*c));
                let best = match near {
                    Some(t) => candidates.min_by_key(|c| {
                        self.call_span
                            .get(*c)
                            .copied()
                            .flatten()
                            .map_or(u64::MAX, |s| s.mid().abs_diff(t))
                    }),
                    None => candidates.min(),
                };
                Item::Call(best.or_else(|| calls.first().copied())?)
            }
        })
    }

    /// The batch an item belongs to.
    pub fn batch_of(&self, item: Item) -> Option<usize> {
        match item {
            Item::Batch(b) => Some(b),
            Item::Call(c) => self.run().tool_calls.get(c)?.batch,
            Item::Model(m) => self
                .run()
                .batches
                .iter()
                .position(|b| b.emitted_by == Some(m)),
            Item::Answer => None,
        }
    }
}

fn set(v: &mut [usize], i: usize, row: usize) {
    if let Some(slot) = v.get_mut(i) {
        *slot = row;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn model(t: crate::analysis::AnalyzedTrace) -> TraceModel {
        TraceModel::build(LoadedTrace {
            analyzed: t,
            raw: None,
        })
    }

    #[test]
    fn timeline_rows_follow_the_run() {
        let m = model(fixtures::lost_update());
        use Row::*;
        let kinds: Vec<String> = m
            .rows
            .iter()
            .map(|r| match r {
                Model(i) => format!("M{i}"),
                BatchHeader(b) => format!("B{b}"),
                Lane { lane, calls, .. } => format!("L{lane}{calls:?}"),
                Answer => "A".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "M0", "B0", "L0[0]", "M1", "B1", "L0[1]", "L1[2]", "M2", "B2", "L0[3]", "L1[4]",
                "M3", "A"
            ]
        );
        assert_eq!(m.axis.unit, AxisUnit::Nanos);
        assert_eq!(m.axis.length, 2_900_000_000);
        assert_eq!(m.row_of(Item::Call(2)), Some(6));
        assert_eq!(m.conflict_rows, vec![4, 5, 6, 12]);
    }

    #[test]
    fn transcripts_are_placed_in_order_siblings_of_a_batch_sharing_a_step() {
        let m = model(fixtures::transcript());
        assert_eq!(m.axis.unit, AxisUnit::Steps);
        // 4 model calls and 3 batches: one step each.
        assert_eq!(m.axis.length, 7);
        assert_eq!(m.model_span[1], Some(Interval { start: 2, end: 3 }));
        assert_eq!(m.call_span[1], Some(Interval { start: 3, end: 4 }));
        assert_eq!(m.call_span[2], m.call_span[1], "siblings side by side");
    }

    #[test]
    fn overlapping_calls_never_share_a_computed_lane() {
        let spans = vec![
            Some(Interval { start: 0, end: 10 }),
            Some(Interval { start: 5, end: 15 }),
            Some(Interval { start: 10, end: 12 }),
            None,
        ];
        assert_eq!(
            assign_lanes(&[0, 1, 2, 3], &spans),
            vec![vec![0, 2], vec![1], vec![3]]
        );
    }

    #[test]
    fn missing_lane_data_falls_back_to_computed_lanes() {
        let mut t = fixtures::lost_update();
        t.analysis.lanes.clear();
        let m = model(t);
        assert_eq!(m.batch_lanes[1], vec![vec![1], vec![2]]);
    }
}
