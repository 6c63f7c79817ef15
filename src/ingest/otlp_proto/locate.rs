//! Where things are in OTLP protobuf bytes: byte offsets of every span (for errors about a
//! span's fields), and the first span, scope or resource that fails to decode (for errors about
//! broken bytes). Uses prost views that stop at the needed depth and keep each child's bytes;
//! decoding from a `Bytes` buffer slices without copying, so each child's offset is known.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1 as pt;
use prost::bytes::Bytes;
use prost::Message;

use super::super::{IngestError, Location};

#[derive(Clone, PartialEq, Message)]
struct RequestLayout {
    #[prost(bytes = "bytes", repeated, tag = "1")]
    resource_spans: Vec<Bytes>,
}

#[derive(Clone, PartialEq, Message)]
struct ResourceSpansLayout {
    #[prost(bytes = "bytes", repeated, tag = "2")]
    scope_spans: Vec<Bytes>,
}

#[derive(Clone, PartialEq, Message)]
struct ScopeSpansLayout {
    #[prost(bytes = "bytes", repeated, tag = "2")]
    spans: Vec<Bytes>,
}

/// Offset of `part` inside `whole` (a slice of it), plus `base`.
fn offset_in(whole: &Bytes, part: &Bytes, base: u64) -> u64 {
    let delta = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    base + delta as u64
}

/// Byte offsets of every span in one request, indexed like the decoded request.
pub(super) struct SpanOffsets {
    base: u64,
    spans: Vec<Vec<Vec<u64>>>,
}

impl SpanOffsets {
    pub(super) fn of(raw: &Bytes, base: u64) -> Self {
        let mut spans = Vec::new();
        if let Ok(request) = RequestLayout::decode(raw.clone()) {
            for rs in &request.resource_spans {
                let mut per_rs = Vec::new();
                if let Ok(layout) = ResourceSpansLayout::decode(rs.clone()) {
                    for ss in &layout.scope_spans {
                        let offsets = ScopeSpansLayout::decode(ss.clone())
                            .map(|l| l.spans.iter().map(|s| offset_in(raw, s, base)).collect())
                            .unwrap_or_default();
                        per_rs.push(offsets);
                    }
                }
                spans.push(per_rs);
            }
        }
        Self { base, spans }
    }

    /// The span's offset, or the request's when the layout is unknown.
    pub(super) fn get(&self, ri: usize, si: usize, pi: usize) -> Location {
        let at = self
            .spans
            .get(ri)
            .and_then(|r| r.get(si))
            .and_then(|s| s.get(pi))
            .copied();
        Location::Offset(at.unwrap_or(self.base))
    }
}

/// Finds where a request that failed to decode goes wrong: the first span, scope or resource
/// whose bytes do not decode, with prost's own description of the problem.
pub(super) fn locate_decode_error(file: &str, raw: &Bytes, base: u64) -> IngestError {
    let describe = |e: prost::DecodeError| {
        let text = e.to_string();
        let detail = text
            .strip_prefix("failed to decode Protobuf message: ")
            .unwrap_or(&text)
            .to_owned();
        format!("not a valid OTLP protobuf trace request: {detail}")
    };
    let request = match RequestLayout::decode(raw.clone()) {
        Ok(r) => r,
        Err(e) => {
            return IngestError::new(
                file,
                Location::Offset(base),
                Some("resourceSpans".into()),
                describe(e),
            )
        }
    };
    for (ri, rs) in request.resource_spans.iter().enumerate() {
        let Err(rs_error) = pt::ResourceSpans::decode(rs.clone()) else {
            continue;
        };
        let rs_path = format!("resourceSpans[{ri}]");
        let rs_at = offset_in(raw, rs, base);
        let layout = match ResourceSpansLayout::decode(rs.clone()) {
            Ok(l) => l,
            Err(e) => {
                return IngestError::new(file, Location::Offset(rs_at), Some(rs_path), describe(e))
            }
        };
        for (si, ss) in layout.scope_spans.iter().enumerate() {
            let Err(ss_error) = pt::ScopeSpans::decode(ss.clone()) else {
                continue;
            };
            let ss_path = format!("{rs_path}.scopeSpans[{si}]");
            let ss_at = offset_in(raw, ss, base);
            let spans = match ScopeSpansLayout::decode(ss.clone()) {
                Ok(l) => l.spans,
                Err(e) => {
                    return IngestError::new(
                        file,
                        Location::Offset(ss_at),
                        Some(ss_path),
                        describe(e),
                    )
                }
            };
            for (pi, span) in spans.iter().enumerate() {
                if let Err(e) = pt::Span::decode(span.clone()) {
                    let at = Location::Offset(offset_in(raw, span, base));
                    return IngestError::new(
                        file,
                        at,
                        Some(format!("{ss_path}.spans[{pi}]")),
                        describe(e),
                    );
                }
            }
            return IngestError::new(
                file,
                Location::Offset(ss_at),
                Some(format!("{ss_path}.scope")),
                describe(ss_error),
            );
        }
        return IngestError::new(
            file,
            Location::Offset(rs_at),
            Some(format!("{rs_path}.resource")),
            describe(rs_error),
        );
    }
    let message = ExportTraceServiceRequest::decode(raw.clone())
        .err()
        .map_or_else(
            || "not a valid OTLP protobuf trace request".to_owned(),
            describe,
        );
    IngestError::new(file, Location::Offset(base), None, message)
}
