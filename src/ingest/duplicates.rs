//! Spotting two different spans under one (trace id, span id) within one input: the store keeps
//! one span per id, so a second, different span would otherwise vanish without a word. Identical
//! repeats (an exporter retrying) are harmless and pass.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{IngestError, Location};
use crate::model::{Span, SpanId, TraceId};

/// Remembers where each span id was first seen in this input and a fingerprint of its content.
#[derive(Debug, Default)]
pub struct DuplicateCheck {
    seen: HashMap<(TraceId, SpanId), (Location, [u8; 16])>,
}

impl DuplicateCheck {
    /// Records `span`, found at `at`; an error naming both places when the id was already used
    /// by a span with other content.
    pub fn check(&mut self, file: &str, span: &Span, at: Location) -> Result<(), IngestError> {
        let print = fingerprint(span);
        match self.seen.entry((span.trace_id, span.span_id)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((at, print));
                Ok(())
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let (first, first_print) = *o.get();
                if first_print == print {
                    return Ok(());
                }
                Err(IngestError::new(
                    file,
                    at,
                    Some("spanId".to_owned()),
                    format!(
                        "span {} of trace {} appears twice with different content: first at {}, again here",
                        span.span_id,
                        span.trace_id,
                        describe(first)
                    ),
                ))
            }
        }
    }

    /// Forgets spans recorded at `at` (their record was skipped, so they were not kept).
    pub fn forget(&mut self, spans: &[Span], at: Location) {
        for s in spans {
            if self
                .seen
                .get(&(s.trace_id, s.span_id))
                .is_some_and(|(l, _)| *l == at)
            {
                self.seen.remove(&(s.trace_id, s.span_id));
            }
        }
    }
}

fn describe(at: Location) -> String {
    match at {
        Location::Line(n) => format!("line {n}"),
        Location::Offset(o) => format!("byte {o}"),
        Location::Whole => "the same record".to_owned(),
    }
}

/// A content fingerprint: BLAKE3 of the span's full debug form (every field, deterministic).
fn fingerprint(span: &Span) -> [u8; 16] {
    struct Hash(blake3::Hasher);
    impl std::fmt::Write for Hash {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.update(s.as_bytes());
            Ok(())
        }
    }
    let mut h = Hash(blake3::Hasher::new());
    let _ = write!(h, "{span:?}");
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.0.finalize().as_bytes()[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(name: &str) -> Span {
        Span::new(
            "0af7651916cd43dd8448eb211c80319c".parse().unwrap(),
            "b7ad6b7169203331".parse().unwrap(),
            name,
        )
    }

    #[test]
    fn identical_repeats_pass_and_different_content_names_both_places() {
        let mut c = DuplicateCheck::default();
        c.check("f", &span("a"), Location::Line(1)).unwrap();
        c.check("f", &span("a"), Location::Line(2)).unwrap();
        let err = c
            .check("f", &span("b"), Location::Line(3))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f:3:") && err.contains("first at line 1"),
            "{err}"
        );
        c.forget(&[span("a")], Location::Line(1));
        c.check("f", &span("b"), Location::Line(4)).unwrap();
    }
}
