//! The coding-agent session readers: the first byte picks the agent, the rest is its log.
#![no_main]

use fanout::ingest::Format;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let format = match pick % 3 {
        0 => Format::ClaudeCode,
        1 => Format::CodexCli,
        _ => Format::GeminiCli,
    };
    common::read(rest, Some(format));
    // Detection from content must agree or refuse, never crash.
    common::read(rest, None);
});
