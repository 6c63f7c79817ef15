//! The Collector file exporter's `format: proto` files read as a stream: each record is a 4-byte
//! big-endian length and one `ExportTraceServiceRequest`, read, decoded and handed on one at a
//! time, so a file of any size needs memory for one record (at most
//! [`crate::limits::MAX_RECORD_BYTES`]), not for the whole file.

use std::io::Read;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::bytes::Bytes;
use prost::Message;

use super::{locate, split_prefix, starts_with_resource_spans, Output};
use crate::ingest::{IngestError, Location, OnInvalid, ReadError, ReadStats, Sink};
use crate::limits::MAX_RECORD_BYTES;

/// True when `head` (the first bytes of an input) can only be 4-byte framed records: the first
/// prefix starts with a zero byte (no raw request or varint-framed stream of a non-empty record
/// does) and its payload opens like a trace request.
pub fn is_framed(head: &[u8]) -> bool {
    head.first() == Some(&0)
        && split_prefix(head).is_some_and(|(len, rest)| len > 0 && starts_with_resource_spans(rest))
}

/// Reads framed records from `reader` one at a time into `sink`.
pub fn read(
    file: &str,
    mut reader: impl Read,
    on_invalid: OnInvalid,
    sink: &mut dyn Sink,
) -> Result<ReadStats, ReadError> {
    let mut out = Output::new(file, on_invalid, sink);
    let io = |source| ReadError::Io {
        file: file.to_owned(),
        source,
    };
    let mut offset = 0u64;
    let mut number = 0usize;
    loop {
        let mut prefix = [0u8; 4];
        let got = fill(&mut reader, &mut prefix).map_err(io)?;
        if got == 0 {
            break;
        }
        number += 1;
        if got < 4 {
            let message = format!("{got} stray bytes after the last whole record (truncated?)");
            out.invalid(IngestError::new(
                file,
                Location::Offset(offset),
                None,
                message,
            ))?;
            break;
        }
        let len = u64::from(u32::from_be_bytes(prefix));
        if len > MAX_RECORD_BYTES {
            return Err(ReadError::Invalid(IngestError::new(
                file,
                Location::Offset(offset),
                None,
                format!(
                    "record {number} declares {len} bytes, more than the {} MiB a record may have",
                    MAX_RECORD_BYTES >> 20
                ),
            )));
        }
        let mut payload = vec![0u8; len as usize];
        let got = fill(&mut reader, &mut payload).map_err(io)?;
        if got < payload.len() {
            let message = format!(
                "record {number} declares {len} bytes but the file ends {got} bytes later (truncated?)"
            );
            out.invalid(IngestError::new(
                file,
                Location::Offset(offset),
                None,
                message,
            ))?;
            break;
        }
        let at = offset + 4;
        let raw = Bytes::from(payload);
        match ExportTraceServiceRequest::decode(raw.clone()) {
            Ok(request) => out.request(&request, &raw, at)?,
            Err(_) => out.invalid(locate::locate_decode_error(file, &raw, at))?,
        }
        offset = at + len;
    }
    out.finish()
}

/// Reads until `buf` is full or the input ends; how many bytes were read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
