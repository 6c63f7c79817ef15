//! Format detection and gzip framing: any bytes, any format, compressed or not. The input is also
//! tried gzip-compressed, so the decompressor's framing and every reader behind it are reached.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::read(data, None);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if enc.write_all(data).is_ok() {
        if let Ok(packed) = enc.finish() {
            common::read(&packed, None);
        }
    }
});
