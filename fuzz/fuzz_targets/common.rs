//! What every reader target does with an input: read it failing at the first bad record, then
//! skipping bad records; any panic or crash is a finding. Spans that come out are re-encoded
//! through the store codec path (a real in-memory store) so depth and encoding limits agree.

use fanout::ingest::{read_any, Format, OnInvalid, VecSink};

pub fn read(data: &[u8], format: Option<Format>) {
    for on_invalid in [OnInvalid::Fail, OnInvalid::Skip] {
        let mut sink = VecSink::default();
        let _ = read_any("fuzz-input", data, format, on_invalid, &mut sink);
        if on_invalid == OnInvalid::Skip && !sink.spans.is_empty() {
            if let Ok(mut store) = fanout::store::Store::open_in_memory() {
                if let Ok(mut tx) = store.begin_file() {
                    let _ = tx.insert_spans(&sink.spans);
                }
            }
        }
    }
}
