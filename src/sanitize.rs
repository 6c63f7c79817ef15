//! Makes untrusted trace text safe to print on a terminal.
//!
//! Tool arguments, results and model output can hold escape sequences that move the cursor,
//! retitle the window, write hyperlinks or hide text. [`sanitize`] removes whole escape sequences
//! (CSI, OSC, DCS/SOS/PM/APC strings and two-byte escapes), every other C0 and C1 control except
//! newline and tab, DEL, and the Unicode bidirectional overrides that reorder what is shown.
//! [`one_line`] also folds newlines and tabs into spaces for single-line fields.
//! This module only transforms strings; it never prints.

use std::borrow::Cow;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Strips control characters and escape sequences; borrows when nothing needed stripping.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            ESC => skip_escape(&mut it),
            // C1 string introducers (DCS, SOS, OSC, PM, APC) carry a payload up to ST or BEL.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut it),
            // C1 CSI: parameters up to a final byte.
            '\u{9b}' => skip_csi(&mut it),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`sanitize`], then newlines and tabs become single spaces: for table cells and one-line labels.
pub fn one_line(s: &str) -> Cow<'_, str> {
    let clean = sanitize(s);
    if !clean.contains(['\n', '\t', '\r']) {
        return clean;
    }
    let mut out = String::with_capacity(clean.len());
    let mut last_space = false;
    for c in clean.chars() {
        if matches!(c, '\n' | '\t' | '\r') {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = c == ' ';
        }
    }
    Cow::Owned(out)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(it: &mut Chars<'_>) {
    match it.peek().copied() {
        Some('[') => {
            it.next();
            skip_csi(it);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            it.next();
            skip_string(it);
        }
        // Intermediate bytes then one final byte (e.g. `ESC ( B`, `ESC c`).
        Some(c) if (' '..='/').contains(&c) => {
            while it.next_if(|c| (' '..='/').contains(c)).is_some() {}
            it.next();
        }
        Some(c) if ('0'..='~').contains(&c) => {
            it.next();
        }
        _ => {}
    }
}

fn skip_csi(it: &mut Chars<'_>) {
    // Parameter and intermediate bytes 0x20–0x3F, then a final byte 0x40–0x7E.
    for c in it.by_ref() {
        if ('@'..='~').contains(&c) || !(' '..='?').contains(&c) {
            break;
        }
    }
}

fn skip_string(it: &mut Chars<'_>) {
    while let Some(c) = it.next() {
        match c {
            BEL | '\u{9c}' => break,
            ESC => {
                it.next_if_eq(&'\\');
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed_untouched() {
        let s = "deposit 100 → ACC-1001\n\tdone";
        assert!(matches!(sanitize(s), Cow::Borrowed(x) if x == s));
    }

    #[test]
    fn csi_and_osc_sequences_are_removed_whole() {
        assert_eq!(sanitize("a\u{1b}[31;1mred\u{1b}[0m b"), "ared b");
        assert_eq!(sanitize("x\u{1b}]0;pwned title\u{7}y"), "xy");
        assert_eq!(sanitize("x\u{1b}]8;;http://e.vil\u{1b}\\link\u{1b}]8;;\u{1b}\\y"), "xlinky");
        assert_eq!(sanitize("\u{1b}Pq#0;2;0;0;0\u{1b}\\ok"), "ok");
        assert_eq!(sanitize("\u{1b}(Bok\u{1b}c"), "ok");
        assert_eq!(sanitize("\u{9b}2Jok"), "ok");
    }

    #[test]
    fn other_controls_and_bidi_overrides_are_dropped() {
        assert_eq!(sanitize("a\rb\u{8}c\u{7f}d\u{0}e"), "abcde");
        assert_eq!(sanitize("safe\u{202e}txt.exe"), "safetxt.exe");
        assert_eq!(sanitize("\u{85}x"), "x");
    }

    #[test]
    fn a_trailing_lone_escape_does_not_panic() {
        assert_eq!(sanitize("end\u{1b}"), "end");
        assert_eq!(sanitize("end\u{1b}["), "end");
        assert_eq!(sanitize("end\u{1b}]unterminated"), "end");
    }

    #[test]
    fn one_line_folds_whitespace_runs() {
        assert_eq!(one_line("a\n\n\tb\r\nc"), "a b c");
        assert_eq!(one_line("plain"), "plain");
    }
}
