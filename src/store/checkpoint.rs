//! Checkpointing a busy SQLite database off the writer's thread: a receiver's writer appends to
//! the write-ahead log and answers exporters, while a thread of its own copies the log back into
//! the database file (SQLite would otherwise do that inside the writer's commits).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::{Backend, Error, Store};

/// How often the checkpointer looks at the log.
const EVERY: Duration = Duration::from_millis(100);
/// Log pages past which the writer checkpoints itself after all (the checkpointer fell behind):
/// 256 MiB of 4 KiB pages, so the log stays bounded whatever happens.
const WRITER_FALLBACK_PAGES: i64 = 65_536;

/// The running checkpointer; [`Checkpointer::stop`] (or dropping it) ends it after a last
/// checkpoint.
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
    join: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Stops the thread after one last checkpoint.
    pub fn stop(self) {}
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(join) = self.join.take() {
            let _ = join.join();
        }
    }
}

impl Store {
    /// Moves checkpointing of a SQLite file database to a thread of its own (passive
    /// checkpoints, which never block the writer or readers); the writer keeps checkpointing
    /// itself only if the log grows past [`WRITER_FALLBACK_PAGES`]. `None` for other stores,
    /// which need nothing of the kind.
    pub fn checkpoint_in_background(&self) -> Result<Option<Checkpointer>, Error> {
        let (Backend::Sqlite(conn), Some(path)) = (&self.backend, self.path()) else {
            return Ok(None);
        };
        let own = Connection::open(path)?;
        own.busy_timeout(Duration::from_millis(50))?;
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_FALLBACK_PAGES)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let join = std::thread::Builder::new()
            .name("fanout-checkpoint".into())
            .spawn(move || run(&own, &flag))
            .map_err(|e| Error::Corrupt(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Some(Checkpointer {
            stop,
            join: Some(join),
        }))
    }
}

fn run(conn: &Connection, stop: &AtomicBool) {
    loop {
        let last = stop.load(Ordering::Relaxed);
        // A busy or failed passive checkpoint is retried on the next round; the writer's own
        // fallback bounds the log meanwhile.
        let _ = checkpoint(conn);
        if last {
            return;
        }
        std::thread::sleep(EVERY);
    }
}

fn checkpoint(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_len(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    #[test]
    fn the_log_is_copied_back_by_the_checkpointer_not_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        let mut store = Store::open(&db).unwrap();
        let checkpointer = store
            .checkpoint_in_background()
            .unwrap()
            .expect("a file database");
        let Backend::Sqlite(conn) = &mut store.backend else {
            unreachable!()
        };
        let pages: i64 = conn
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(pages, WRITER_FALLBACK_PAGES);
        let before = file_len(&db);
        // 8 MB through the log: far below the writer's fallback, so only the checkpointer
        // can have copied it into the database file.
        conn.execute_batch(
            "CREATE TABLE t (x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 \
             FROM n WHERE i < 2000) INSERT INTO t SELECT randomblob(4000) FROM n;",
        )
        .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_len(&db) < before + 8_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file never received the log ({} bytes)",
                file_len(&db)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        checkpointer.stop();
    }

    #[test]
    fn in_memory_stores_need_no_checkpointer() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.checkpoint_in_background().unwrap().is_none());
    }
}
