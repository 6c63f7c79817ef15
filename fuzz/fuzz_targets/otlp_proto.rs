//! OTLP protobuf reader: one request, or length-prefixed records (the reader tells them apart).
#![no_main]

use fanout::ingest::Format;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| common::read(data, Some(Format::OtlpProto)));
