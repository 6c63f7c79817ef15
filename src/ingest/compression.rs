//! Transparent gzip decompression of input files.
//!
//! Owns: recognising gzip data (magic bytes `1f 8b`; a `.gz` name is only a hint), wrapping a
//! reader so it yields the decompressed bytes, and capping how much a file may expand to, so a
//! decompression bomb ends in an error naming the file instead of filling memory or disk.
//! It does not detect trace formats: callers run detection on the bytes this yields.

#[cfg(test)]
use std::borrow::Cow;
use std::io::{self, Read};
#[cfg(test)]
use std::path::Path;

use flate2::read::MultiGzDecoder;

#[cfg(test)]
use super::ReadError;

/// Default cap on the decompressed size of one input: generous (8 GiB), but present.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 8 << 30;

/// The two bytes every gzip member starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True when `head` starts with the gzip magic bytes.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&GZIP_MAGIC)
}

/// True when the file name ends in `.gz` (any case). A hint only: content decides.
#[cfg(test)]
pub fn has_gz_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// The file name without a trailing `.gz`, for format hints (`run.otlp.pb.gz` → `run.otlp.pb`).
pub fn strip_gz_suffix(name: &str) -> &str {
    let len = name.len();
    if len > 3 && name.is_char_boundary(len - 3) && name[len - 3..].eq_ignore_ascii_case(".gz") {
        &name[..len - 3]
    } else {
        name
    }
}

/// A reader that fails once more than `limit` bytes have come out of `inner`.
#[derive(Debug)]
pub struct CappedReader<R> {
    inner: R,
    limit: u64,
    produced: u64,
}

impl<R: Read> CappedReader<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            limit,
            produced: 0,
        }
    }
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.produced >= self.limit {
            // Probe one byte: reaching the cap exactly is fine, going past it is not.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(too_big(self.limit)),
            };
        }
        let room = usize::try_from(self.limit - self.produced).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.inner.read(&mut buf[..want])?;
        self.produced += n as u64;
        Ok(n)
    }
}

fn too_big(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "decompressed data exceeds the limit of {limit} bytes (possible decompression bomb)"
        ),
    )
}

/// Wraps `reader`: gzip data (by magic bytes) comes out decompressed and capped at `limit`
/// bytes; anything else comes out unchanged. Concatenated gzip members are read as one stream.
pub fn decompressing_reader<'a, R: Read + 'a>(
    mut reader: R,
    limit: u64,
) -> io::Result<Box<dyn Read + 'a>> {
    // Peek at the first bytes (a pipe may deliver them in separate reads), then put them back.
    let mut head = [0u8; GZIP_MAGIC.len()];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let whole = io::Cursor::new(head[..got].to_vec()).chain(reader);
    if is_gzip(&head[..got]) {
        Ok(Box::new(CappedReader::new(
            MultiGzDecoder::new(whole),
            limit,
        )))
    } else {
        Ok(Box::new(whole))
    }
}

/// Decompresses `bytes` when they are gzip data; otherwise borrows them unchanged.
/// Errors (corrupt data, over the cap) name `file`.
#[cfg(test)]
pub fn decompress_bytes<'a>(
    file: &str,
    bytes: &'a [u8],
    limit: u64,
) -> Result<Cow<'a, [u8]>, ReadError> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    CappedReader::new(MultiGzDecoder::new(bytes), limit)
        .read_to_end(&mut out)
        .map_err(|source| io_error(file, source))?;
    Ok(Cow::Owned(out))
}

/// Reads the file at `path` whole, decompressing gzip content, capped at `limit` bytes.
#[cfg(test)]
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = path.display().to_string();
    let handle = std::fs::File::open(path).map_err(|source| io_error(&file, source))?;
    let mut reader =
        decompressing_reader(handle, limit).map_err(|source| io_error(&file, source))?;
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .map_err(|source| io_error(&file, source))?;
    Ok(out)
}

#[cfg(test)]
fn io_error(file: &str, source: io::Error) -> ReadError {
    ReadError::Io {
        file: file.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_round_trips_and_plain_data_passes_through() {
        let data = b"{\"resourceSpans\":[]}\n".repeat(100);
        let packed = gzip(&data);
        assert!(is_gzip(&packed));
        assert_eq!(
            decompress_bytes("a.gz", &packed, DEFAULT_MAX_DECOMPRESSED)
                .unwrap()
                .as_ref(),
            &data[..]
        );
        assert!(matches!(
            decompress_bytes("a", &data, 10).unwrap(),
            Cow::Borrowed(_)
        ));

        let mut out = Vec::new();
        decompressing_reader(&packed[..], DEFAULT_MAX_DECOMPRESSED)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
        out.clear();
        decompressing_reader(&data[..], 1)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data, "plain data is not capped or altered");
    }

    /// Hands out one byte per read, like a slow pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn magic_bytes_split_across_reads_are_still_seen() {
        let packed = gzip(b"slow pipe");
        let mut out = Vec::new();
        decompressing_reader(Trickle(&packed), 100)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"slow pipe");
        out.clear();
        decompressing_reader(Trickle(b"x"), 100)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"x", "inputs shorter than the magic pass through");
    }

    #[test]
    fn concatenated_members_read_as_one_stream() {
        let mut packed = gzip(b"hello ");
        packed.extend(gzip(b"world"));
        assert_eq!(
            decompress_bytes("f", &packed, 100).unwrap().as_ref(),
            b"hello world"
        );
    }

    #[test]
    fn expansion_past_the_cap_is_an_error_naming_the_file() {
        let packed = gzip(&vec![0u8; 1 << 20]);
        let err = decompress_bytes("bomb.json.gz", &packed, 1000)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bomb.json.gz") && err.contains("exceeds the limit of 1000 bytes"),
            "{err}"
        );
        // Exactly at the cap is fine.
        assert_eq!(decompress_bytes("f", &gzip(b"12345"), 5).unwrap().len(), 5);
    }

    #[test]
    fn corrupt_gzip_is_an_error_naming_the_file() {
        let mut packed = gzip(b"some trace data that is long enough");
        packed.truncate(packed.len() / 2);
        let err = decompress_bytes("cut.gz", &packed, 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cut.gz: cannot read"), "{err}");
        let err = decompress_bytes("junk.gz", &[0x1f, 0x8b, 0, 1, 2], 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(err.contains("junk.gz"), "{err}");
    }

    #[test]
    fn file_names_hint_but_do_not_decide() {
        assert!(has_gz_extension(Path::new("x/run.otlp.pb.GZ")));
        assert!(!has_gz_extension(Path::new("x/run.otlp.pb")));
        assert_eq!(strip_gz_suffix("run.otlp.pb.gz"), "run.otlp.pb");
        assert_eq!(strip_gz_suffix(".gz"), ".gz");
        assert_eq!(strip_gz_suffix("run.jsonl"), "run.jsonl");
    }

    #[test]
    fn read_file_decompresses_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("named-plain.jsonl");
        std::fs::write(&path, gzip(b"line\n")).unwrap();
        assert_eq!(read_file(&path, 100).unwrap(), b"line\n");
        let missing = read_file(&dir.path().join("nope"), 100)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("nope"), "{missing}");
    }
}
