//! Where command output goes: stdout (buffered, a closed pipe is not an error) or a file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::Context as _;

/// A buffered writer on stdout or on `path`.
pub fn open(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) if p != Path::new("-") => {
            let f = File::create(p).with_context(|| {
                format!(
                    "cannot create {}",
                    crate::sanitize::sanitize_line(&p.display().to_string())
                )
            })?;
            Box::new(BufWriter::new(f))
        }
        _ => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

/// Whether an error is a closed pipe (`fanout list | head`): the reader has what it wanted.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
