//! Neutralizes untrusted text (trace names, arguments, results) before it reaches a terminal:
//! removes escape sequences (CSI, OSC, and two-byte ESC forms), C0/C1 control characters and
//! bidirectional overrides. Used by every terminal-facing output: CLI text, TUI, reports.

use std::borrow::Cow;

fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Removes escape sequences and control characters; keeps newlines and tabs.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(strip(s, false))
}

/// Like [`sanitize`], and also turns newlines, carriage returns and tabs into spaces: for text
/// that must stay on one line (table cells, titles, status lines).
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(strip(s, true))
}

fn strip(s: &str, one_line: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC introducers carry sequences like ESC [ and ESC ].
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{9d}' => skip_string(&mut chars),
            '\n' | '\t' | '\r' if one_line => out.push(' '),
            '\n' | '\t' => out.push(c),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | '_' | '^' | 'X') => skip_string(chars),
        // nF sequences (ESC ( B, ESC # 8, ...): intermediate bytes, then one final byte.
        Some(' '..='/') => {
            while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
            chars.next();
        }
        // Two-byte sequence (ESC c, ESC 7, ...): the one character after ESC is dropped.
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in `@`..=`~`.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS-like strings: until BEL or ST (ESC \).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        if c == '\u{7}' || c == '\u{9c}' {
            break;
        }
        if c == '\u{1b}' {
            if chars.peek() == Some(&'\\') {
                chars.next();
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("deposit ACC-1001 → 120"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let evil = "a\u{1b}[31mred\u{1b}[0m\u{1b}]0;title\u{7}b\u{7}\u{8}c\u{202e}d\u{9b}2Je";
        assert_eq!(sanitize(evil), "aredbcde");
    }

    #[test]
    fn character_set_designations_and_arabic_marks_are_removed() {
        assert_eq!(sanitize("a\u{1b}(Bb\u{1b}#8c\u{61c}d"), "abcd");
    }

    #[test]
    fn one_line_form_flattens_newlines() {
        assert_eq!(sanitize_line("a\nb\r\tc"), "a b  c");
        assert_eq!(sanitize("a\nb"), "a\nb");
    }
}
