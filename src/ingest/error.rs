//! Ingest errors: each names the file, where in it (line or byte offset), and the field.

use std::fmt;

/// Where in an input a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a line-oriented file.
    Line(usize),
    /// Byte offset into a binary file.
    Offset(u64),
    /// The whole input (empty file, undetectable format).
    Whole,
}

/// One bad record: file, location, field path and what is wrong. Never a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    pub file: String,
    pub location: Location,
    /// Dotted path of the offending field, e.g. `resourceSpans[0].scopeSpans[1].spans[3].spanId`.
    pub field: Option<String>,
    pub message: String,
}

impl IngestError {
    pub fn new(
        file: &str,
        location: Location,
        field: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            location,
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        match self.location {
            Location::Line(n) => write!(f, ":{n}")?,
            Location::Offset(o) => write!(f, " at byte {o}")?,
            Location::Whole => {}
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for IngestError {}
