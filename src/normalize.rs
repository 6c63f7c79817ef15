//! Normalization: raw spans of one trace → a [`Run`] (model calls, tool calls, batches, final
//! answer), whatever convention emitted them. Pure: no I/O, no clock, never panics on input.
//!
//! Each span is classified on its own (`detect`, fact sheet §11; a trace may mix conventions)
//! and read by its convention's reader (`genai` incl. Pydantic AI, Vercel v7 and transcripts,
//! `openinference`, `openllmetry`, `vercel` legacy, `openai_agents`) into convention-neutral
//! records (`record`, with `messages` and `hidden` parsing message shapes and ids hidden in
//! JSON). Then `batches` ties exec spans to the calls each model response emitted (`matching`:
//! call id, then name + canonical arguments, then order), after `recover` filled in calls a
//! model span did not record; `final_answer` finds the answer and `definitions` the offered
//! tools. Parent links are never trusted to define a batch. Must not touch the store.

mod batches;
mod definitions;
pub(crate) mod detect;
mod final_answer;
mod genai;
mod hidden;
pub(crate) mod matching;
pub(crate) mod messages;
mod openai_agents;
mod openinference;
mod openllmetry;
mod output_tool;
pub(crate) mod record;
mod recover;
mod session;
#[cfg(test)]
mod testutil;
mod vercel;

use std::collections::{HashMap, HashSet};

use crate::model::{Convention, Run, Span, SpanId, Timing, Trace};
use detect::{Class, Role};
use record::{ExecRecord, ModelRecord};

/// Rebuilds the agent run recorded in `trace`.
pub fn normalize(trace: &Trace) -> Run {
    let classes: Vec<Option<Class>> = trace.spans.iter().map(detect::classify).collect();
    let timing_absent = !trace.spans.is_empty() && trace.spans.iter().all(detect::timing_absent);

    let mut models: Vec<(ModelRecord, Vec<SpanId>)> = Vec::new();
    let mut execs: Vec<ExecRecord> = Vec::new();
    let mut agents = Vec::new();
    let mut conventions: Vec<Convention> = Vec::new();
    let mut tool_definitions = Vec::new();
    let batch_wrappers: HashSet<SpanId> = trace
        .spans
        .iter()
        .zip(&classes)
        .filter(|(_, c)| c.is_some_and(|c| c.role == Role::ToolBatch))
        .map(|(s, _)| s.span_id)
        .collect();

    let parents: HashMap<SpanId, Option<SpanId>> = trace
        .spans
        .iter()
        .map(|s| (s.span_id, s.parent_span_id))
        .collect();
    for (span, class) in trace.spans.iter().zip(&classes) {
        let Some(class) = *class else { continue };
        if class.role != Role::Other {
            conventions.push(class.convention);
        }
        match class.role {
            Role::Model => {
                models.push((
                    read_model(span, class.convention),
                    ancestors(span, &parents),
                ));
                definitions::collect(span, &mut tool_definitions);
            }
            Role::Tool => {
                let mut rec = read_tool(span, class.convention);
                rec.batch_span = span.parent_span_id.filter(|p| batch_wrappers.contains(p));
                rec.ancestors = ancestors(span, &parents);
                execs.push(rec);
            }
            Role::Agent => {
                agents.push((span, class));
                definitions::collect(span, &mut tool_definitions);
            }
            Role::ToolBatch | Role::Other => {}
        }
    }
    conventions.sort();
    conventions.dedup();

    let mut built = batches::build(drop_nested_duplicates(models), execs, timing_absent);
    let final_answer = output_tool::take_answer(&mut built)
        .or_else(|| final_answer::find(&built.model_calls, &agents));
    let mut degraded = built.degraded;
    if built.model_calls.is_empty() && !built.tool_calls.is_empty() {
        degraded.push(crate::model::Degradation {
            code: "no_model_calls".into(),
            message: "no model-call span was found: tool calls cannot be grouped by the response that emitted them".into(),
        });
    }
    if let Some(id) = reused_call_id(&built.tool_calls) {
        degraded.push(crate::model::Degradation {
            code: "tool_call_id_reused".into(),
            message: format!(
                "the tool-call id {id:?} is used by more than one call in this trace; each call keeps the result recorded after it, matched by id, tool name and turn"
            ),
        });
    }
    Run {
        trace_id: trace.trace_id,
        conventions,
        timing: if timing_absent {
            Timing::Absent
        } else if trace.spans.iter().any(detect::timing_recovered) {
            Timing::Recovered
        } else {
            Timing::Recorded
        },
        model_calls: built.model_calls,
        tool_calls: built.tool_calls,
        batches: built.batches,
        final_answer,
        tool_definitions,
        degraded,
        session: session::read(&trace.spans),
    }
}

