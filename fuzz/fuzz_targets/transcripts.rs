//! The chat transcript readers: the first byte picks the dialect, the rest is the transcript.
#![no_main]

use fanout::ingest::Format;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let format = match pick % 3 {
        0 => Format::OpenaiChat,
        1 => Format::OpenaiResponses,
        _ => Format::Anthropic,
    };
    common::read(rest, Some(format));
});
