//! Exit codes, one meaning each, documented in `fanout --help`.

use std::process::ExitCode;

/// What a command's outcome means to a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked (for `audit`: no finding at or above `--fail-on`).
    Success,
    /// `audit` found a finding at or above `--fail-on`.
    Findings,
    /// An error: bad input, bad arguments, an unreadable database.
    Error,
    /// Ingest stored what it could but skipped invalid records (`--skip-invalid`).
    Partial,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Findings => 1,
            Self::Error => 2,
            Self::Partial => 3,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}

/// The exit-code table shown at the end of `--help`.
pub const HELP: &str = "\
Exit codes:
  0  success (audit: no finding at or above --fail-on)
  1  audit found a finding at or above --fail-on
  2  error: bad input, bad arguments, unreadable database
  3  ingest stored the valid records but skipped invalid ones (--skip-invalid)";
