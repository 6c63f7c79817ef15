//! Swimlane layout: which lane each call of a batch is drawn in. Overlapping calls never share a
//! lane; a lane is reused once its last call has ended. Untimed runs get one lane per call, in
//! emission order. Computed here as data so the TUI only maps it onto the screen.

use super::types::BatchLanes;
use crate::model::Run;

/// Lanes of every batch, in `Run::batches` order.
pub fn lanes(run: &Run) -> Vec<BatchLanes> {
    run.batches
        .iter()
        .map(|b| {
            let iv: Option<Vec<(u64, u64)>> = b
                .calls
                .iter()
                .map(|&i| {
                    run.tool_calls
                        .get(i)
                        .and_then(|c| Some((c.start_unix_nano?, c.end_unix_nano?)))
                })
                .collect();
            let lanes = match iv {
                Some(iv) => assign(&iv),
                None => (0..b.calls.len()).collect(),
            };
            let lane_count = lanes.iter().max().map_or(0, |m| m + 1);
            BatchLanes {
                batch: b.index,
                lanes,
                lane_count,
            }
        })
        .collect()
}

/// Greedy interval partitioning: by start time, the lowest-numbered lane that is free. Lanes
/// that are busy wait in a heap by end time and move to a heap of free lanes once a start passes
/// their end, so a batch of thousands of overlapping calls costs n log n, not n × lanes.
fn assign(iv: &[(u64, u64)]) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut order: Vec<usize> = (0..iv.len()).collect();
    order.sort_by_key(|&i| (iv[i].0, iv[i].1, i));
    let mut busy: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    let mut free: BinaryHeap<Reverse<usize>> = BinaryHeap::new();
    let mut lanes = 0usize;
    let mut out = vec![0; iv.len()];
    for i in order {
        let (s, e) = iv[i];
        while let Some(&Reverse((end, lane))) = busy.peek() {
            if end > s {
                break;
            }
            busy.pop();
            free.push(Reverse(lane));
        }
        let lane = free.pop().map_or_else(
            || {
                lanes += 1;
                lanes - 1
            },
            |Reverse(l)| l,
        );
        busy.push(Reverse((e.max(s), lane)));
        out[i] = lane;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first-free-lane rule written plainly, to check the heap version against.
    fn assign_by_scan(iv: &[(u64, u64)]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..iv.len()).collect();
        order.sort_by_key(|&i| (iv[i].0, iv[i].1, i));
        let mut lane_end: Vec<u64> = Vec::new();
        let mut out = vec![0; iv.len()];
        for i in order {
            let (s, e) = iv[i];
            match lane_end.iter().position(|&le| le <= s) {
                Some(l) => {
                    lane_end[l] = e.max(s);
                    out[i] = l;
                }
                None => {
                    lane_end.push(e.max(s));
                    out[i] = lane_end.len() - 1;
                }
            }
        }
        out
    }

    #[test]
    fn the_heap_assigns_the_lanes_the_first_free_rule_gives() {
        let mut x = 0x9e37_79b9_u64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..200 {
            let n = next(60) as usize;
            let iv: Vec<(u64, u64)> = (0..n)
                .map(|_| {
                    let s = next(100);
                    (s, s + next(40))
                })
                .collect();
            assert_eq!(assign(&iv), assign_by_scan(&iv), "{iv:?}");
        }
    }
    use crate::analysis::test_support::run;
    use serde_json::json;

    #[test]
    fn overlapping_calls_never_share_a_lane_and_free_lanes_are_reused() {
        let r = run(
            vec![vec![
                ("a", "t", json!({}), json!({}), Some((0, 100))),
                ("b", "t", json!({}), json!({}), Some((10, 50))),
                ("c", "t", json!({}), json!({}), Some((60, 90))),
                ("d", "t", json!({}), json!({}), Some((95, 120))),
            ]],
            None,
        );
        let l = &lanes(&r)[0];
        assert_eq!(l.lanes, vec![0, 1, 1, 1]);
        assert_eq!(l.lane_count, 2);
    }

    #[test]
    fn untimed_calls_get_one_lane_each() {
        let r = run(
            vec![vec![
                ("a", "t", json!({}), json!({}), None),
                ("b", "t", json!({}), json!({}), None),
            ]],
            None,
        );
        assert_eq!(lanes(&r)[0].lanes, vec![0, 1]);
    }
}
