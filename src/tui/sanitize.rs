//! Neutralizes untrusted text (span names, tool arguments and results, attribute values) before
//! it reaches the terminal.
//!
//! Every C0 and C1 control character, DEL, and the Unicode bidirectional overrides are replaced
//! by a visible stand-in, so an `ESC [ 2 J` inside a tool result shows up as `␛[2J` instead of
//! clearing the screen. The user still sees that something odd was there, which matters in a
//! debugger. Nothing else is changed. Views call these helpers when they build their text; the
//! render path never writes a string from a trace to the buffer without passing through here.

use std::borrow::Cow;

/// The visible stand-in for a character that must not reach the terminal, or `None` when the
/// character is harmless.
fn replacement(c: char) -> Option<char> {
    match c {
        // C0 controls map onto the Unicode "control pictures" block (␀ … ␟).
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'), // ␡
        // C1 controls (including the 8-bit CSI, U+009B) and bidi overrides/isolates, which
        // can reorder what the user sees.
        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => Some('\u{fffd}'),
        _ => None,
    }
}

fn needs_work(s: &str) -> bool {
    s.chars().any(|c| replacement(c).is_some())
}

/// One line of untrusted text: every control character (newlines and tabs too) becomes a
/// visible stand-in.
pub fn line(s: &str) -> Cow<'_, str> {
    if !needs_work(s) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| replacement(c).unwrap_or(c)).collect())
}

/// Multi-line untrusted text: split on newlines (`\r\n` counts as one), tabs expanded to spaces,
/// every other control character neutralized as in [`line`].
pub fn lines(s: &str) -> Vec<String> {
    s.split('\n')
        .map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            let l = l.replace('\t', "    ");
            line(&l).into_owned()
        })
        .collect()
}

/// Like [`line`], and cut to at most `max` characters with an ellipsis: for labels in narrow
/// places (lanes, table cells) where the full text is available elsewhere.
pub fn short(s: &str, max: usize) -> String {
    let clean = line(s);
    if clean.chars().count() <= max {
        return clean.into_owned();
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Whether `s` is safe to write to a terminal as is (used by tests and debug assertions).
pub fn is_clean(s: &str) -> bool {
    !needs_work(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        let s = line("ok\u{1b}[2J\u{1b}]0;pwned\u{7}done");
        assert_eq!(s, "ok␛[2J␛]0;pwned␇done");
        assert!(is_clean(&s));
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_replaced() {
        let s = line("a\u{9b}31mb\u{202e}cba");
        assert!(is_clean(&s));
        assert_eq!(s.chars().filter(|c| *c == '\u{fffd}').count(), 2);
    }

    #[test]
    fn harmless_text_is_borrowed_unchanged() {
        assert!(matches!(line("deposit €5 → acc-1001"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_split_and_expand_tabs() {
        assert_eq!(lines("a\tb\r\nc\u{1b}"), vec!["a    b".to_owned(), "c␛".to_owned()]);
    }

    #[test]
    fn short_cuts_with_an_ellipsis() {
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("abc", 4), "abc");
        assert_eq!(short("a\nb", 9), "a␊b");
    }
}
