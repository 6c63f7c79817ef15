//! The resource limits fanout enforces on untrusted input (nesting depth, record size,
//! decompressed size), in one place so the readers, the store codec and the README agree.
//!
//! Past a limit, input is refused with an error naming the limit; nothing is silently cut.

use std::cell::Cell;

/// Deepest nesting of attribute values (`arrayValue` / `kvlistValue` inside each other) that is
/// accepted. Real instrumentation nests a handful of levels; 24 keeps every reader, the store
/// codec and every later walk well inside the stack on any thread, and keeps the OTLP/JSON form
/// of such a value (up to four JSON levels per value level) inside serde_json's own limit of 128,
/// so a JSON Lines record and the same record pretty-printed are treated alike.
pub const MAX_VALUE_DEPTH: usize = 24;

/// Largest single record read into memory at once: one JSON line, one whole JSON document, one
/// protobuf request, one transcript. Larger records are refused before they are buffered; peak
/// memory of an ingest stays within a small multiple of this.
pub const MAX_RECORD_BYTES: u64 = 256 << 20;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Tracks one level of nesting while a recursive decoder runs; dropping it leaves the level.
/// Decoders call [`DepthGuard::enter`] on entering a nested value and fail when it returns `None`.
#[derive(Debug)]
pub struct DepthGuard(());

impl DepthGuard {
    /// Enters one level; `None` when that would go past [`MAX_VALUE_DEPTH`].
    pub fn enter() -> Option<Self> {
        DEPTH.with(|d| {
            let now = d.get();
            if now >= MAX_VALUE_DEPTH {
                None
            } else {
                d.set(now + 1);
                Some(DepthGuard(()))
            }
        })
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// The message for a value nested past [`MAX_VALUE_DEPTH`].
pub fn too_deep() -> String {
    format!("attribute value nested deeper than {MAX_VALUE_DEPTH} levels (the limit)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_count_levels_and_release_them() {
        let mut held = Vec::new();
        for _ in 0..MAX_VALUE_DEPTH {
            held.push(DepthGuard::enter().expect("within the limit"));
        }
        assert!(DepthGuard::enter().is_none());
        held.pop();
        assert!(DepthGuard::enter().is_some());
        held.clear();
        assert!(DepthGuard::enter().is_some());
    }
}
