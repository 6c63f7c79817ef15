//! Normalization: raw spans of one trace → a [`Run`] (model calls, tool calls, batches, final
//! answer), whatever convention emitted them. Pure: no I/O, no clock.

use crate::model::{Run, Trace};

/// Rebuilds the agent run recorded in `trace`.
pub fn normalize(trace: &Trace) -> Run {
    Run {
        trace_id: trace.trace_id,
        conventions: Vec::new(),
        timing: crate::model::Timing::Recorded,
        model_calls: Vec::new(),
        tool_calls: Vec::new(),
        batches: Vec::new(),
        final_answer: None,
        tool_definitions: Vec::new(),
        degraded: Vec::new(),
    }
}
