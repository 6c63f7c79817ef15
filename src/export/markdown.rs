//! Markdown for pull-request comments and issues (GitHub-flavoured): a summary line, a table of
//! batches (calls, wall time, speed-up, findings), each finding in a sentence, a Unicode swimlane
//! sketch in a fenced code block, and the why-path from the answer.
//!
//! Trace text is untrusted: outside code blocks every Markdown and HTML special character is
//! backslash-escaped or turned into an entity (so a tool result cannot inject links, images or
//! HTML), table cells are single lines, and the sketch's fence is longer than any backtick run in
//! it. Untimed runs say so and draw the sketch by order.

use crate::units;
use std::io::{self, Write};

use super::dto::TraceReport;
use super::layout::{LaneMode, Layout};
use super::{fmt_speedup, prose, truncate};
use crate::analysis::Severity;

/// Escapes one line of untrusted text for Markdown prose and table cells. Mentions (`@user`,
/// `@org/team`) and bare URLs (`https://…`, `www.…`) go into code spans, where GitHub neither
/// notifies anyone nor makes a link.
pub fn escape(s: &str) -> String {
    let line = crate::sanitize::sanitize_line(s);
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest: &str = &line;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if let Some(len) = live_token(rest, prev) {
            out.push('`');
            out.push_str(&rest[..len]);
            out.push('`');
            prev = rest[..len].chars().next_back();
            rest = &rest[len..];
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The length of a mention or bare URL starting `text`, if one does: it runs to the next space
/// or character that would end a code span or a table cell.
fn live_token(text: &str, prev: Option<char>) -> Option<usize> {
    let starts = |p: &str| {
        text.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    };
    let word_before = prev.is_some_and(|p| p.is_alphanumeric());
    let mention = text.starts_with('@')
        && text[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    let url = !word_before && (starts("http://") || starts("https://") || starts("www."));
    if !mention && !url {
        return None;
    }
    let len = text
        .find(|c: char| c.is_whitespace() || matches!(c, '`' | '|' | '<' | '>'))
        .unwrap_or(text.len());
    Some(len)
}

fn severity_mark(sev: Severity) -> &'static str {
    match sev {
        Severity::Observed => "🔴",
        Severity::Latent => "🟠",
        Severity::Info => "⚪",
    }
}

/// Writes the Markdown report of one trace.
pub fn write(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    let parallel = r.batches.iter().filter(|b| b.parallel).count();
    let worst = r.worst_severity();
    writeln!(
        out,
        "### fanout · trace `{}`",
        r.trace_id
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect::<String>()
    )?;
    writeln!(out)?;
    let verdict = match worst {
        Some(w) => format!(
            "{} **{} finding{}**, worst {w}",
            severity_mark(w),
            r.findings.len(),
            if r.findings.len() == 1 { "" } else { "s" }
        ),
        None => "✅ **no findings**".to_owned(),
    };
    let suspects = if r.suspects_to_show().is_empty() {
        String::new()
    } else {
        format!(
            " · suspect batch{} {}",
            if r.suspects_to_show().len() == 1 {
                ""
            } else {
                "es"
            },
            escape(&r.suspects_to_show().join(", "))
        )
    };
    let latency = match (r.latency.total_nanos, r.is_untimed()) {
        (Some(t), false) => {
            let share = r
                .latency
                .tool_share
                .map(|s| format!(", {:.0}% in tools", s * 100.0))
                .unwrap_or_default();
            let seq = r
                .latency
                .sequential_nanos
                .map(|s| format!(", fully sequential would take {}", units::duration(s)))
                .unwrap_or_default();
            format!(" · {} total{share}{seq}", units::duration(t))
        }
        _ => " · untimed".to_owned(),
    };
    writeln!(
        out,
        "{verdict} · {} batch{} ({parallel} parallel){suspects}{latency}",
        r.batches.len(),
        if r.batches.len() == 1 { "" } else { "es" }
    )?;
    writeln!(out)?;
    if let Some(session) = &r.session {
        writeln!(out, "Session: {}", escape(&session.summary()))?;
        writeln!(out)?;
    }
    if r.is_untimed() {
        writeln!(out, "> **Untimed:** this run comes from a transcript with no recorded times. Batches and order are exact; durations are not shown and the sketch is laid out by order.")?;
        writeln!(out)?;
    }
    if let Some(b) = &r.scope_batch_id {
        writeln!(out, "> Restricted to batch {}.", escape(b))?;
        writeln!(out)?;
    }
    for d in &r.degradations {
        writeln!(
            out,
            "> **Degraded** ({}): {}",
            escape(&d.code),
            escape(&d.message)
        )?;
        writeln!(out)?;
    }
    write_batch_table(r, out)?;
    write_findings(r, out)?;
    write_sketch(r, out)?;
    write_why(r, out)
}

fn write_batch_table(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| Batch | Calls | Wall time | Sum of calls | Speed-up | Findings |"
    )?;
    writeln!(out, "| :-- | :-- | --: | --: | --: | :-- |")?;
    // Long runs keep the comment readable (and under code hosts' size limits): batches that
    // matter (suspects, findings) first, in run order, up to the cap.
    let matters = |id: &str| {
        r.suspects_to_show().iter().any(|s| s == id) || r.findings.iter().any(|f| f.batch_id == id)
    };
    let mut shown: Vec<&super::dto::BatchDto> = r
        .batches
        .iter()
        .filter(|b| matters(&b.batch_id))
        .take(MAX_TABLE_ROWS)
        .collect();
    let room = MAX_TABLE_ROWS.saturating_sub(shown.len());
    shown.extend(
        r.batches
            .iter()
            .filter(|b| !matters(&b.batch_id))
            .take(room),
    );
    let order: std::collections::HashMap<&str, usize> = r
        .batches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.batch_id.as_str(), i))
        .collect();
    shown.sort_by_key(|b| order.get(b.batch_id.as_str()).copied());
    let hidden = r.batches.len() - shown.len();
    for b in shown {
        let suspect = r.suspects_to_show().first() == Some(&b.batch_id);
        let id = format!(
            "{}{}",
            escape(&b.batch_id),
            if suspect { " (suspect)" } else { "" }
        );
        let names: Vec<String> = b
            .calls
            .iter()
            .map(|c| escape(&truncate(&c.tool, 40)))
            .collect();
        let calls = format!("{}: {}", b.calls.len(), truncate(&names.join(", "), 200));
        let mut sevs: Vec<Severity> = r
            .findings
            .iter()
            .filter(|f| f.batch_id == b.batch_id)
            .map(|f| f.severity)
            .collect();
        sevs.sort_by_key(|s| std::cmp::Reverse(*s));
        let findings = if sevs.is_empty() {
            "none".to_owned()
        } else {
            sevs.iter()
                .map(|s| format!("{} {s}", severity_mark(*s)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (wall, sum, speed) = if r.is_untimed() {
            ("untimed".into(), "untimed".into(), "–".into())
        } else {
            (
                units::duration_or_untimed(b.wall_nanos),
                units::duration_or_untimed(b.sum_nanos),
                fmt_speedup(b.speedup),
            )
        };
        writeln!(
            out,
            "| {id} | {calls} | {wall} | {sum} | {speed} | {findings} |"
        )?;
    }
    if hidden > 0 {
        writeln!(
            out,
            "| … | {hidden} more batches without findings; see the JSON export | | | | |"
        )?;
    }
    writeln!(out)
}

/// Rows of the batch table before the rest is summarized in one row.
pub const MAX_TABLE_ROWS: usize = 60;
/// Findings listed before the rest is summarized in one line.
pub const MAX_FINDINGS: usize = 40;

fn write_findings(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    if r.findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "#### Findings")?;
    writeln!(out)?;
    let mut fs: Vec<_> = r.findings.iter().collect();
    fs.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let more = fs.len().saturating_sub(MAX_FINDINGS);
    for f in fs.into_iter().take(MAX_FINDINGS) {
        writeln!(
            out,
            "- {} {}",
            severity_mark(f.severity),
            escape(&prose::finding_sentence(r, f))
        )?;
    }
    if more > 0 {
        writeln!(
            out,
            "- … and {more} more findings; see the JSON or SARIF export"
        )?;
    }
    writeln!(out)
}

const SKETCH_WIDTH: usize = 48;

/// The swimlane sketch: one row per track, `▒` model calls, `█` tool calls, `▓` calls in a finding.
pub fn sketch(r: &TraceReport) -> Vec<String> {
    let l = Layout::with(r, LaneMode::PerSibling);
    let conflicting: std::collections::HashSet<usize> = r
        .findings
        .iter()
        .flat_map(|f| f.call_indexes.iter().copied())
        .collect();
    let extent = l.extent.max(1);
    let col = |t: u64| ((t as u128 * SKETCH_WIDTH as u128) / extent as u128) as usize;
    let mut rows: Vec<(String, Vec<char>, Vec<String>)> = Vec::new();
    for t in 0..l.model_tracks {
        rows.push((
            if l.model_tracks == 1 {
                "model".into()
            } else {
                format!("model {}", t + 1)
            },
            vec![' '; SKETCH_WIDTH],
            Vec::new(),
        ));
    }
    for t in 0..l.tool_tracks {
        rows.push((
            format!("lane {}", t + 1),
            vec![' '; SKETCH_WIDTH],
            Vec::new(),
        ));
    }
    let mut paint = |row: usize, s: u64, e: u64, ch: char, label: Option<String>| {
        if let Some((_, cells, labels)) = rows.get_mut(row) {
            let a = col(s).min(SKETCH_WIDTH - 1);
            let b = col(e).clamp(a + 1, SKETCH_WIDTH);
            for c in cells.iter_mut().take(b).skip(a) {
                *c = ch;
            }
            labels.extend(label);
        }
    };
    for p in l.models.iter().flatten() {
        paint(p.track, p.start, p.end, '▒', None);
    }
    for c in r.calls() {
        if let Some(p) = l.call(c.index) {
            let hit = conflicting.contains(&c.index);
            let label = format!(
                "{}{}",
                truncate(&crate::sanitize::sanitize_line(&c.tool), 24),
                if hit { " ⚠" } else { "" }
            );
            paint(
                l.model_tracks + p.track,
                p.start,
                p.end,
                if hit { '▓' } else { '█' },
                Some(label),
            );
        }
    }
    let label_w = rows
        .iter()
        .map(|(n, _, _)| n.chars().count())
        .max()
        .unwrap_or(5);
    let mut lines = Vec::new();
    if l.untimed {
        lines.push(format!(
            "{:label_w$}  order → (untimed: positions are order, not time)",
            ""
        ));
    } else {
        let end = units::duration(l.extent);
        let pad = SKETCH_WIDTH.saturating_sub(2 + end.chars().count());
        lines.push(format!("{:label_w$}  0{}{end}", "", " ".repeat(pad + 1)));
    }
    for (name, cells, labels) in rows {
        let cells: String = cells.into_iter().collect();
        let labels = truncate(&labels.join(", "), 80);
        lines.push(
            format!("{name:label_w$} │{cells}│ {labels}")
                .trim_end()
                .to_owned(),
        );
    }
    lines.push(String::new());
    lines.push("▒ model call   █ tool call   ▓ tool call in a finding (⚠)".to_owned());
    lines
}

fn write_sketch(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    let lines = sketch(r);
    let longest_ticks = lines.iter().map(|l| max_run(l, '`')).max().unwrap_or(0);
    let fence = "`".repeat((longest_ticks + 1).max(3));
    writeln!(out, "#### Swimlanes")?;
    writeln!(out)?;
    writeln!(out, "{fence}text")?;
    for l in lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "{fence}")?;
    writeln!(out)
}

