//! OTLP/JSON reader (JSON Lines and whole documents), failing and skipping.
#![no_main]

use fanout::ingest::Format;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| common::read(data, Some(Format::OtlpJson)));