/// One model request recorded twice (an agent framework's span wrapping a provider client's
/// span): the inner span is dropped when it repeats the outer one's calls or text; an outer span
/// that recorded nothing gives way to the inner one.
fn drop_nested_duplicates(models: Vec<(ModelRecord, Vec<SpanId>)>) -> Vec<ModelRecord> {
    let ids = |m: &ModelRecord| -> Vec<Option<String>> {
        m.emitted.iter().map(|c| c.id.clone()).collect()
    };
    let same = |a: &ModelRecord, b: &ModelRecord| {
        if a.emitted.is_empty() && b.emitted.is_empty() {
            a.output_text.is_some() && a.output_text == b.output_text
        } else {
            let (ia, ib) = (ids(a), ids(b));
            !ia.is_empty() && ia.iter().all(|i| i.is_some() && ib.contains(i))
        }
    };
    let index: HashMap<SpanId, usize> = models
        .iter()
        .enumerate()
        .map(|(i, (m, _))| (m.span_id, i))
        .collect();
    let mut drop = vec![false; models.len()];
    for (i, (inner, anc)) in models.iter().enumerate() {
        // The model spans enclosing this one, in record order.
        let mut outers: Vec<usize> = anc
            .iter()
            .filter_map(|a| index.get(a).copied())
            .filter(|&j| j != i)
            .collect();
        outers.sort_unstable();
        for j in outers {
            if drop[j] {
                continue;
            }
            let outer = &models[j].0;
            if !outer.output_recorded && inner.output_recorded {
                drop[j] = true;
            } else if same(inner, outer) {
                drop[i] = true;
            }
        }
    }
    models
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|((m, _), _)| m)
        .collect()
}

/// The span's ancestors, nearest first; stops at a missing parent or a cycle.
fn ancestors(span: &Span, parents: &HashMap<SpanId, Option<SpanId>>) -> Vec<SpanId> {
    let mut out = Vec::new();
    let mut next = span.parent_span_id;
    while let Some(p) = next {
        if out.contains(&p) || p == span.span_id || out.len() > 256 {
            break;
        }
        out.push(p);
        next = parents.get(&p).copied().flatten();
    }
    out
}

fn read_model(span: &Span, convention: Convention) -> ModelRecord {
    match convention {
        Convention::OpenInference => openinference::model(span),
        Convention::OpenAiAgents => openai_agents::model(span),
        Convention::OpenLlmetry => openllmetry::model(span),
        Convention::VercelAiLegacy => vercel::model(span),
        other => genai::model(span, other),
    }
}

fn read_tool(span: &Span, convention: Convention) -> ExecRecord {
    match convention {
        Convention::OpenInference => openinference::tool(span),
        Convention::OpenAiAgents => openai_agents::tool(span),
        Convention::OpenLlmetry => openllmetry::tool(span),
        Convention::VercelAiLegacy => vercel::tool(span),
        other => genai::tool(span, other),
    }
}

/// The first tool-call id that more than one call of the run carries.
fn reused_call_id(calls: &[crate::model::ToolCall]) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    calls
        .iter()
        .filter_map(|c| c.call_id.as_deref())
        .find(|id| !seen.insert(*id))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::span::{AnyValue, KeyValue};
    use crate::model::TraceId;

    fn span(id: u8, parent: Option<u8>, name: &str, attrs: Vec<(&str, AnyValue)>) -> Span {
        Span {
            parent_span_id: parent.map(|p| SpanId([p; 8])),
            start_unix_nano: u64::from(id) * 10,
            end_unix_nano: u64::from(id) * 10 + 5,
            attributes: attrs
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v))
                .collect(),
            ..Span::new(TraceId([7; 16]), SpanId([id; 8]), name)
        }
    }

    fn s(v: &str) -> AnyValue {
        AnyValue::String(v.into())
    }

    #[test]
    fn malformed_values_of_every_kind_never_panic() {
        let deep_key = format!("llm.output_messages.{}", "0.".repeat(5000));
        let spans = vec![
            // self-parented and cyclic parents
            span(1, Some(1), "chat x", vec![("gen_ai.operation.name", s("chat")), ("gen_ai.output.messages", AnyValue::Int(3))]),
            span(2, Some(3), "chat y", vec![
                ("gen_ai.operation.name", s("chat")),
                ("gen_ai.output.messages", s("[{\"parts\": [{\"type\": \"tool_call\", \"id\": 5, \"name\": null}, 7]}, \"x\"]")),
                ("gen_ai.input.messages", s("{not json")),
            ]),
            span(3, Some(2), "execute_tool", vec![
                ("gen_ai.operation.name", s("execute_tool")),
                ("gen_ai.tool.call.id", s("   ")),
                ("gen_ai.tool.call.arguments", AnyValue::Array(vec![AnyValue::Empty])),
            ]),
            span(4, None, "ai.toolCall", vec![("ai.operationId", s("ai.toolCall")), ("ai.toolCall.args", s("[[[["))]),
            span(5, None, "llm", vec![
                ("openinference.span.kind", s("LLM")),
                (deep_key.as_str(), s("x")),
                ("llm.output_messages.99999999999999999999.message.role", s("assistant")),
                ("output.value", s("{\"output\": [{\"type\": \"function_call\"}]}")),
            ]),
            span(6, None, "tool", vec![("openinference.span.kind", s("TOOL")), ("output.value", s("{\"data\": {\"tool_call_id\": 1}}"))]),
            span(7, None, "openai.chat", vec![("llm.request.type", s("chat")), ("gen_ai.prompt.0.tool_calls.x.id", s("a"))]),
        ];
        let run = normalize(&Trace::new(TraceId([7; 16]), spans));
        assert_eq!(run.model_calls.len(), 4);
        assert!(run.batches.iter().all(|b| !b.calls.is_empty()));
        assert!(run.tool_calls.iter().all(|c| c.batch.is_some()));
    }

    #[test]
    fn empty_trace_is_an_empty_run() {
        let run = normalize(&Trace::new(TraceId([7; 16]), vec![]));
        assert!(run.model_calls.is_empty() && run.batches.is_empty() && run.final_answer.is_none());
        assert_eq!(run.timing, Timing::Recorded);
    }
}
