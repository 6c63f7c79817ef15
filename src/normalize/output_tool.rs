//! Answers delivered through an output tool: frameworks that return structured output (Pydantic
//! AI's `final_result`, `final_answer`, `structured_output` and the like) have the model call a
//! tool that nothing executes; its arguments are the run's final answer. Such a call, emitted by
//! the last model call and never executed, becomes the final answer instead of a never-run tool.

use crate::analysis::resources::names::split_words;
use crate::model::{CallStatus, FinalAnswer};

use super::batches::Built;

/// A tool name that delivers output rather than acting: `final_result`, `final_answer_Foo`,
/// `structured_output`.
fn is_output_tool(name: &str) -> bool {
    let words = split_words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    (has("final") && (has("result") || has("answer") || has("output") || has("response")))
        || matches!(
            words.as_slice(),
            [a, b, ..] if (a == "structured" || a == "json") && b == "output"
        )
}

/// Takes the output-tool calls of the last model call out of the run and returns the answer
/// they carry. Only calls at the end of the run (the last ones emitted, never executed) are
/// taken, so no other index moves.
pub fn take_answer(built: &mut Built) -> Option<FinalAnswer> {
    let last = built.model_calls.last()?;
    let (model_index, span_id) = (last.index, last.span_id);
    let &call = last.emitted.last()?;
    let c = built.tool_calls.get(call)?;
    if call + 1 != built.tool_calls.len()
        || c.status != CallStatus::NotExecuted
        || !is_output_tool(&c.name)
    {
        return None;
    }
    let text = match c.arguments.as_ref()? {
        serde_json::Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).ok()?,
    };
    if text.trim().is_empty() {
        return None;
    }
    let batch = c.batch;
    built.tool_calls.pop();
    if let Some(m) = built.model_calls.last_mut() {
        m.emitted.retain(|&i| i != call);
    }
    if let Some(b) = batch.and_then(|b| built.batches.get_mut(b)) {
        b.calls.retain(|&i| i != call);
    }
    if built
        .batches
        .last()
        .is_some_and(|b| b.calls.is_empty() && Some(b.index) == batch)
    {
        built.batches.pop();
    }
    Some(FinalAnswer {
        text,
        span_id,
        model_call: Some(model_index),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_tools_are_told_by_name() {
        assert!(is_output_tool("final_result"));
        assert!(is_output_tool("final_result_CityInfo"));
        assert!(is_output_tool("structured_output"));
        assert!(!is_output_tool("get_final_exam"));
        assert!(!is_output_tool("get_weather"));
    }
}
