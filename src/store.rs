//! The store: the only module that speaks SQL, with two backends behind one [`Store`]: a SQLite
//! file (the default, one machine) and a shared PostgreSQL database (`--db postgres://...`, see
//! [`pg`]). Callers never learn which one they have.
//!
//! Raw spans (everything the input carried) live in `spans`, `resources` and `scopes`; derived
//! tables (`runs`, `model_calls`, `batches`, `tool_calls`, `findings`) are rebuilt from them by
//! normalization and analysis and can be dropped at any time. A SQLite database is opened in WAL
//! mode so `ingest` can write while the TUI reads. A database written by a newer fanout is
//! refused, never modified.

mod codec;
mod derived;
pub mod migrations;
pub(crate) mod pg;
mod read;
mod snapshot;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use read::TraceSummary;
pub use snapshot::Summaries;
pub use write::{FileOutcome, FileTx};

/// Spans a PostgreSQL writer keeps to replay its input after PostgreSQL cancels it to end a
/// deadlock; a larger input then fails whole.
pub const PG_REPLAY_SPANS: usize = pg::file::JOURNAL_SPANS;

/// Store failures, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {}", pg::error_text(.0))]
    Postgres(#[from] postgres::Error),
    #[error("cannot connect to the PostgreSQL database {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the folder for the database {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the database was written by a newer fanout (schema version {found}; this build knows up to {supported}); \
         upgrade fanout or use another --db"
    )]
    TooNew { found: u32, supported: u32 },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("{} is not a fanout database (no fanout schema in it)", crate::sanitize::sanitize_line(&path.display().to_string()))]
    NotFanout { path: PathBuf },
    #[error(
        "PostgreSQL cancelled this write to end a deadlock with another writer ({reason}); the input is \
         larger than the {limit} spans fanout replays by itself, so nothing of it was stored: run it again"
    )]
    Deadlock { reason: String, limit: usize },
    #[error("cannot write the database {}: the disk is full (free some space and retry; nothing stored was changed)", crate::sanitize::sanitize_line(&path.display().to_string()))]
    DiskFull { path: PathBuf },
}

/// True when SQLite failed for lack of space (full disk, or no room for WAL's shared memory).
fn is_disk_full(e: &Error) -> bool {
    use rusqlite::ffi;
    let (Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
    | Error::Open {
        source: rusqlite::Error::SqliteFailure(f, _),
        ..
    }) = e
    else {
        return false;
    };
    f.code == rusqlite::ErrorCode::DiskFull
        || matches!(
            f.extended_code,
            ffi::SQLITE_IOERR_SHMSIZE | ffi::SQLITE_IOERR_SHMMAP | ffi::SQLITE_IOERR_WRITE
        )
}

/// How long a writer waits for another writer's transaction: writers queue rather than fail
/// with "database is locked" (each commits a file whole, which may take a while).
const WRITER_BUSY_TIMEOUT: Duration = Duration::from_secs(600);
/// Readers never wait for writers in WAL mode; this covers only checkpoint and recovery moments.
const READER_BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The reader cannot set up WAL's shared-memory file: the folder is read-only, or the disk is
/// full. Either way nobody can be writing, so the file can be read as it is.
fn is_cannot_open(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi;
    if let rusqlite::Error::SqliteFailure(f, _) = e {
        if matches!(
            f.extended_code,
            ffi::SQLITE_IOERR_SHMOPEN | ffi::SQLITE_IOERR_SHMSIZE | ffi::SQLITE_IOERR_SHMMAP
        ) {
            return true;
        }
    }
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
    )
}

/// `file:` URI opening `path` immutable (percent-encoding what URIs reserve).
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// How long opening keeps retrying when SQLite answers BUSY without waiting.
const OPEN_RETRY: Duration = Duration::from_secs(30);

