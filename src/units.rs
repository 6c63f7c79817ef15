//! How numbers about time are shown to people, once for every front end: durations
//! (`850µs`, `9.4ms`, `142ms`, `1.25s`, `3m05s`), offsets from the run's time origin (`+844ms`),
//! and that origin itself (the start of the run's first model or tool call).

use crate::model::Run;

const US: u64 = 1_000;
const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

/// A duration, rounded to about three significant digits: `0`, `320ns`, `850µs`, `9.4ms`, `142ms`,
/// `1.25s`, `12.5s`, `3m05s`, `2h05m`.
pub fn duration(n: u64) -> String {
    if n == 0 {
        // The origin of an axis and an empty span read as a plain zero.
        "0".to_owned()
    } else if n < US {
        format!("{n}ns")
    } else if n < MS - US / 2 {
        format!("{}µs", round(n, US))
    } else if n < 10 * MS - MS / 20 {
        tenths(round(n, MS / 10), "ms")
    } else if n < S - MS / 2 {
        format!("{}ms", round(n, MS))
    } else if n < 10 * S - S / 200 {
        let c = round(n, S / 100);
        format!("{}.{:02}s", c / 100, c % 100)
    } else if n < 60 * S - S / 20 {
        tenths(round(n, S / 10), "s")
    } else {
        let secs = round(n, S);
        if secs < 3600 {
            format!("{}m{:02}s", secs / 60, secs % 60)
        } else {
            let mins = (secs + 30) / 60;
            format!("{}h{:02}m", mins / 60, mins % 60)
        }
    }
}

/// A duration, or `untimed` when the source recorded none.
pub fn duration_or_untimed(n: Option<u64>) -> String {
    n.map_or_else(|| "untimed".to_owned(), duration)
}

/// A point in time relative to `origin`: `+844ms`, or `-2.0ms` before it.
pub fn offset(t: u64, origin: u64) -> String {
    if t >= origin {
        format!("+{}", duration(t - origin))
    } else {
        format!("-{}", duration(origin - t))
    }
}

/// The run's time origin: the earliest recorded start of a model call or tool call. Every
/// offset the viewer, the CLI and the exports print is measured from it.
pub fn origin(run: &Run) -> Option<u64> {
    run.model_calls
        .iter()
        .map(|m| m.start_unix_nano)
        .chain(run.tool_calls.iter().map(|c| c.start_unix_nano))
        .flatten()
        .min()
}

fn round(n: u64, unit: u64) -> u64 {
    n.saturating_add(unit / 2) / unit
}

fn tenths(t: u64, unit: &str) -> String {
    format!("{}.{}{unit}", t / 10, t % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_to_three_digits() {
        assert_eq!(duration(0), "0");
        assert_eq!(duration(999), "999ns");
        assert_eq!(duration(850_400), "850µs");
        assert_eq!(duration(999_600), "1.0ms");
        assert_eq!(duration(5_500_000), "5.5ms");
        assert_eq!(duration(9_960_000), "10ms");
        assert_eq!(duration(141_600_000), "142ms");
        assert_eq!(duration(140_000_000), "140ms");
        assert_eq!(duration(999_700_000), "1.00s");
        assert_eq!(duration(1_250_000_000), "1.25s");
        assert_eq!(duration(2_900_000_000), "2.90s");
        assert_eq!(duration(12_540_000_000), "12.5s");
        assert_eq!(duration(59_990_000_000), "1m00s");
        assert_eq!(duration(185_000_000_000), "3m05s");
        assert_eq!(duration(7_500_000_000_000), "2h05m");
        assert!(!duration(u64::MAX).is_empty());
    }

    #[test]
    fn offsets_are_signed_and_untimed_is_named() {
        assert_eq!(offset(1_844_000_000, 1_000_000_000), "+844ms");
        assert_eq!(offset(998_000_000, 1_000_000_000), "-2.0ms");
        assert_eq!(duration_or_untimed(None), "untimed");
    }
}