fn max_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        cur = if c == ch { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

fn write_why(r: &TraceReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "#### Why the answer")?;
    writeln!(out)?;
    if let Some(a) = &r.final_answer {
        writeln!(out, "> {}", escape(&truncate(&a.text, 400)))?;
        writeln!(out)?;
    }
    let steps = prose::why_sentences(r);
    if steps.is_empty() {
        writeln!(
            out,
            "fanout found no value of the answer that came from a tool result."
        )?;
    }
    for (i, s) in steps.iter().enumerate() {
        writeln!(out, "{}. {}", i + 1, escape(s))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "<sub>Generated by fanout · JSON schema version {}</sub>",
        super::SCHEMA_VERSION
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures;

    fn md(t: &crate::analysis::AnalyzedTrace) -> String {
        let mut buf = Vec::new();
        write(&TraceReport::from_analyzed(t), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn the_report_has_summary_table_findings_sketch_and_why() {
        let s = md(&fixtures::lost_update());
        assert!(s.contains("🔴 **1 finding**, worst observed · 1 batch (1 parallel) · suspect batch b1 · 400ms total, 38% in tools, fully sequential would take 535ms"), "{s}");
        let header = s
            .lines()
            .position(|l| l.starts_with("| Batch |"))
            .expect("table");
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[header + 1].starts_with("| :--"), "delimiter row");
        let cols = |l: &str| l.matches(" | ").count();
        assert_eq!(
            cols(lines[header]),
            cols(lines[header + 2]),
            "same column count"
        );
        assert!(
            lines[header + 2].contains(
                "b1 (suspect) | 2: deposit, withdraw | 150ms | 285ms | ×1.90 | 🔴 observed"
            ),
            "{}",
            lines[header + 2]
        );
        assert!(
            s.contains("- 🔴 Observed shared-state mutation on account:acc-1001 in batch b1"),
            "{s}"
        );
        assert!(
            s.contains("```text\n") && s.matches("```").count() == 2,
            "one fenced block: {s}"
        );
        assert!(
            s.contains("1. The answer contains the value \"70\"."),
            "{s}"
        );
        assert!(s.contains("withdraw (call\\_wd)"), "{s}");
    }

    #[test]
    fn the_sketch_puts_siblings_on_separate_rows_and_marks_conflicts() {
        let lines = sketch(&TraceReport::from_analyzed(&fixtures::lost_update()));
        let lane1 = lines.iter().find(|l| l.starts_with("lane 1")).unwrap();
        let lane2 = lines.iter().find(|l| l.starts_with("lane 2")).unwrap();
        assert!(
            lane1.contains('▓') && lane1.ends_with("deposit ⚠"),
            "{lane1}"
        );
        assert!(
            lane2.contains('▓') && lane2.ends_with("withdraw ⚠"),
            "{lane2}"
        );
        let model = lines.iter().find(|l| l.starts_with("model")).unwrap();
        assert!(model.contains('▒'));
        assert!(lines[0].trim_end().ends_with("400ms"), "{}", lines[0]);
    }

    #[test]
    fn untrusted_text_cannot_inject_markup() {
        let mut t = fixtures::lost_update();
        t.run.tool_calls[0].name = "x | ![img](http://e.vil/a.png) <script>`".into();
        let full = md(&t);
        // The sketch is a code block, where text is inert; check everything outside it.
        let (before, rest) = full.split_once("```text").unwrap();
        let after = rest.split_once("```").unwrap().1;
        let s = format!("{before}{after}");
        assert!(!s.contains("<script>") && !s.contains("![img]("), "{s}");
        assert!(s.contains("&lt;script&gt;"), "{s}");
        let row = s.lines().find(|l| l.starts_with("| b1")).unwrap();
        assert_eq!(
            row.matches(" | ").count(),
            5,
            "an escaped pipe does not add a column: {row}"
        );
        assert!(!s.contains('\u{1b}'));
    }

    #[test]
    fn mentions_and_bare_urls_stay_inert_in_a_gfm_comment() {
        let hostile =
            "ping @octocat and @acme/security, see https://e.vil/x|y or www.e.vil, mail a@b.io";
        let line = escape(hostile);
        assert!(
            line.contains("`@octocat`")
                && line.contains("`@acme/security,`")
                && line.contains("`https://e.vil/x`")
                && line.contains("`www.e.vil,`")
                && line.contains("a`@b.io`"),
            "{line}"
        );
        assert!(
            line.contains("\\|y"),
            "a pipe still cannot open a column: {line}"
        );
        // Outside code spans, no @ or URL is left for GitHub to act on.
        let outside: String = line.split('`').step_by(2).collect();
        assert!(
            !outside.contains('@') && !outside.contains("://") && !outside.contains("www."),
            "{outside}"
        );
        let mut t = fixtures::lost_update();
        t.run.tool_calls[0].name = hostile.into();
        let r = parse_gfm(&md(&t));
        assert_eq!(r.links_images_html, 0, "{r:?}");
    }

    #[test]
    fn untimed_runs_say_so_and_show_no_durations() {
        let s = md(&fixtures::untimed_transcript());
        assert!(s.contains("**Untimed:**"), "{s}");
        assert!(s.contains("order → (untimed"), "{s}");
        assert!(s.contains("| untimed | untimed | – |"), "{s}");
        assert!(
            !s.as_bytes()
                .windows(3)
                .any(|w| w[0].is_ascii_digit() && &w[1..] == b"ms"),
            "no invented durations: {s}"
        );
    }

    /// What a GFM renderer sees: table shape, code blocks, and any link, image or raw HTML.
    #[derive(Debug, Default)]
    struct Rendered {
        tables: Vec<(usize, usize)>,
        code_blocks: Vec<String>,
        links_images_html: usize,
    }

    fn parse_gfm(md: &str) -> Rendered {
        use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};
        let mut r = Rendered::default();
        let mut in_code: Option<String> = None;
        for ev in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            match ev {
                Event::Start(Tag::Table(cols)) => r.tables.push((cols.len(), 0)),
                Event::Start(Tag::TableRow) => {
                    if let Some(t) = r.tables.last_mut() {
                        t.1 += 1;
                    }
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                    in_code = Some(lang.to_string())
                }
                Event::Text(t) if in_code.is_some() => {
                    if let Some(c) = in_code.as_mut() {
                        c.push('\n');
                        c.push_str(&t);
                    }
                }
                Event::End(pulldown_cmark::TagEnd::CodeBlock) => {
                    r.code_blocks.extend(in_code.take())
                }
                // The footer's own `<sub>` tags are the only HTML fanout writes.
                Event::InlineHtml(h) if &*h == "<sub>" || &*h == "</sub>" => {}
                Event::Start(Tag::Link { .. } | Tag::Image { .. })
                | Event::Html(_)
                | Event::InlineHtml(_) => r.links_images_html += 1,
                _ => {}
            }
        }
        r
    }

    #[test]
    fn a_gfm_renderer_sees_one_table_one_sketch_and_no_injected_markup() {
        let mut t = fixtures::context_dependency();
        t.run.tool_calls[0].name =
            "a|b ![x](http://e.vil/x.png) [l](http://e.vil) <img src=x> ``` *em*".into();
        t.analysis.findings[0].explanation =
            "see <b>this</b> | and [that](javascript:alert(1))".into();
        let r = parse_gfm(&md(&t));
        assert_eq!(r.tables, vec![(6, 2)], "6 columns, 2 batch rows");
        assert_eq!(r.code_blocks.len(), 1, "{r:?}");
        assert!(
            r.code_blocks[0].starts_with("text\n") && r.code_blocks[0].contains("lane 2"),
            "{r:?}"
        );
        assert_eq!(r.links_images_html, 0, "{r:?}");
        for f in fixtures::all() {
            let r = parse_gfm(&md(&f));
            assert_eq!(r.tables.len(), 1);
            assert_eq!(r.tables[0].0, 6);
            assert_eq!(r.tables[0].1, f.run.batches.len());
            assert_eq!(r.code_blocks.len(), 1);
            assert_eq!(r.links_images_html, 0);
        }
    }

    #[test]
    fn markdown_snapshot_of_the_context_dependency_run() {
        insta::assert_snapshot!(md(&fixtures::context_dependency()));
    }
}
