//! Reading records under [`crate::limits::MAX_RECORD_BYTES`]: one line, or the rest of an input,
//! is buffered only up to the limit, and a longer one is refused before more memory is taken.

use std::io::{BufRead, Read};

use super::{IngestError, Location, ReadError};
use crate::limits::MAX_RECORD_BYTES;

/// Appends the next line (with its `\n`) to `buf`; `Ok(0)` at the end of input. A line longer
/// than the limit is an error naming line `line_no`.
pub fn read_line(
    file: &str,
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    line_no: usize,
) -> Result<usize, ReadError> {
    read_line_limited(file, reader, buf, line_no, MAX_RECORD_BYTES)
}

pub(crate) fn read_line_limited(
    file: &str,
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    line_no: usize,
    limit: u64,
) -> Result<usize, ReadError> {
    let before = buf.len();
    let n = reader
        .take(limit + 1)
        .read_until(b'\n', buf)
        .map_err(|source| io(file, source))?;
    if n as u64 > limit {
        buf.truncate(before);
        return Err(
            IngestError::new(file, Location::Line(line_no), None, too_long("line", limit)).into(),
        );
    }
    Ok(n)
}

/// Appends the rest of the input to `buf`, which must stay within the limit in total.
/// `what` says what is being read whole ("document", "protobuf input", ...).
pub fn read_rest(
    file: &str,
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    what: &str,
) -> Result<(), ReadError> {
    read_rest_limited(file, reader, buf, what, MAX_RECORD_BYTES)
}

pub(crate) fn read_rest_limited(
    file: &str,
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    what: &str,
    limit: u64,
) -> Result<(), ReadError> {
    let room = limit.saturating_sub(buf.len() as u64);
    reader
        .take(room + 1)
        .read_to_end(buf)
        .map_err(|source| io(file, source))?;
    if buf.len() as u64 > limit {
        buf.clear();
        buf.shrink_to_fit();
        return Err(IngestError::new(file, Location::Whole, None, too_long(what, limit)).into());
    }
    Ok(())
}

fn too_long(what: &str, limit: u64) -> String {
    format!(
        "this {what} is larger than {} MiB, the most fanout reads into memory at once \
         (one record of JSON Lines, one whole document or protobuf input); split the input",
        limit >> 20
    )
}

fn io(file: &str, source: std::io::Error) -> ReadError {
    ReadError::Io {
        file: file.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_rests_within_the_limit_read_and_longer_ones_are_refused() {
        let mut r = std::io::Cursor::new(b"abc\ndefghij\nxy".to_vec());
        let mut buf = Vec::new();
        assert_eq!(read_line_limited("f", &mut r, &mut buf, 1, 4).unwrap(), 4);
        assert_eq!(buf, b"abc\n");
        buf.clear();
        let err = read_line_limited("f", &mut r, &mut buf, 2, 4)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f:2:") && err.contains("larger than"),
            "{err}"
        );
        assert!(buf.is_empty());

        let mut r = std::io::Cursor::new(b"12345".to_vec());
        let mut buf = b"ab".to_vec();
        read_rest_limited("f", &mut r, &mut buf, "document", 7).unwrap();
        assert_eq!(buf, b"ab12345");
        let mut r = std::io::Cursor::new(b"123456".to_vec());
        let mut buf = b"ab".to_vec();
        let err = read_rest_limited("f", &mut r, &mut buf, "document", 7)
            .unwrap_err()
            .to_string();
        assert!(err.contains("this document is larger"), "{err}");
    }
}
