//! The agent run as a user thinks of it, rebuilt from a trace's spans: model calls in order, the
//! tool calls each model response emitted (its *batch*), the executed span answering each call,
//! and the final answer.
//!
//! Indices (`ModelCall::index`, `ToolCall::index`, `Batch::index`) are positions in the run's
//! vectors, stable for one normalization of one trace. Times are `None` when the source has no
//! timing (chat transcripts), never invented.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ids::{SpanId, TraceId};

/// The instrumentation convention a span (and so part of a run) followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Convention {
    /// OpenTelemetry GenAI semantic conventions (`gen_ai.operation.name`), any version.
    GenAi,
    /// Pydantic AI's instrumentation (scope `pydantic-ai`), versions 2 to 6.
    PydanticAi,
    /// OpenInference (`openinference.span.kind`): Phoenix, LangChain/LangGraph, OpenAI Agents.
    OpenInference,
    /// OpenLLMetry / Traceloop (`traceloop.*`, indexed `gen_ai.prompt.{i}.*`).
    OpenLlmetry,
    /// Vercel AI SDK legacy `ai.*` spans (v4 to v7).
    VercelAiLegacy,
    /// Vercel AI SDK v7 GenAI spans (`@ai-sdk/otel`).
    VercelAiGenAi,
    /// OpenAI Agents SDK native span data.
    OpenAiAgents,
    /// OpenAI Chat Completions transcript (no timing).
    OpenAiChatTranscript,
    /// OpenAI Responses API items transcript (no timing).
    OpenAiResponsesTranscript,
    /// Anthropic Messages transcript (no timing).
    AnthropicTranscript,
    /// fanout's native JSONL format.
    Native,
    /// A coding agent's session log (Claude Code, Codex CLI, Gemini CLI).
    CodingAgentSession,
}

impl Convention {
    /// Stable snake_case name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GenAi => "genai",
            Self::PydanticAi => "pydantic_ai",
            Self::OpenInference => "openinference",
            Self::OpenLlmetry => "openllmetry",
            Self::VercelAiLegacy => "vercel_ai_legacy",
            Self::VercelAiGenAi => "vercel_ai_genai",
            Self::OpenAiAgents => "openai_agents",
            Self::OpenAiChatTranscript => "openai_chat_transcript",
            Self::OpenAiResponsesTranscript => "openai_responses_transcript",
            Self::AnthropicTranscript => "anthropic_transcript",
            Self::Native => "native",
            Self::CodingAgentSession => "coding_agent_session",
        }
    }
}

/// Whether the run's times are real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Start and end times come from the recording.
    #[default]
    Recorded,
    /// The source (a chat transcript) has no times: order is known, durations are not.
    Absent,
    /// Times recovered from log line timestamps (coding-agent sessions), not measured: a call
    /// spans from the line that recorded it to the line that recorded its result, an upper
    /// bound of when it ran.
    Recovered,
}

/// A reason the run could not be rebuilt fully; shown to the user instead of guessing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Degradation {
    /// Short machine-readable code, e.g. `tool_arguments_not_captured`.
    pub code: String,
    /// One sentence for people.
    pub message: String,
}

/// One model (LLM) call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCall {
    pub index: usize,
    pub span_id: Option<SpanId>,
    /// Span name, or a synthetic name for transcripts.
    pub name: String,
    pub model: Option<String>,
    pub start_unix_nano: Option<u64>,
    pub end_unix_nano: Option<u64>,
    /// Normalized finish reason: `tool_calls`, `stop`, `length`, ... (raw value when unknown).
    pub finish_reason: Option<String>,
    /// Input messages as recorded (structure depends on the convention), for data-flow search.
    pub input: Option<Value>,
    /// Text the model produced, if any.
    pub output_text: Option<String>,
    /// Indices into `Run::tool_calls` of the calls this response emitted, in emission order.
    pub emitted: Vec<usize>,
    pub convention: Convention,
}

/// How an executed tool span was tied to the call the model emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchEvidence {
    /// Same tool-call id on both sides.
    CallId,
    /// Same tool name and canonicalized arguments.
    NameAndArguments,
    /// Same tool name, in emission order within the batch.
    Order,
    /// The model emitted the call but no executed span answers it.
    NotExecuted,
    /// An executed tool span whose emitting call was not found.
    NoEmittingCall,
    /// Both sides come from one record (transcripts, native format): nothing to match.
    SameRecord,
}

impl MatchEvidence {
    /// Words for people: how sure the join of call and executed span is.
    pub fn label(self) -> &'static str {
        match self {
            Self::CallId => "call id",
            Self::NameAndArguments => "tool name and arguments",
            Self::Order => "order in the batch (weakest)",
            Self::NotExecuted => "not executed",
            Self::NoEmittingCall => "no emitting call found",
            Self::SameRecord => "one record (transcript)",
        }
    }
}

/// Outcome of a tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    Ok,
    Error,
    /// Executed, but neither success nor failure was recorded.
    Unknown,
    /// Emitted by the model but never executed.
    NotExecuted,
}

impl CallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Unknown => "unknown",
            Self::NotExecuted => "not_executed",
        }
    }
}

