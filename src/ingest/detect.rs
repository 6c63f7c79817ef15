//! Format detection and the single entry point that reads any supported input into spans.
//!
//! Detection looks at content first (magic bytes, the first JSON keys) and uses the file name
//! only to break ties; `--format` skips it.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::{
    agent_log, compression, otlp_json, otlp_proto, transcript, Format, IngestError, Location,
    OnInvalid, ReadError, ReadStats, Sink, VecSink,
};
use crate::model::Span;

/// How many bytes detection looks at.
const PEEK: usize = 64 * 1024;

/// Guesses the format of an input from its first bytes and its name.
pub fn detect(head: &[u8], name: &str) -> Result<Format, String> {
    if otlp_proto::looks_like_otlp_proto(head) {
        return Ok(Format::OtlpProto);
    }
    let name = compression::strip_gz_suffix(name);
    let text = trim_start(head);
    if text.is_empty() {
        return Err("empty input".to_owned());
    }
    let lower = name.to_ascii_lowercase();
    let proto_name =
        lower.ends_with(".pb") || lower.ends_with(".binpb") || lower.ends_with(".proto");
    // A protobuf-named file holding JSON is JSON: the content decides, the name only breaks ties.
    // (The head may end inside a character: only an invalid byte, not a cut one, rules out text.)
    let json_like = matches!(text[0], b'{' | b'[')
        && std::str::from_utf8(text).map_or_else(|e| e.error_len().is_none(), |_| true);
    if proto_name && !json_like {
        return Ok(Format::OtlpProto);
    }
    if !matches!(text[0], b'{' | b'[') {
        if std::str::from_utf8(text).is_err() || text.contains(&0) {
            return Ok(Format::OtlpProto);
        }
        return Err("not JSON and not OTLP protobuf".to_owned());
    }
    // Coding-agent logs first: their text can quote any other format's keys.
    if let Some(format) = head_text(text).and_then(agent_log::detect) {
        return Ok(format);
    }
    let has = |needle: &str| memmem(text, needle.as_bytes());
    if has("\"resourceSpans\"")
        || has("\"resourceLogs\"")
        || has("\"resource_logs\"")
        || has("\"resource_spans\"")
        || has("\"instrumentationLibrarySpans\"")
    {
        return Ok(Format::OtlpJson);
    }
    if has("\"fanout\"") {
        return Ok(Format::Native);
    }
    // A whole document or a first JSON line that parses: ask the transcript dialects.
    if let Some(format) = transcript::detect_bytes(text) {
        return Ok(format);
    }
    if has("\"function_call_output\"")
        || has("\"type\":\"function_call\"")
        || has("\"type\": \"function_call\"")
    {
        return Ok(Format::OpenaiResponses);
    }
    if has("\"tool_use\"") || has("\"tool_result\"") {
        return Ok(Format::Anthropic);
    }
    if has("\"tool_calls\"") || has("\"tool_call_id\"") || has("\"role\"") {
        return Ok(Format::OpenaiChat);
    }
    if proto_name {
        return Ok(Format::OtlpProto);
    }
    Err(
        "JSON, but neither OTLP (no resourceSpans), fanout native, nor a chat transcript"
            .to_owned(),
    )
}

/// The head as text, cut before a multi-byte character split by the peek.
fn head_text(bytes: &[u8]) -> Option<&str> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(bytes.get(..e.valid_up_to())?).ok()
        }
        Err(_) => None,
    }
}

fn trim_start(mut b: &[u8]) -> &[u8] {
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        b = &b[3..];
    }
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

fn memmem(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Reads one input of `format` (detected when `None`) into `sink`.
pub fn read_any(
    file: &str,
    reader: impl Read,
    format: Option<Format>,
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<(Format, ReadStats), ReadError> {
    let io = |source| ReadError::Io {
        file: file.to_owned(),
        source,
    };
    let reader = compression::decompressing_reader(reader, compression::DEFAULT_MAX_DECOMPRESSED)
        .map_err(io)?;
    // Peek with as many reads as it takes (a decompressor or a pipe may yield little per read),
    // then put the head back in front of the rest.
    let mut head = Vec::with_capacity(PEEK);
    let mut reader = reader;
    (&mut reader)
        .take(PEEK as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    let reader = BufReader::with_capacity(PEEK, std::io::Cursor::new(head.clone()).chain(reader));
    let head = head.as_slice();
    let format = match format {
        Some(f) => f,
        None => detect(head, file).map_err(|m| {
            IngestError::new(file, Location::Whole, None, format!("unknown format: {m}"))
        })?,
    };
    let stats = match format {
        Format::OtlpJson => otlp_json::read(file, reader, on_invalid, sink)?,
        Format::Native => super::native::read(file, reader, on_invalid, sink)?,
        // Framed records stream one at a time; other layouts need the whole input.
        Format::OtlpProto if otlp_proto::stream::is_framed(head) => {
            otlp_proto::stream::read(file, reader, on_invalid, sink)?
        }
        Format::OtlpProto => {
            otlp_proto::read_owned(file, read_all(file, reader)?, on_invalid, sink)?
        }
        Format::OpenaiChat => {
            transcript::openai_chat::read(file, &read_all(file, reader)?, on_invalid, sink)?
        }
        Format::OpenaiResponses => {
            transcript::openai_responses::read(file, &read_all(file, reader)?, on_invalid, sink)?
        }
        Format::Anthropic => {
            transcript::anthropic::read(file, &read_all(file, reader)?, on_invalid, sink)?
        }
        Format::ClaudeCode | Format::CodexCli | Format::GeminiCli => {
            agent_log::read(format, file, &read_all(file, reader)?, on_invalid, sink)?
        }
    };
    Ok((format, stats))
}

/// The rest of an input, for the adapters that need it whole (protobuf, transcripts).
fn read_all(file: &str, mut reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    super::bounded::read_rest(file, &mut reader, &mut bytes, "input (read whole)")?;
    Ok(bytes)
}

/// Reads a whole file into memory as spans (format detected). For tests and small tools.
pub fn load_path(path: &Path) -> Result<Vec<Span>, ReadError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| ReadError::Io {
        file: name.clone(),
        source,
    })?;
    let mut sink = VecSink::default();
    read_any(&name, file, None, OnInvalid::Fail, &mut sink)?;
    Ok(sink.spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect(b"  {\"resourceSpans\":[]}", "x"),
            Ok(Format::OtlpJson)
        );
        assert_eq!(
            detect(b"{\"fanout\":\"native\",\"version\":1}", "x"),
            Ok(Format::Native)
        );
        assert_eq!(
            detect(b"[{\"role\":\"user\",\"content\":\"hi\"}]", "x"),
            Ok(Format::OpenaiChat)
        );
        assert_eq!(detect(b"\x0a\x12\x0a\x00", "x"), Ok(Format::OtlpProto));
        assert!(detect(b"", "x").is_err());
        assert!(detect(b"hello world", "x").is_err());
        assert_eq!(
            detect(b"{\"resourceSpans\":[]}", "run.pb"),
            Ok(Format::OtlpJson),
            "content decides over the name"
        );
    }
}
