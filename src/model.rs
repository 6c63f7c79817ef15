//! Plain domain data shared by every module: raw spans as received ([`span`]), the normalized
//! agent run rebuilt from them ([`run`]), and typed ids ([`ids`]).
//!
//! Nothing here does I/O. Invariants: all timestamps are nanoseconds since the Unix epoch (UTC);
//! an absent time is `None`, never `0`.

pub(crate) mod ids;
pub(crate) mod run;
pub mod span;

pub use ids::{IdError, SpanId, TraceId};
pub use run::{
    Batch, CallStatus, Convention, Degradation, FinalAnswer, MatchEvidence, ModelCall, Run,
    SessionInfo, Timing, ToolCall, ToolDefinition,
};
pub use span::{
    AnyValue, KeyValue, LogRecord, Resource, Scope, Span, SpanEvent, SpanKind, SpanLink, Status,
    StatusCode, Trace,
};
