//! Jumps on the trace screen: to a finding, along the why path from the answer back to the
//! collision, and to search matches. Each one ends in [`select`], like any other selection.

use crate::analysis::WhyStep;

use super::super::app::{App, Level, TraceState};
use super::super::trace_model::Item;
use super::trace::{select, selectable, timeline_height};

pub(super) fn focus_finding(t: &mut TraceState, f: usize, rows: usize) {
    let Some(finding) = t.model.analysis().findings.get(f) else {
        return;
    };
    let (batch, first) = (finding.batch, finding.calls.first().copied());
    t.finding = Some(f);
    select(t, first.map_or(Item::Batch(batch), Item::Call), rows);
    t.batch = Some(batch);
}

/// Moves along the why path and selects that step's place.
pub(super) fn go_to_step(t: &mut TraceState, step: usize, rows: usize) {
    let Some(s) = t.model.analysis().why.steps.get(step).cloned() else {
        return;
    };
    t.why_step = Some(step);
    let item = match s {
        WhyStep::Answer { .. } => Item::Answer,
        WhyStep::Call { call, .. } => Item::Call(call),
        WhyStep::Batch { batch } => Item::Batch(batch),
        WhyStep::Finding { finding, sibling } => {
            t.finding = Some(finding);
            let f = t.model.analysis().findings.get(finding);
            match (sibling, f) {
                (Some(c), _) => Item::Call(c),
                (None, Some(f)) => f
                    .calls
                    .first()
                    .map_or(Item::Batch(f.batch), |c| Item::Call(*c)),
                (None, None) => t.selected,
            }
        }
    };
    // The path's batch stays on screen even while the answer is selected.
    if item == Item::Answer {
        if let Some(b) = why_batch(t) {
            t.batch = Some(b);
        }
    }
    select(t, item, rows);
}

/// The batch named on the why path, if any.
pub fn why_batch(t: &TraceState) -> Option<usize> {
    t.model.analysis().why.steps.iter().find_map(|s| match s {
        WhyStep::Batch { batch } => Some(*batch),
        WhyStep::Call { call, .. } => t.model.run().tool_calls.get(*call).and_then(|c| c.batch),
        _ => None,
    })
}

/// Runs a search over the open trace and selects the first match at or after the selection.
pub fn search(app: &mut App, query: &str) {
    let rows = app
        .trace
        .as_ref()
        .map_or(1, |t| timeline_height(app.area, t));
    let Some(t) = app.trace.as_mut() else { return };
    t.search.query = query.to_owned();
    // Spaces around the words (a word left after Ctrl-W) do not count.
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        t.search.matches.clear();
        t.search.current = None;
        return;
    }
    let run = t.model.run();
    let hit = |s: &str| s.to_lowercase().contains(&q);
    let json_hit = |v: &Option<serde_json::Value>| v.as_ref().is_some_and(|v| hit(&v.to_string()));
    let mut matches: Vec<Item> = Vec::new();
    for (i, m) in run.model_calls.iter().enumerate() {
        if hit(&m.name)
            || m.model.as_deref().is_some_and(hit)
            || m.output_text.as_deref().is_some_and(hit)
        {
            matches.push(Item::Model(i));
        }
    }
    for (i, b) in run.batches.iter().enumerate() {
        if hit(&b.id) {
            matches.push(Item::Batch(i));
        }
    }
    let analysis = t.model.analysis();
    for (i, c) in run.tool_calls.iter().enumerate() {
        let resource_hit = analysis
            .accesses
            .get(i)
            .is_some_and(|a| a.iter().any(|a| hit(&a.resource)));
        let finding_hit = analysis.findings.iter().any(|f| {
            f.calls.contains(&i)
                && (hit(&f.explanation)
                    || hit(&f.resource)
                    || hit(f.kind.label())
                    || f.signals.iter().any(|s| hit(s)))
        });
        if hit(&c.name)
            || c.call_id.as_deref().is_some_and(hit)
            || json_hit(&c.arguments)
            || json_hit(&c.result)
            || c.error.as_deref().is_some_and(hit)
            || resource_hit
            || finding_hit
        {
            matches.push(Item::Call(i));
        }
    }
    if run.final_answer.as_ref().is_some_and(|a| hit(&a.text)) {
        matches.push(Item::Answer);
    }
    matches.retain(|i| {
        selectable(t, *i)
            && t.model
                .row_of(*i)
                .and_then(|r| t.position_of_row(r))
                .is_some()
    });
    matches.sort_by_key(|i| t.model.row_of(*i));
    let here = t.model.row_of(t.selected).unwrap_or(0);
    let n = matches.len();
    t.search.current = (n > 0).then(|| {
        matches
            .iter()
            .position(|i| t.model.row_of(*i).unwrap_or(0) >= here)
            .unwrap_or(0)
    });
    t.search.matches = matches;
    if let Some(i) = t.search.current {
        let item = t.search.matches[i];
        select(t, item, rows);
        app.notify(
            Level::Info,
            format!(
                "match {}/{n} for \"{}\"",
                i + 1,
                super::super::sanitize::line(query)
            ),
        );
    } else {
        app.notify(
            Level::Warn,
            format!("no match for \"{}\"", super::super::sanitize::line(query)),
        );
    }
}
