//! Untrusted text (span names, tool arguments and results, attribute values) on its way to the
//! terminal: thin shapes over the crate's sanitizer ([`crate::sanitize`]), which removes escape
//! sequences, control characters and bidi overrides. Views call these when they build their
//! text; no string from a trace reaches the buffer without passing through here.

use std::borrow::Cow;

/// One line: escape sequences and controls removed, newlines and tabs become spaces.
pub fn line(s: &str) -> Cow<'_, str> {
    crate::sanitize::sanitize_line(s)
}

/// Multi-line text: sanitized, split on newlines, tabs expanded to four spaces.
pub fn lines(s: &str) -> Vec<String> {
    crate::sanitize::sanitize(s)
        .split('\n')
        .map(|l| l.replace('\t', "    "))
        .collect()
}

/// Like [`line`], cut to at most `max` characters with an ellipsis: for labels in narrow places
/// where the full text is available elsewhere (the inspector).
pub fn short(s: &str, max: usize) -> String {
    let clean = line(s);
    if clean.chars().count() <= max {
        return clean.into_owned();
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Whether `s` is safe to write to a terminal as is, judged independently of the sanitizer:
/// every character is visible with a width of its own (no control, no zero-width or format
/// character, no line separator, no regional indicator that pairs into a flag).
#[cfg(test)]
pub fn is_clean(s: &str) -> bool {
    use unicode_width::UnicodeWidthChar as _;
    s.chars().all(|c| {
        !c.is_control()
            && !matches!(
                c,
                '\u{ad}' | '\u{2028}' | '\u{2029}' | '\u{1f1e6}'..='\u{1f1ff}'
            )
            && c.width().is_some_and(|w| w > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_removed_from_lines() {
        let s = line("ok\u{1b}[2J\u{1b}]0;pwned\u{7}done\nnext");
        assert_eq!(s, "okdone next");
        assert!(is_clean(&s));
    }

    #[test]
    fn lines_split_and_expand_tabs() {
        assert_eq!(
            lines("a\tb\r\nc\u{1b}[0m"),
            vec!["a    b".to_owned(), "c".to_owned()]
        );
    }

    #[test]
    fn short_cuts_with_an_ellipsis() {
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("abc", 4), "abc");
    }
}
