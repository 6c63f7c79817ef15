//! The tool catalog (TOML) and the keymap file: the first byte picks which.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if pick % 2 == 0 {
        let _ = fanout::analysis::Catalog::from_toml(text);
    } else {
        let mut keymap = fanout::tui::keymap::Keymap::defaults();
        let _ = keymap.apply(text);
    }
});
