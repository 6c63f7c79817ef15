//! Reading trace files into raw [`Span`]s. Adapters, one per input format, parse and hand spans
//! to a [`Sink`]; they know nothing of SQLite. Formats are detected from content (and the file
//! name as a hint); `--format` overrides.
//!
//! Contract for adapters: never panic on bad input; report the first problem as an
//! [`IngestError`] naming file, line or byte offset, and field, unless the caller asked to skip
//! invalid records, in which case the problem goes to [`Sink::skipped`] and parsing goes on.

pub(crate) mod agent_log;
mod bounded;
pub(crate) mod compression;
pub mod detect;
pub(crate) mod duplicates;
pub(crate) mod error;
mod lenient;
pub mod native;
pub(crate) mod otlp_json;
pub mod otlp_proto;
pub(crate) mod synth;
pub mod transcript;

use crate::model::{LogRecord, Span};
pub use detect::{detect, load_path, read_any};
pub use error::{IngestError, Location};

/// Input formats fanout reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum Format {
    /// OTLP/JSON: one ExportTraceServiceRequest, or JSON Lines of them (Collector file exporter).
    OtlpJson,
    /// OTLP protobuf: one serialized ExportTraceServiceRequest, or length-prefixed records.
    OtlpProto,
    /// fanout's native JSONL format (docs/native-format.md).
    Native,
    /// OpenAI Chat Completions messages (assistant tool_calls + tool messages).
    OpenaiChat,
    /// OpenAI Responses API items (function_call / function_call_output).
    OpenaiResponses,
    /// Anthropic Messages (tool_use / tool_result blocks).
    Anthropic,
    /// Claude Code session transcript (JSONL, one line per content block).
    ClaudeCode,
    /// Codex CLI rollout (JSONL of session_meta / turn_context / response_item / event_msg).
    CodexCli,
    /// Gemini CLI chat log (JSONL of message records, or one JSON conversation record).
    GeminiCli,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OtlpJson => "otlp-json",
            Self::OtlpProto => "otlp-proto",
            Self::Native => "native",
            Self::OpenaiChat => "openai-chat",
            Self::OpenaiResponses => "openai-responses",
            Self::Anthropic => "anthropic",
            Self::ClaudeCode => "claude-code",
            Self::CodexCli => "codex-cli",
            Self::GeminiCli => "gemini-cli",
        }
    }
}

/// What to do with a bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnInvalid {
    /// Stop at the first bad record; the caller discards the whole file.
    #[default]
    Fail,
    /// Report it to the sink and go on with the next record.
    Skip,
}

/// Where parsed spans go. The store implements it; tests use [`VecSink`].
pub trait Sink {
    /// Receives a chunk of spans (order as in the file; children may precede parents).
    fn spans(&mut self, spans: Vec<Span>) -> Result<(), SinkError>;
    /// Receives a record that was skipped under [`OnInvalid::Skip`].
    fn skipped(&mut self, error: IngestError);
    /// Receives OTLP log records tied to traces. Sinks that only want spans ignore them.
    fn logs(&mut self, logs: Vec<LogRecord>) -> Result<(), SinkError> {
        drop(logs);
        Ok(())
    }
}

/// A sink failed (the database refused a write, ...). Ends the file's ingest.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// Collects everything in memory: for tests and small tools.
#[derive(Debug, Default)]
pub struct VecSink {
    pub spans: Vec<Span>,
    pub skipped: Vec<IngestError>,
    pub logs: Vec<LogRecord>,
}

impl Sink for VecSink {
    fn spans(&mut self, mut spans: Vec<Span>) -> Result<(), SinkError> {
        self.spans.append(&mut spans);
        Ok(())
    }

    fn skipped(&mut self, error: IngestError) {
        self.skipped.push(error);
    }

    fn logs(&mut self, mut logs: Vec<LogRecord>) -> Result<(), SinkError> {
        self.logs.append(&mut logs);
        Ok(())
    }
}

/// Either a parse problem or a sink failure.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Invalid(#[from] IngestError),
    #[error("{file}: {source}")]
    Sink { file: String, source: SinkError },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

/// What one input yielded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Records read (lines or documents for JSON formats, requests for protobuf).
    pub records: usize,
    /// Spans handed to the sink.
    pub spans: usize,
    /// Records skipped under [`OnInvalid::Skip`].
    pub skipped: usize,
}