/// Runs `f` again while SQLite answers BUSY, for up to [`OPEN_RETRY`]. Switching a new database
/// to WAL (and the first reads around it) answers BUSY at once, without calling the busy
/// handler, while another process is doing the same; two processes creating one database must
/// both succeed.
fn retry_busy<T>(mut f: impl FnMut() -> Result<T, Error>) -> Result<T, Error> {
    let start = std::time::Instant::now();
    loop {
        match f() {
            Err(Error::Sqlite(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && start.elapsed() < OPEN_RETRY =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// An open fanout database.
pub struct Store {
    backend: Backend,
    /// The file or URL, for opening more readers; `None` in memory.
    path: Option<PathBuf>,
}

/// The two implementations; every public method of [`Store`] answers the same for both.
enum Backend {
    Sqlite(Connection),
    Postgres(Box<pg::Pg>),
}

/// Whether `--db` names a PostgreSQL database (`postgres://` or `postgresql://` URL) rather than
/// a SQLite file.
pub fn is_url(db: &Path) -> bool {
    pg::is_url(db)
}

/// `--db` as people may see it: a path, or a URL without its password.
pub fn describe(db: &Path) -> String {
    match db.to_str().filter(|_| is_url(db)) {
        Some(url) => pg::redacted(url),
        None => crate::sanitize::sanitize_line(&db.display().to_string()).into_owned(),
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` (a SQLite file, or a `postgres://` URL)
    /// and migrates it to the latest schema.
    pub fn open(path: &Path) -> Result<Self, Error> {
        if let Some(url) = path.to_str().filter(|_| is_url(path)) {
            return Ok(Self {
                backend: Backend::Postgres(Box::new(pg::Pg::open(url, false)?)),
                path: Some(path.to_owned()),
            });
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| Error::Open {
            path: path.to_owned(),
            source,
        })?;
        let mut store = Self::setup(conn).map_err(|e| {
            if is_disk_full(&e) {
                Error::DiskFull {
                    path: path.to_owned(),
                }
            } else {
                e
            }
        })?;
        store.path = Some(path.to_owned());
        Ok(store)
    }

    /// Opens an existing database for reading only (no migration, no writes, no lock waited
    /// for: WAL readers see the last commit). Works on a read-only file, folder or filesystem,
    /// and on PostgreSQL with a session that refuses writes.
    pub fn open_read_only(path: &Path) -> Result<Self, Error> {
        if let Some(url) = path.to_str().filter(|_| is_url(path)) {
            return Ok(Self {
                backend: Backend::Postgres(Box::new(pg::Pg::open(url, true)?)),
                path: Some(path.to_owned()),
            });
        }
        let open_err = |source| Error::Open {
            path: path.to_owned(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        conn.busy_timeout(READER_BUSY_TIMEOUT)?;
        let (conn, found) = match migrations::version(&conn) {
            Ok(v) => (conn, v),
            // A WAL database in a folder this user cannot write, or on a full disk: SQLite
            // cannot create the shared-memory file, so read the file as it is (nobody can be
            // writing it there).
            Err(Error::Sqlite(e)) if is_cannot_open(&e) => {
                drop(conn);
                let uri = immutable_uri(path);
                let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
                    .map_err(open_err)?;
                let v = migrations::version(&conn)?;
                (conn, v)
            }
            Err(e) => return Err(e),
        };
        if found == 0 {
            return Err(Error::NotFanout {
                path: path.to_owned(),
            });
        }
        if found > migrations::LATEST {
            return Err(Error::TooNew {
                found,
                supported: migrations::LATEST,
            });
        }
        Ok(Self {
            backend: Backend::Sqlite(conn),
            path: Some(path.to_owned()),
        })
    }

    /// A private in-memory database (tests, one-shot audits).
    pub fn open_in_memory() -> Result<Self, Error> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self, Error> {
        conn.busy_timeout(WRITER_BUSY_TIMEOUT)?;
        // Refuse a newer schema before touching anything, including the journal mode.
        let found = retry_busy(|| migrations::version(&conn))?;
        if found > migrations::LATEST {
            return Err(Error::TooNew {
                found,
                supported: migrations::LATEST,
            });
        }
        retry_busy(|| {
            Ok(conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?)
        })?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -64_000)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        retry_busy(|| migrations::migrate(&mut conn))?;
        Ok(Self {
            backend: Backend::Sqlite(conn),
            path: None,
        })
    }

    /// The database file or URL, when it is one (not in memory): [`Store::open_read_only`] on
    /// it opens another reader.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database (each backend counts its own migrations).
    pub fn schema_version(&self) -> Result<u32, Error> {
        match &self.backend {
            Backend::Sqlite(conn) => migrations::version(conn),
            Backend::Postgres(pg) => pg.schema_version(),
        }
    }
}

/// `u64` nanoseconds to SQLite's signed integers (saturating; year 2262 is far).
pub(crate) fn to_sql_nanos(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn from_sql_nanos(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}
