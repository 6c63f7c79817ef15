//! Builds model calls, tool calls and batches from convention-neutral records. The batch of a
//! model call is the list of tool calls its response emitted; exec spans are tied to those
//! calls by [`super::matching`], never by parent links (siblings can be nested, chained,
//! orphaned or hung under the agent span). Times order things only as "which model turn did
//! this exec start in", with ties (whole-millisecond starts) broken by span id.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::matching::{match_execs, Slot};
use super::record::{EmittedCall, ExecRecord, HistoryResult, ModelRecord};
use super::recover::recover_missing_outputs;
use crate::model::{
    Batch, CallStatus, Convention, Degradation, MatchEvidence, ModelCall, SpanId, ToolCall,
};

/// The parts of a run the batch builder produces.
#[derive(Debug, Default)]
pub struct Built {
    pub model_calls: Vec<ModelCall>,
    pub tool_calls: Vec<ToolCall>,
    pub batches: Vec<Batch>,
    pub degraded: Vec<Degradation>,
}

fn is_transcript(c: Convention) -> bool {
    matches!(
        c,
        Convention::Native
            | Convention::OpenAiChatTranscript
            | Convention::OpenAiResponsesTranscript
            | Convention::AnthropicTranscript
            | Convention::CodingAgentSession
    )
}