impl std::fmt::Display for CallStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Timing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::Absent => "absent",
            Self::Recovered => "recovered",
        }
    }
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One tool call: what the model asked for joined with what ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub index: usize,
    /// The model's tool-call id (`call_...`, `toolu_...`), trimmed; `None` when no side has one.
    pub call_id: Option<String>,
    pub name: String,
    /// Arguments as JSON (parsed when recorded as a JSON string); `None` when not captured.
    pub arguments: Option<Value>,
    /// Result as JSON (parsed when it was a JSON string); `None` when not captured.
    pub result: Option<Value>,
    pub error: Option<String>,
    pub status: CallStatus,
    /// Index of the model call that emitted it.
    pub emitted_by: Option<usize>,
    /// Index of its batch in `Run::batches`.
    pub batch: Option<usize>,
    /// The executed tool span.
    pub span_id: Option<SpanId>,
    pub start_unix_nano: Option<u64>,
    pub end_unix_nano: Option<u64>,
    pub matched_by: MatchEvidence,
    pub convention: Convention,
}

impl ToolCall {
    /// Duration when both times are known.
    pub fn duration_nanos(&self) -> Option<u64> {
        Some(self.end_unix_nano?.saturating_sub(self.start_unix_nano?))
    }

    /// The id shown to users: the model's call id, else `#<index>`.
    pub fn display_id(&self) -> String {
        self.call_id
            .clone()
            .unwrap_or_else(|| format!("#{}", self.index))
    }
}

/// The tool calls one model response emitted: a batch. Siblings are unordered unless the runner
/// serialized them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub index: usize,
    /// Stable id within the trace: `b1`, `b2`, ... in order of the emitting model calls.
    pub id: String,
    /// Index of the emitting model call; `None` for executed spans with no emitting call.
    pub emitted_by: Option<usize>,
    /// Indices into `Run::tool_calls`, in emission order.
    pub calls: Vec<usize>,
}

impl Batch {
    /// More than one sibling: the calls may have run concurrently.
    pub fn is_parallel(&self) -> bool {
        self.calls.len() > 1
    }
}

/// The answer the agent gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalAnswer {
    pub text: String,
    /// The span that recorded it (last model call, or agent span).
    pub span_id: Option<SpanId>,
    /// Index of the model call that produced it, when known.
    pub model_call: Option<usize>,
}

/// A tool the model was offered, as found in the trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDefinition {
    pub name: String,
    pub description: Option<String>,
    /// JSON Schema of the parameters, when recorded.
    pub parameters: Option<Value>,
    /// MCP-style annotations (`readOnlyHint`, `destructiveHint`, `idempotentHint`), when recorded.
    pub annotations: Option<Value>,
}

/// A normalized run: one trace as model calls, tool calls, batches and a final answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub trace_id: TraceId,
    /// Conventions detected in the trace, sorted, each once.
    pub conventions: Vec<Convention>,
    pub timing: Timing,
    pub model_calls: Vec<ModelCall>,
    pub tool_calls: Vec<ToolCall>,
    pub batches: Vec<Batch>,
    pub final_answer: Option<FinalAnswer>,
    pub tool_definitions: Vec<ToolDefinition>,
    pub degraded: Vec<Degradation>,
    /// Where the run happened, when the trace says: the agent, its version, the session or
    /// conversation id, the project folder and branch (coding-agent logs record all of them).
    pub session: Option<SessionInfo>,
}

/// The context a run was recorded in, as the trace states it (never guessed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The agent or service that ran (`service.name`).
    pub agent: Option<String>,
    /// Its version (`service.version`, or the version an agent log records).
    pub agent_version: Option<String>,
    /// The session or conversation id (`session.id`, `gen_ai.conversation.id`, an agent log's).
    pub session_id: Option<String>,
    /// The working folder of a coding-agent session.
    pub project: Option<String>,
    pub git_branch: Option<String>,
    /// For a subagent's run: the session and the tool call that started it.
    pub parent_session_id: Option<String>,
    pub parent_call_id: Option<String>,
}

impl SessionInfo {
    /// One line for people: `claude-code 2.1.90 · /home/dev/shop (main) · session 9f2c…`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        match (&self.agent, &self.agent_version) {
            (Some(a), Some(v)) => parts.push(format!("{a} {v}")),
            (Some(a), None) => parts.push(a.clone()),
            (None, Some(v)) => parts.push(format!("version {v}")),
            (None, None) => {}
        }
        match (&self.project, &self.git_branch) {
            (Some(p), Some(b)) => parts.push(format!("{p} ({b})")),
            (Some(p), None) => parts.push(p.clone()),
            (None, Some(b)) => parts.push(format!("branch {b}")),
            (None, None) => {}
        }
        if let Some(id) = &self.session_id {
            parts.push(format!("session {id}"));
        }
        if let Some(parent) = &self.parent_session_id {
            let call = self.parent_call_id.as_deref().unwrap_or("?");
            parts.push(format!("subagent of session {parent} (call {call})"));
        }
        parts.join(" · ")
    }
}

impl Run {
    /// The batch a tool call belongs to.
    pub fn batch_of(&self, call: usize) -> Option<&Batch> {
        self.tool_calls
            .get(call)?
            .batch
            .and_then(|b| self.batches.get(b))
    }

    /// Looks a batch up by its id.
    pub fn batch_by_id(&self, id: &str) -> Option<&Batch> {
        self.batches.iter().find(|b| b.id == id)
    }
}
