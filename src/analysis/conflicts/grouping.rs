//! One finding per kind, resource and batch: the pairs found on one resource become one finding
//! that lists every call involved (a thousand siblings writing one key are one lost update with
//! a thousand calls, not half a million pairs). The strongest pair leads: its severity, its
//! calls first, its explanation; the others add their calls and signals.

use std::collections::{HashMap, HashSet};

use super::super::types::{Finding, FindingKind};
use crate::model::ToolCall;

/// Signals kept per finding; the rest are counted.
const MAX_SIGNALS: usize = 16;
/// Calls named in a group's explanation; the rest are counted.
const NAMED_CALLS: usize = 8;

struct Group {
    finding: Finding,
    members: HashSet<usize>,
    signals: HashSet<String>,
    dropped_signals: usize,
}

impl Group {
    fn new(f: Finding) -> Self {
        Self {
            members: f.calls.iter().copied().collect(),
            signals: f.signals.iter().cloned().collect(),
            dropped_signals: 0,
            finding: f,
        }
    }

    fn absorb(&mut self, f: Finding) {
        if f.severity > self.finding.severity {
            // The stronger pair leads: its calls and signals first, then the earlier ones.
            let mut earlier = std::mem::replace(&mut self.finding, f);
            let lead_calls = std::mem::take(&mut self.finding.calls);
            let lead_signals = std::mem::take(&mut self.finding.signals);
            self.members.clear();
            self.signals.clear();
            self.add_calls(lead_calls);
            self.add_calls(std::mem::take(&mut earlier.calls));
            self.add_signals(lead_signals);
            self.add_signals(earlier.signals);
        } else {
            self.add_calls(f.calls);
            self.add_signals(f.signals);
        }
    }

    fn add_calls(&mut self, calls: Vec<usize>) {
        for c in calls {
            if self.members.insert(c) {
                self.finding.calls.push(c);
            }
        }
    }

    fn add_signals(&mut self, signals: Vec<String>) {
        for s in signals {
            if self.signals.contains(&s) {
                continue;
            }
            if self.finding.signals.len() >= MAX_SIGNALS {
                self.dropped_signals += 1;
                continue;
            }
            self.signals.insert(s.clone());
            self.finding.signals.push(s);
        }
    }

    fn finish(mut self, tool_calls: &[ToolCall]) -> Finding {
        if self.dropped_signals > 0 {
            self.finding
                .signals
                .push(format!("… and {} more signals", self.dropped_signals));
        }
        let n = self.finding.calls.len();
        if n > 2 {
            let named: Vec<String> = self
                .finding
                .calls
                .iter()
                .take(NAMED_CALLS)
                .filter_map(|&c| tool_calls.get(c))
                .map(|c| format!("{} ({})", c.name, c.display_id()))
                .collect();
            let more = if n > NAMED_CALLS {
                format!(" and {} more", n - NAMED_CALLS)
            } else {
                String::new()
            };
            self.finding.explanation.push_str(&format!(
                " {n} calls of this batch take part: {}{more}.",
                named.join(", ")
            ));
        }
        self.finding
    }
}

/// Merges the findings of one batch that share kind and resource, in first-found order.
pub fn by_resource(found: Vec<Finding>, tool_calls: &[ToolCall]) -> Vec<Finding> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(FindingKind, String), usize> = HashMap::new();
    for f in found {
        let key = (f.kind, f.resource.clone());
        match index.get(&key) {
            Some(&g) => groups[g].absorb(f),
            None => {
                index.insert(key, groups.len());
                groups.push(Group::new(f));
            }
        }
    }
    groups.into_iter().map(|g| g.finish(tool_calls)).collect()
}