/// Executions already given a place, indexed so that telling whether another one records the
/// same execution (see [`ExecRecord::duplicates`]) does not scan them all.
#[derive(Default)]
struct Claimed<'a> {
    /// Call id -> the spans that carry it.
    ids: HashMap<&'a str, Vec<SpanId>>,
    /// (tool name, span) of every claimed exec, and of those without a call id.
    spans: [HashSet<(&'a str, SpanId)>; 2],
    /// (tool name, ancestor span) of every claimed exec, and of those without a call id.
    ancestors: [HashSet<(&'a str, SpanId)>; 2],
}

impl<'a> Claimed<'a> {
    fn add(&mut self, x: &'a ExecRecord) {
        let name = x.name.as_str();
        let kinds: &[usize] = if let Some(id) = &x.call_id {
            self.ids.entry(id).or_default().push(x.span_id);
            &[0]
        } else {
            &[0, 1]
        };
        for &k in kinds {
            self.spans[k].insert((name, x.span_id));
            self.ancestors[k].extend(x.ancestors.iter().map(|a| (name, *a)));
        }
    }

    /// Whether a claimed exec records the same execution as `x`: the same call id when both
    /// have one, else the same tool on spans nested in one another.
    fn duplicates(&self, x: &ExecRecord) -> bool {
        let name = x.name.as_str();
        // Claimed execs that can be compared by nesting: all of them when `x` has no call id,
        // only those without one when it has.
        let k = match &x.call_id {
            Some(id) => {
                if self
                    .ids
                    .get(id.as_str())
                    .is_some_and(|spans| spans.iter().any(|s| *s != x.span_id))
                {
                    return true;
                }
                1
            }
            None => 0,
        };
        x.ancestors
            .iter()
            .any(|a| *a != x.span_id && self.spans[k].contains(&(name, *a)))
            || self.ancestors[k].contains(&(name, x.span_id))
    }
}

/// Assembles the run's calls and batches. `timing_absent` drops every time.
pub fn build(
    mut models: Vec<ModelRecord>,
    mut execs: Vec<ExecRecord>,
    timing_absent: bool,
) -> Built {
    models.sort_by_key(|m| (m.start, m.span_id));
    execs.sort_by_key(|e| (e.start, e.span_id));
    let mut degraded = Vec::new();
    recover_missing_outputs(&mut models, &mut degraded);

    let time = |t: u64| (!timing_absent).then_some(t);
    // The model turn each exec started in.
    let window: Vec<Option<usize>> = execs
        .iter()
        .map(|e| {
            let after = models.partition_point(|m| (m.start, m.span_id) <= (e.start, e.span_id));
            after.checked_sub(1)
        })
        .collect();
    let slots: Vec<Slot<'_>> = models
        .iter()
        .enumerate()
        .flat_map(|(mi, m)| m.emitted.iter().map(move |call| Slot { call, model: mi }))
        .collect();
    let matches = match_execs(&slots, &execs, &window);

    let mut model_calls: Vec<ModelCall> = models
        .iter()
        .enumerate()
        .map(|(i, m)| ModelCall {
            index: i,
            span_id: Some(m.span_id),
            name: m.name.clone(),
            model: m.model.clone(),
            start_unix_nano: time(m.start),
            end_unix_nano: time(m.end),
            finish_reason: m.finish_reason.clone(),
            input: m.input.clone(),
            output_text: m.output_text.clone(),
            emitted: Vec::new(),
            convention: m.convention,
        })
        .collect();

    // One tool call per emitted call, in model order then emission order.
    let mut exec_of_slot: Vec<Option<(usize, MatchEvidence)>> = vec![None; slots.len()];
    for (e, m) in matches.iter().enumerate() {
        if let Some((slot, ev)) = m {
            if let Some(cell) = exec_of_slot.get_mut(*slot) {
                *cell = Some((e, *ev));
            }
        }
    }
    let mut tool_calls: Vec<ToolCall> = Vec::new();
    for (si, slot) in slots.iter().enumerate() {
        let exec = exec_of_slot[si].and_then(|(e, ev)| execs.get(e).map(|x| (x, ev)));
        let mut tc = emitted_call(
            tool_calls.len(),
            slot.call,
            slot.model,
            models[slot.model].convention,
        );
        match exec {
            Some((x, ev)) => {
                let ev = if ev == MatchEvidence::CallId && is_transcript(x.convention) {
                    MatchEvidence::SameRecord
                } else {
                    ev
                };
                apply_exec(&mut tc, x, ev, timing_absent);
            }
            None => {
                tc.status = CallStatus::NotExecuted;
                tc.matched_by = MatchEvidence::NotExecuted;
            }
        }
        if let Some(mc) = model_calls.get_mut(slot.model) {
            mc.emitted.push(tc.index);
        }
        tool_calls.push(tc);
    }

    // Execs nothing emitted: attach to a model turn that recorded no output (its calls are
    // unknown, so they are inferred from the execs), else keep them as orphans.
    let mut orphan_groups: BTreeMap<(Option<usize>, Option<SpanId>), Vec<usize>> = BTreeMap::new();
    let mut inferred = 0usize;
    let mut claimed = Claimed::default();
    for (e, x) in execs.iter().enumerate() {
        if matches[e].is_some() {
            claimed.add(x);
        }
    }
    for (e, x) in execs.iter().enumerate() {
        if matches[e].is_some() {
            continue;
        }
        if claimed.duplicates(x) {
            continue;
        }
        claimed.add(x);
        let turn = window[e];
        let silent_turn = turn
            .and_then(|t| models.get(t))
            .is_some_and(|m| !m.output_recorded && m.emitted.is_empty());
        if let (true, Some(t)) = (silent_turn, turn) {
            let call = EmittedCall {
                id: x.call_id.clone(),
                name: x.name.clone(),
                arguments: None,
            };
            let mut tc = emitted_call(tool_calls.len(), &call, t, models[t].convention);
            apply_exec(&mut tc, x, MatchEvidence::Order, timing_absent);
            model_calls[t].emitted.push(tc.index);
            tool_calls.push(tc);
            inferred += 1;
        } else {
            orphan_groups
                .entry((turn, x.batch_span.or(x.parent)))
                .or_default()
                .push(e);
        }
    }
    if inferred > 0 {
        degraded.push(Degradation {
            code: "emitted_calls_inferred".into(),
            message: format!(
                "{inferred} tool call(s) were attributed to a model call that recorded no output, by time order only"
            ),
        });
    }

    fill_results_from_history(&mut tool_calls, &models);

    // Batches: one per emitting model call, in model order; orphan groups after, by start.
    let mut batches: Vec<Batch> = Vec::new();
    for mc in &model_calls {
        if mc.emitted.is_empty() {
            continue;
        }
        let index = batches.len();
        for &c in &mc.emitted {
            tool_calls[c].batch = Some(index);
        }
        batches.push(Batch {
            index,
            id: format!("b{}", index + 1),
            emitted_by: Some(mc.index),
            calls: mc.emitted.clone(),
        });
    }
    let mut groups: Vec<Vec<usize>> = orphan_groups.into_values().collect();
    groups.sort_by_key(|g| {
        g.first()
            .and_then(|e| execs.get(*e))
            .map(|x| (x.start, x.span_id))
    });
    for group in groups {
        let index = batches.len();
        let mut calls = Vec::new();
        for e in group {
            let x = &execs[e];
            let call = EmittedCall {
                id: x.call_id.clone(),
                name: x.name.clone(),
                arguments: None,
            };
            let mut tc = emitted_call(tool_calls.len(), &call, 0, x.convention);
            tc.emitted_by = None;
            apply_exec(&mut tc, x, MatchEvidence::NoEmittingCall, timing_absent);
            tc.batch = Some(index);
            calls.push(tc.index);
            tool_calls.push(tc);
        }
        batches.push(Batch {
            index,
            id: format!("b{}", index + 1),
            emitted_by: None,
            calls,
        });
    }

    degrade_for_missing_content(&tool_calls, &mut degraded);
    Built {
        model_calls,
        tool_calls,
        batches,
        degraded,
    }
}

fn emitted_call(
    index: usize,
    call: &EmittedCall,
    model: usize,
    convention: Convention,
) -> ToolCall {
    ToolCall {
        index,
        call_id: call.id.clone(),
        name: call.name.clone(),
        arguments: call.arguments.clone(),
        result: None,
        error: None,
        status: CallStatus::Unknown,
        emitted_by: Some(model),
        batch: None,
        span_id: None,
        start_unix_nano: None,
        end_unix_nano: None,
        matched_by: MatchEvidence::NotExecuted,
        convention,
    }
}

/// Joins what the exec span recorded into the tool call.
fn apply_exec(tc: &mut ToolCall, x: &ExecRecord, ev: MatchEvidence, timing_absent: bool) {
    tc.span_id = Some(x.span_id);
    tc.matched_by = ev;
    tc.convention = x.convention;
    if tc.call_id.is_none()
        || tc
            .call_id
            .as_deref()
            .is_some_and(|id| id.starts_with("fc_"))
    {
        tc.call_id = x.call_id.clone().or(tc.call_id.take());
    }
    if tc.name.is_empty() {
        tc.name = x.name.clone();
    }
    if tc.arguments.is_none() {
        tc.arguments = x.arguments.clone();
    }
    tc.result = x.result.clone();
    tc.error = x.error.clone();
    tc.status = x.status;
    if !timing_absent {
        tc.start_unix_nano = Some(x.start);
        tc.end_unix_nano = Some(x.end);
    }
}

/// Results the model was sent (later input messages, keyed by call id) stand in for results the
/// exec span did not capture, and reveal calls that ran without an exec span.
fn fill_results_from_history(tool_calls: &mut [ToolCall], models: &[ModelRecord]) {
    for tc in tool_calls.iter_mut() {
        if tc.result.is_some() || tc.error.is_some() {
            continue;
        }
        let Some(id) = tc.call_id.as_deref() else {
            continue;
        };
        let after = tc.emitted_by.unwrap_or(0);
        // The newest result with that id in the first later input that has one: a runner that
        // reuses one id for many calls has sent the older results earlier in the history.
        let found: Option<&HistoryResult> = models.iter().skip(after + 1).find_map(|m| {
            m.history_results
                .iter()
                .rev()
                .find(|r| r.id.as_deref() == Some(id))
        });
        let Some(r) = found else { continue };
        tc.result = Some(r.value.clone());
        if r.is_error {
            tc.error = Some(
                r.value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| r.value.to_string()),
            );
        }
        match tc.status {
            CallStatus::NotExecuted => {
                tc.status = if r.is_error {
                    CallStatus::Error
                } else {
                    CallStatus::Unknown
                }
            }
            CallStatus::Unknown if r.is_error => tc.status = CallStatus::Error,
            CallStatus::Unknown => tc.status = CallStatus::Ok,
            _ => {}
        }
    }
}

fn degrade_for_missing_content(tool_calls: &[ToolCall], degraded: &mut Vec<Degradation>) {
    let no_args: Vec<String> = tool_calls
        .iter()
        .filter(|t| t.arguments.is_none())
        .map(ToolCall::display_id)
        .collect();
    if !no_args.is_empty() {
        degraded.push(Degradation {
            code: "tool_arguments_not_captured".into(),
            message: format!(
                "arguments were not captured for {} tool call(s): {}",
                no_args.len(),
                no_args.join(", ")
            ),
        });
    }
    let no_result: Vec<String> = tool_calls
        .iter()
        .filter(|t| t.result.is_none() && t.error.is_none() && t.status != CallStatus::NotExecuted)
        .map(ToolCall::display_id)
        .collect();
    if !no_result.is_empty() {
        degraded.push(Degradation {
            code: "tool_results_not_captured".into(),
            message: format!(
                "results were not captured for {} tool call(s): {}",
                no_result.len(),
                no_result.join(", ")
            ),
        });
    }
    let unspanned: Vec<String> = tool_calls
        .iter()
        .filter(|t| t.span_id.is_none() && t.status != CallStatus::NotExecuted)
        .map(ToolCall::display_id)
        .collect();
    if !unspanned.is_empty() {
        degraded.push(Degradation {
            code: "tool_spans_missing".into(),
            message: format!(
                "{} tool call(s) got a result but have no executed tool span (no timing): {}",
                unspanned.len(),
                unspanned.join(", ")
            ),
        });
    }
}
