//! Following a growing OTLP/JSON Lines file (the Collector file exporter's output): complete
//! lines are read as they are appended and handed to the writer like received requests; when
//! the file is rotated (renamed away and a new one created under the same name) or truncated,
//! the rest of the old file is read and the new one is followed from its start.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::decode::{self, Encoding, Signal};
use super::writer::Handle;

/// How often the file is looked at when nothing new was found.
const POLL: Duration = Duration::from_millis(200);
/// Bytes read per look at most (a batch of lines for the writer).
const READ_CHUNK: usize = 4 * 1024 * 1024;

/// Follows `path` until `stop` is set; then reads what is left and returns. Problems with one
/// line are reported through `warn` and the line is skipped.
pub(crate) fn follow(
    path: &Path,
    writer: &Handle,
    stop: &AtomicBool,
    mut warn: impl FnMut(String),
) -> anyhow::Result<()> {
    let mut file = Followed::open_waiting(path, stop)?;
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let mut buf = vec![0u8; READ_CHUNK];
        let n = match file.as_mut() {
            Some(f) => f.file.read(&mut buf)?,
            None => 0,
        };
        if n > 0 {
            pending.extend_from_slice(&buf[..n]);
            // Only whole lines: the writer of the file may be in the middle of one.
            if let Some(end) = pending.iter().rposition(|b| *b == b'\n') {
                let rest = pending.split_off(end + 1);
                let lines = std::mem::replace(&mut pending, rest);
                submit(writer, lines, &mut warn);
            }
            continue;
        }
        // At the end of what is there: has the name moved on to a new file?
        let replaced = match (&mut file, std::fs::metadata(path)) {
            (Some(f), Ok(meta)) => f.replaced_by(&meta)?,
            (None, Ok(_)) => true,
            (_, Err(_)) => false,
        };
        if replaced {
            if !pending.is_empty() {
                // The old file ended without a newline: its last line is whole.
                let lines = std::mem::take(&mut pending);
                submit(writer, lines, &mut warn);
            }
            file = Followed::open(path).ok();
            continue;
        }
        if stopping {
            return Ok(());
        }
        std::thread::sleep(POLL);
    }
}

/// Decodes complete lines and waits until the writer committed them.
fn submit(writer: &Handle, lines: Vec<u8>, warn: &mut impl FnMut(String)) {
    if lines.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    let decoded = match decode::decode(Signal::Traces, Encoding::Json, lines) {
        Ok(d) => d,
        Err(e) => return warn(format!("{e:?}")),
    };
    if decoded.rejected > 0 {
        warn(format!(
            "{} record(s) skipped: {}",
            decoded.rejected, decoded.message
        ));
    }
    if decoded.spans.is_empty() && decoded.logs.is_empty() {
        return;
    }
    // A follower may wait for room in the queue: the file keeps what it has not read yet.
    match writer.submit_waiting(decoded.spans, decoded.logs) {
        Ok(answer) => {
            if let Ok(Err(e)) = answer.blocking_recv() {
                warn(e);
            }
        }
        Err(_) => warn("the receiver stopped before these lines were stored".into()),
    }
}

/// The open file and what identifies it, to notice rotation.
struct Followed {
    file: File,
    id: FileId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

fn file_id(meta: &std::fs::Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        FileId {}
    }
}

impl Followed {
    fn open(path: &Path) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let id = file_id(&file.metadata()?);
        Ok(Self { file, id })
    }

    /// Waits for the file to exist (a Collector may create it on its first export).
    fn open_waiting(path: &Path, stop: &AtomicBool) -> anyhow::Result<Option<Self>> {
        loop {
            match Self::open(path) {
                Ok(f) => return Ok(Some(f)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if stop.load(Ordering::Relaxed) {
                        return Ok(None);
                    }
                    std::thread::sleep(POLL);
                }
                Err(e) => anyhow::bail!("cannot follow {}: {e}", path.display()),
            }
        }
    }

    /// True when the name now points at another file, or this one was truncated (then it is
    /// read again from the start).
    fn replaced_by(&mut self, meta: &std::fs::Metadata) -> std::io::Result<bool> {
        if file_id(meta) != self.id {
            return Ok(true);
        }
        let pos = self.file.stream_position()?;
        if meta.len() < pos {
            self.file.seek(SeekFrom::Start(0))?;
        }
        Ok(false)
    }
}

/// A follower running on a thread of its own.
pub(crate) struct Follower {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<anyhow::Result<()>>,
}

impl Follower {
    pub fn spawn(
        path: PathBuf,
        writer: Handle,
        warn: Box<dyn FnMut(String) + Send>,
    ) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("fanout-follow".into())
            .spawn(move || follow(&path, &writer, &flag, warn))?;
        Ok(Self { stop, thread })
    }

    /// Reads what is left, then stops.
    pub fn finish(self) -> anyhow::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .join()
            .map_err(|_| anyhow::anyhow!("the file follower failed"))?
    }
}
