//! Neutralizes untrusted text (trace names, arguments, results) before it reaches a terminal:
//! removes escape sequences (CSI, OSC, and two-byte ESC forms), and keeps only characters whose
//! display width a terminal and the TUI agree on. By category: control characters (C0, C1),
//! format characters (soft hyphen, zero-width spaces and joiners, bidi controls, tag
//! characters, byte-order marks), variation selectors and stray combining marks are removed;
//! line and paragraph separators become a newline (a space on one line); regional indicators
//! become the ASCII letter they stand for. Used by every terminal-facing output: CLI text, TUI,
//! reports.

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// The most zero-width marks kept on one base character (accents stack a few; more is abuse).
const MAX_MARKS: usize = 2;

/// Unicode's bidirectional formatting characters (embeddings, overrides, isolates, marks).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// General category Cf (format): invisible characters that change how neighbours render.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Variation selectors switch a character between text and emoji presentation, changing its
/// width on some terminals and not others.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{180B}'..='\u{180D}' | '\u{180F}')
}

/// Line and paragraph separators (categories Zl, Zp), and NEL handled as a control.
fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// True when `c` needs rewriting or removal (a fast pre-check; [`strip`] decides exactly).
fn needs_work(c: char, one_line: bool) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control() && (one_line || (c != '\n' && c != '\t'));
    }
    c.is_control()
        || is_format(c)
        || is_variation_selector(c)
        || is_separator(c)
        || is_regional_indicator(c)
        || c.width().is_none_or(|w| w == 0)
}

/// Removes escape sequences and unsafe characters; keeps newlines and tabs.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_work(c, false)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(strip(s, false))
}

/// Like [`sanitize`], and also turns newlines, carriage returns and tabs into spaces: for text
/// that must stay on one line (table cells, titles, status lines).
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_work(c, true)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(strip(s, true))
}

fn strip(s: &str, one_line: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    // Zero-width marks since the last visible character; `None` when there is no base to carry
    // them (start of text, after a removed character or a line break).
    let mut marks: Option<usize> = None;
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                skip_escape(&mut chars);
                continue;
            }
            // C1 CSI / OSC introducers carry sequences like ESC [ and ESC ].
            '\u{9b}' => {
                skip_until_final(&mut chars);
                continue;
            }
            '\u{9d}' => {
                skip_string(&mut chars);
                continue;
            }
            _ => {}
        }
        let line_break = c == '\n' || is_separator(c) || c == '\u{85}';
        if one_line && (line_break || c == '\t' || c == '\r') {
            out.push(' ');
            marks = Some(0);
        } else if line_break {
            out.push('\n');
            marks = None;
        } else if c == '\t' {
            out.push(c);
            marks = None;
        } else if is_regional_indicator(c) {
            // 🇺 🇸 → "US": a pair renders as one flag of width 2 on some terminals only.
            let letter = char::from(b'A' + (u32::from(c) - 0x1F1E6) as u8);
            out.push(letter);
            marks = Some(0);
        } else if c.is_control() || is_format(c) || is_variation_selector(c) {
            // Removed; marks after it have nothing to sit on.
        } else {
            match c.width() {
                Some(0) => {
                    if let Some(n) = marks.filter(|n| *n < MAX_MARKS) {
                        out.push(c);
                        marks = Some(n + 1);
                    }
                }
                Some(_) => {
                    out.push(c);
                    marks = Some(0);
                }
                None => {}
            }
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
    fn invisible_and_width_changing_characters_are_neutralized() {
        // Soft hyphen, zero-width space/joiner, word joiner, BOM, tag characters, a variation
        // selector: all removed; the visible text is what remains.
        let evil = "a\u{ad}b\u{200b}c\u{200d}d\u{2060}e\u{feff}f\u{e0041}\u{e007f}g\u{fe0f}h";
        assert_eq!(sanitize(evil), "abcdefgh");
        // Line and paragraph separators are line breaks: kept as newlines, spaces on one line.
        assert_eq!(sanitize("a\u{2028}b\u{2029}c"), "a\nb\nc");
        assert_eq!(sanitize_line("a\u{2028}b\u{85}c"), "a b c");
        // Regional indicators become letters.
        assert_eq!(sanitize("\u{1F1FA}\u{1F1F8}"), "US");
        // Accents on a base character stay (a few); a pile of them, or one with no base, goes.
        assert_eq!(sanitize("e\u{301}"), "e\u{301}");
        assert_eq!(sanitize("\u{301}x"), "x");
        assert_eq!(sanitize("e\u{301}\u{301}\u{301}\u{301}"), "e\u{301}\u{301}");
        // Everything left has a display width the TUI can count.
        for out in [sanitize(evil), sanitize_line("x\u{2029}\u{1F1E6}")] {
            assert!(out
                .chars()
                .all(|c| c == '\n' || c.width().is_some_and(|w| w > 0)));
        }
    }

    #[test]
    fn one_line_form_flattens_newlines() {
        assert_eq!(sanitize_line("a\nb\r\tc"), "a b  c");
        assert_eq!(sanitize("a\nb"), "a\nb");
    }
}
