//! Escaping for XML text and attribute values (SVG, JUnit), shared by the XML writers.
//!
//! Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates cannot occur in
//! Rust strings) are dropped after [`crate::sanitize::sanitize`] has removed escape sequences.

use std::borrow::Cow;

/// Escapes `&`, `<`, `>`, `"` and `'`, and removes control characters and escape sequences.
pub fn escape(s: &str) -> Cow<'_, str> {
    let clean = crate::sanitize::sanitize(s);
    if !clean.contains(['&', '<', '>', '"', '\'', '\u{fffe}', '\u{ffff}']) {
        return clean;
    }
    let mut out = String::with_capacity(clean.len() + 16);
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_controls_cannot_break_out() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("ok\u{1b}[1m\u{0}!"), "ok!");
    }
}
