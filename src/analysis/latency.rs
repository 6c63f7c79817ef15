//! Latency, the other half of the seed: the share of wall time spent in tools, each batch's wall
//! time against the sum of its calls (what parallelism bought), the critical path, and what fully
//! sequential tool execution would have cost. Everything is `None` for untimed runs.

use super::types::{BatchLatency, Latency};
use crate::model::{Run, Timing};

/// Length of the union of intervals.
fn union_length(mut iv: Vec<(u64, u64)>) -> u64 {
    iv.retain(|(s, e)| e > s);
    iv.sort_unstable();
    let mut total = 0u64;
    let mut cur: Option<(u64, u64)> = None;
    for (s, e) in iv {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    total + cur.map_or(0, |(s, e)| e - s)
}

/// Computes the run's latency figures.
pub fn latency(run: &Run) -> Latency {
    let tool_iv: Vec<Option<(u64, u64)>> = run
        .tool_calls
        .iter()
        .map(|c| Some((c.start_unix_nano?, c.end_unix_nano?)))
        .collect();
    let model_iv: Vec<(u64, u64)> = run
        .model_calls
        .iter()
        .filter_map(|m| Some((m.start_unix_nano?, m.end_unix_nano?)))
        .collect();
    let timed = run.timing != Timing::Absent
        && (tool_iv.iter().any(Option::is_some) || !model_iv.is_empty());
    let batches: Vec<BatchLatency> = run
        .batches
        .iter()
        .map(|b| {
            let iv: Option<Vec<(u64, u64)>> = if timed {
                b.calls
                    .iter()
                    .map(|&i| tool_iv.get(i).copied().flatten())
                    .collect()
            } else {
                None
            };
            match iv.filter(|v| !v.is_empty()) {
                Some(v) => {
                    let wall = v
                        .iter()
                        .map(|x| x.1)
                        .max()
                        .unwrap_or(0)
                        .saturating_sub(v.iter().map(|x| x.0).min().unwrap_or(0));
                    let sum: u64 = v.iter().map(|(s, e)| e.saturating_sub(*s)).sum();
                    let overlapped = v
                        .iter()
                        .enumerate()
                        .any(|(i, a)| v.iter().skip(i + 1).any(|b| a.0 < b.1 && b.0 < a.1));
                    BatchLatency {
                        batch: b.index,
                        wall_nanos: Some(wall),
                        sum_nanos: Some(sum),
                        speedup: (wall > 0).then(|| sum as f64 / wall as f64),
                        overlapped,
                    }
                }
                None => BatchLatency {
                    batch: b.index,
                    wall_nanos: None,
                    sum_nanos: None,
                    speedup: None,
                    overlapped: false,
                },
            }
        })
        .collect();
    if !timed {
        return Latency {
            batches,
            ..Latency::default()
        };
    }
    let all: Vec<(u64, u64)> = tool_iv
        .iter()
        .flatten()
        .copied()
        .chain(model_iv.iter().copied())
        .collect();
    let start = all.iter().map(|x| x.0).min();
    let end = all.iter().map(|x| x.1).max();
    let total = start.zip(end).map(|(s, e)| e.saturating_sub(s));
    let tool = union_length(tool_iv.iter().flatten().copied().collect());
    // The chain the run waited on: every model call, plus the longest call of each batch.
    let mut chain = model_iv.clone();
    for b in &run.batches {
        if let Some(longest) = b
            .calls
            .iter()
            .filter_map(|&i| tool_iv.get(i).copied().flatten())
            .max_by_key(|(s, e)| e.saturating_sub(*s))
        {
            chain.push(longest);
        }
    }
    let in_batches: std::collections::BTreeSet<usize> = run
        .batches
        .iter()
        .flat_map(|b| b.calls.iter().copied())
        .collect();
    for (i, iv) in tool_iv.iter().enumerate() {
        if let (false, Some(iv)) = (in_batches.contains(&i), iv) {
            chain.push(*iv);
        }
    }
    let critical = union_length(chain);
    let sum_wall: u64 = batches.iter().filter_map(|b| b.wall_nanos).sum();
    let sum_sum: u64 = batches.iter().filter_map(|b| b.sum_nanos).sum();
    Latency {
        total_nanos: total,
        tool_nanos: Some(tool),
        tool_share: total.filter(|t| *t > 0).map(|t| tool as f64 / t as f64),
        critical_path_nanos: Some(critical),
        sequential_nanos: total.map(|t| t.saturating_sub(sum_wall) + sum_sum),
        batches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::run;
    use serde_json::json;

    const MS: u64 = 1_000_000;

    #[test]
    fn a_parallel_batch_reports_its_speedup_and_the_sequential_cost() {
        let r = run(
            vec![vec![
                ("a", "get_a", json!({}), json!({}), Some((100, 300))),
                ("b", "get_b", json!({}), json!({}), Some((100, 200))),
            ]],
            Some("ok"),
        );
        let l = latency(&r);
        let b = &l.batches[0];
        assert_eq!(
            (b.wall_nanos, b.sum_nanos, b.overlapped),
            (Some(200 * MS), Some(300 * MS), true)
        );
        assert!((b.speedup.unwrap() - 1.5).abs() < 1e-9);
        // model 90..99, tools 100..300, final model 301..320
        assert_eq!(l.total_nanos, Some(230 * MS));
        assert_eq!(l.tool_nanos, Some(200 * MS));
        assert_eq!(l.sequential_nanos, Some(330 * MS));
        // model 90..99 + longest call 100..300 + final model 301..320
        assert_eq!(l.critical_path_nanos, Some(228 * MS));
        assert!(l.tool_share.unwrap() > 0.8);
    }

    #[test]
    fn untimed_runs_have_no_figures() {
        let r = run(
            vec![vec![
                ("a", "get_a", json!({}), json!({}), None),
                ("b", "get_b", json!({}), json!({}), None),
            ]],
            Some("ok"),
        );
        let l = latency(&r);
        assert_eq!(
            (
                l.total_nanos,
                l.tool_share,
                l.critical_path_nanos,
                l.sequential_nanos
            ),
            (None, None, None, None)
        );
        assert_eq!(l.batches[0].speedup, None);
    }
}
