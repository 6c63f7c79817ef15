//! Finds the answer the agent gave: the text of the last model call when it emitted no tool
//! calls, else what the outermost agent span recorded (Pydantic AI `final_result`, Vercel
//! `ai.response.text`, GenAI `gen_ai.output.messages`, OpenInference `output.value`,
//! Traceloop `traceloop.entity.output`).

use std::collections::HashSet;

use super::detect::Class;
use super::{genai, openinference, openllmetry, vercel};
use crate::model::{Convention, FinalAnswer, ModelCall, Span, SpanId};

/// The final answer of a run. `agents` are the agent spans with their classification.
pub fn find(model_calls: &[ModelCall], agents: &[(&Span, Class)]) -> Option<FinalAnswer> {
    if let Some(last) = model_calls.last() {
        if last.emitted.is_empty() {
            if let Some(text) = last.output_text.as_ref().filter(|t| !t.trim().is_empty()) {
                return Some(FinalAnswer {
                    text: text.clone(),
                    span_id: last.span_id,
                    model_call: Some(last.index),
                });
            }
        }
    }
    let ids: HashSet<SpanId> = agents.iter().map(|(s, _)| s.span_id).collect();
    let mut ordered: Vec<&(&Span, Class)> = agents.iter().collect();
    // Outermost first: spans whose parent is not another agent span, then by start.
    ordered.sort_by_key(|(s, _)| {
        (
            s.parent_span_id.is_some_and(|p| ids.contains(&p)),
            s.start_unix_nano,
            s.span_id,
        )
    });
    ordered.into_iter().find_map(|(span, class)| {
        let text = match class.convention {
            Convention::OpenInference => openinference::agent_answer(span),
            Convention::VercelAiLegacy => vercel::agent_answer(span),
            Convention::OpenLlmetry => {
                openllmetry::agent_answer(span).or_else(|| genai::agent_answer(span))
            }
            _ => genai::agent_answer(span),
        }?;
        (!text.trim().is_empty()).then_some(FinalAnswer {
            text,
            span_id: Some(span.span_id),
            model_call: None,
        })
    })
}
