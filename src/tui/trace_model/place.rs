//! Where each model call and tool call sits on the axis (nanoseconds for timed runs, one step
//! per call in recorded order for transcripts), and the swimlanes of a batch.

use crate::analysis::Analysis;
use crate::model::{CallStatus, Run, Timing};

use super::{Axis, AxisUnit, Interval};

pub(super) type Placement = (Axis, Vec<Option<Interval>>, Vec<Option<Interval>>, u64);

/// Puts every model call and tool call on the axis.
pub(super) fn place(run: &Run) -> Placement {
    let timed = run.timing != Timing::Absent
        && run
            .model_calls
            .iter()
            .map(|m| m.start_unix_nano)
            .chain(run.tool_calls.iter().map(|c| c.start_unix_nano))
            .any(|s| s.is_some());
    if timed {
        place_timed(run)
    } else {
        place_steps(run)
    }
}

fn place_timed(run: &Run) -> Placement {
    let times = run
        .model_calls
        .iter()
        .map(|m| (m.start_unix_nano, m.end_unix_nano))
        .chain(
            run.tool_calls
                .iter()
                .map(|c| (c.start_unix_nano, c.end_unix_nano)),
        );
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for (s, e) in times {
        if let Some(s) = s {
            lo = lo.min(s);
            hi = hi.max(s);
        }
        if let Some(e) = e {
            hi = hi.max(e);
        }
    }
    let origin = lo.min(hi);
    let interval = |s: Option<u64>, e: Option<u64>| {
        let s = s?.saturating_sub(origin);
        Some(Interval {
            start: s,
            end: e.map_or(s, |e| e.saturating_sub(origin)).max(s),
        })
    };
    let models = run
        .model_calls
        .iter()
        .map(|m| interval(m.start_unix_nano, m.end_unix_nano))
        .collect();
    let length = hi.saturating_sub(origin).max(1);
    let calls = run
        .tool_calls
        .iter()
        .map(|c| {
            interval(c.start_unix_nano, c.end_unix_nano).or_else(|| {
                // Never executed: a point where the model asked for it, drawn as `∅`.
                let at = c
                    .emitted_by
                    .and_then(|m| run.model_calls.get(m))
                    .and_then(|m| m.end_unix_nano.or(m.start_unix_nano))?
                    .saturating_sub(origin)
                    .min(length);
                (c.status == CallStatus::NotExecuted).then_some(Interval { start: at, end: at })
            })
        })
        .collect();
    let answer_at = run
        .final_answer
        .as_ref()
        .and_then(|a| a.model_call)
        .and_then(|m| run.model_calls.get(m))
        .and_then(|m| m.end_unix_nano)
        .map_or(length, |e| e.saturating_sub(origin).min(length));
    (
        Axis {
            unit: AxisUnit::Nanos,
            origin,
            length,
        },
        models,
        calls,
        answer_at,
    )
}

/// Untimed: model call, then the calls it emitted, one step each; the siblings of one batch share
/// a step (drawn side by side in their lanes, since their order says nothing about time).
fn place_steps(run: &Run) -> Placement {
    let mut models = vec![None; run.model_calls.len()];
    let mut calls = vec![None; run.tool_calls.len()];
    let mut step = 0u64;
    let at = |step: u64| {
        Some(Interval {
            start: step,
            end: step + 1,
        })
    };
    let put_batch = |calls: &mut Vec<Option<Interval>>, members: &[usize], step: &mut u64| {
        let mut used = false;
        for &c in members {
            if let Some(slot @ None) = calls.get_mut(c) {
                *slot = at(*step);
                used = true;
            }
        }
        if used {
            *step += 1;
        }
    };
    for m in &run.model_calls {
        if let Some(slot @ None) = models.get_mut(m.index) {
            *slot = at(step);
            step += 1;
        }
        for b in run.batches.iter().filter(|b| b.emitted_by == Some(m.index)) {
            put_batch(&mut calls, &b.calls, &mut step);
        }
        for &c in &m.emitted {
            put_batch(&mut calls, &[c], &mut step);
        }
    }
    for b in &run.batches {
        put_batch(&mut calls, &b.calls, &mut step);
    }
    for c in 0..calls.len() {
        put_batch(&mut calls, &[c], &mut step);
    }
    let length = step.max(1);
    (
        Axis {
            unit: AxisUnit::Steps,
            origin: 0,
            length,
        },
        models,
        calls,
        length,
    )
}

/// The lanes of one batch: analysis's assignment when it covers the batch, else computed.
pub(super) fn lanes_of(
    batch: usize,
    calls: &[usize],
    analysis: &Analysis,
    spans: &[Option<Interval>],
) -> Vec<Vec<usize>> {
    let given = analysis
        .lanes
        .iter()
        .find(|l| l.batch == batch)
        .filter(|l| l.lanes.len() == calls.len());
    let mut lanes: Vec<Vec<usize>> = match given {
        Some(l) => {
            let mut lanes = vec![Vec::new(); l.lanes.iter().max().map_or(0, |m| m + 1)];
            for (call, lane) in calls.iter().zip(&l.lanes) {
                if let Some(v) = lanes.get_mut(*lane) {
                    v.push(*call);
                }
            }
            lanes.retain(|l| !l.is_empty());
            lanes
        }
        None => return assign_lanes(calls, spans),
    };
    for lane in &mut lanes {
        lane.sort_by_key(|c| {
            (
                spans
                    .get(*c)
                    .copied()
                    .flatten()
                    .map_or(u64::MAX, |s| s.start),
                *c,
            )
        });
    }
    lanes
}

/// Greedy interval partitioning: each call goes to the first lane whose last call ended before
/// it starts. Calls without a position get a lane each.
pub fn assign_lanes(calls: &[usize], spans: &[Option<Interval>]) -> Vec<Vec<usize>> {
    let mut order: Vec<(Option<Interval>, usize)> = calls
        .iter()
        .map(|c| (spans.get(*c).copied().flatten(), *c))
        .collect();
    order.sort_by_key(|(s, c)| (s.map_or(u64::MAX, |s| s.start), *c));
    let mut lanes: Vec<(u64, Vec<usize>)> = Vec::new();
    for (span, call) in order {
        match span {
            Some(s) => match lanes
                .iter_mut()
                .find(|(end, v)| *end <= s.start && !v.is_empty())
            {
                Some((end, v)) => {
                    *end = s.end.max(s.start + 1);
                    v.push(call);
                }
                None => lanes.push((s.end.max(s.start + 1), vec![call])),
            },
            None => lanes.push((u64::MAX, vec![call])),
        }
    }
    lanes.into_iter().map(|(_, v)| v).collect()
}
