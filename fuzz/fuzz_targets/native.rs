//! fanout's native JSONL reader.
#![no_main]

use fanout::ingest::Format;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| common::read(data, Some(Format::Native)));
