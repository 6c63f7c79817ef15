//! Hand-built runs for analysis tests: a few lines per scenario instead of spans.

use serde_json::Value;

use crate::model::{
    Batch, CallStatus, Convention, FinalAnswer, MatchEvidence, ModelCall, Run, Timing, ToolCall,
    Trace, TraceId,
};

/// One call: `(call id, tool, arguments, result, start ms, end ms)`; times `None` for untimed runs.
pub type CallSpec<'a> = (&'a str, &'a str, Value, Value, Option<(u64, u64)>);

const MS: u64 = 1_000_000;
const T0: u64 = 1_700_000_000_000 * MS;

/// Builds a run from batches of calls; each batch is emitted by its own model call, and a last
/// model call gives `answer`.
pub fn run(batches: Vec<Vec<CallSpec<'_>>>, answer: Option<&str>) -> Run {
    let timed = batches.iter().flatten().all(|c| c.4.is_some());
    let mut r = Run {
        trace_id: TraceId([7; 16]),
        conventions: vec![Convention::GenAi],
        timing: if timed {
            Timing::Recorded
        } else {
            Timing::Absent
        },
        model_calls: Vec::new(),
        tool_calls: Vec::new(),
        batches: Vec::new(),
        final_answer: None,
        tool_definitions: Vec::new(),
        degraded: Vec::new(),
        session: None,
    };
    let mut clock = 0u64;
    for (bi, calls) in batches.into_iter().enumerate() {
        let first_start = calls
            .iter()
            .filter_map(|c| c.4.map(|t| t.0))
            .min()
            .unwrap_or(clock + 10);
        let model_index = r.model_calls.len();
        r.model_calls.push(model(
            model_index,
            timed.then(|| {
                (
                    first_start.saturating_sub(10),
                    first_start.saturating_sub(1),
                )
            }),
        ));
        let mut idxs = Vec::new();
        for (id, name, args, result, times) in calls {
            let index = r.tool_calls.len();
            idxs.push(index);
            clock = clock.max(times.map_or(0, |t| t.1));
            r.tool_calls.push(ToolCall {
                index,
                call_id: Some(id.to_owned()),
                name: name.to_owned(),
                arguments: Some(args),
                result: Some(result),
                error: None,
                status: CallStatus::Ok,
                emitted_by: Some(model_index),
                batch: Some(bi),
                span_id: None,
                start_unix_nano: times.map(|t| T0 + t.0 * MS),
                end_unix_nano: times.map(|t| T0 + t.1 * MS),
                matched_by: MatchEvidence::CallId,
                convention: Convention::GenAi,
            });
        }
        r.model_calls[model_index].emitted = idxs.clone();
        r.batches.push(Batch {
            index: bi,
            id: format!("b{}", bi + 1),
            emitted_by: Some(model_index),
            calls: idxs,
        });
    }
    let last = r.model_calls.len();
    let mut m = model(last, timed.then(|| (clock + 1, clock + 20)));
    m.output_text = answer.map(str::to_owned);
    m.finish_reason = Some("stop".into());
    m.input = Some(Value::Array(
        r.tool_calls
            .iter()
            .filter_map(|c| c.result.clone())
            .collect(),
    ));
    r.model_calls.push(m);
    r.final_answer = answer.map(|a| FinalAnswer {
        text: a.to_owned(),
        span_id: None,
        model_call: Some(last),
    });
    r
}

fn model(index: usize, times: Option<(u64, u64)>) -> ModelCall {
    ModelCall {
        index,
        span_id: None,
        name: "chat".into(),
        model: Some("m".into()),
        start_unix_nano: times.map(|t| T0 + t.0 * MS),
        end_unix_nano: times.map(|t| T0 + t.1 * MS),
        finish_reason: Some("tool_calls".into()),
        input: None,
        output_text: None,
        emitted: Vec::new(),
        convention: Convention::GenAi,
    }
}

/// A trace with no spans (hand-built runs carry everything analysis needs).
pub fn empty_trace() -> Trace {
    Trace {
        trace_id: TraceId([7; 16]),
        spans: Vec::new(),
    }
}
