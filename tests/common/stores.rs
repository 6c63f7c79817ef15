//! The stores a storage test runs on: a SQLite file in a temporary folder, and a fresh database
//! on a real PostgreSQL server (`pg`), shared by the tests of one binary that run at the same
//! time and stopped when the last of them is done. Without PostgreSQL binaries the PostgreSQL
//! round says SKIPPED, except under `CI=true`, where it fails (see `pg::PgServer::start`).
//!
//! A test calls [`each_store`] and writes its body once; what it needs to check beneath the
//! store (a count, a whole-database dump, a change made behind fanout's back) goes through
//! [`TestDb`], which speaks each backend's SQL.

use std::path::Path;
use std::sync::{Arc, Mutex, Weak};

use super::pg::PgServer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One empty database of one backend, gone when dropped.
pub struct TestDb {
    pub backend: Backend,
    /// The `--db` value: a file path or a `postgres://` URL.
    pub db: String,
    /// A scratch folder for the test's own files.
    pub dir: tempfile::TempDir,
    _server: Option<Arc<PgServer>>,
}

/// The server the running tests share, started by the first that needs it.
fn shared_server(test: &str) -> Option<Arc<PgServer>> {
    static SERVER: Mutex<Weak<PgServer>> = Mutex::new(Weak::new());
    let mut slot = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(server) = slot.upgrade() {
        return Some(server);
    }
    let server = Arc::new(PgServer::start(test)?);
    *slot = Arc::downgrade(&server);
    Some(server)
}

/// Runs `body` on a fresh SQLite database, then on a fresh PostgreSQL one (when a server can be
/// started; see the module's note), naming the backend if it panics.
pub fn each_store(test: &str, body: impl Fn(&TestDb)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(test, backend) else {
            continue;
        };
        eprintln!("{test}: on {backend:?}");
        body(&db);
    }
}

impl TestDb {
    /// A fresh database (`None`: PostgreSQL cannot be started here, and the test said so).
    pub fn new(test: &str, backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        Some(match backend {
            Backend::Sqlite => TestDb {
                backend,
                db: dir.path().join("f.db").display().to_string(),
                dir,
                _server: None,
            },
            Backend::Postgres => {
                let server = shared_server(test)?;
                TestDb {
                    backend,
                    db: server.new_database(),
                    dir,
                    _server: Some(server),
                }
            }
        })
    }

    /// The `--db` value as a path (what `Store::open` takes).
    pub fn path(&self) -> &Path {
        Path::new(&self.db)
    }

    pub fn open(&self) -> fanout::store::Store {
        fanout::store::Store::open(self.path()).unwrap()
    }

    pub fn open_read_only(&self) -> fanout::store::Store {
        fanout::store::Store::open_read_only(self.path()).unwrap()
    }

    /// Runs `fanout ARGS --db DB` with HOME inside the scratch folder.
    pub fn fanout(&self, args: &[&str]) -> std::process::Output {
        super::fanout_in(self.dir.path(), Some(self.path()), args)
    }

    /// Runs statements behind fanout's back.
    pub fn exec(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => rusqlite::Connection::open(&self.db)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Backend::Postgres => PgServer::client(&self.db).batch_execute(sql).unwrap(),
        }
    }

    /// The one integer `sql` answers.
    pub fn count(&self, sql: &str) -> i64 {
        match self.backend {
            Backend::Sqlite => rusqlite::Connection::open(&self.db)
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Backend::Postgres => PgServer::client(&self.db)
                .query_one(sql, &[])
                .unwrap()
                .get(0),
        }
    }

    /// Every row of every table as text, sorted, to compare whole databases.
    pub fn dump(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.backend {
            Backend::Sqlite => {
                let conn = rusqlite::Connection::open(&self.db).unwrap();
                let tables: Vec<String> = conn
                    .prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                for t in tables {
                    let mut stmt = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
                    let n = stmt.column_count();
                    let rows = stmt
                        .query_map([], |r| {
                            Ok((0..n)
                                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                                .collect::<Vec<_>>()
                                .join("|"))
                        })
                        .unwrap();
                    out.extend(rows.map(|r| format!("{t}: {}", r.unwrap())));
                }
            }
            Backend::Postgres => {
                let mut client = PgServer::client(&self.db);
                let tables: Vec<String> = client
                    .query(
                        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
                        &[],
                    )
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                for t in tables {
                    for row in client
                        .query(&format!("SELECT r::text FROM {t} r"), &[])
                        .unwrap()
                    {
                        out.push(format!("{t}: {}", row.get::<_, String>(0)));
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Leaves what a writer's commit leaves before the analysis: no derived rows, every trace
    /// stale (SQLite lists stale traces in a table; PostgreSQL finds them by their missing runs).
    pub fn unanalyse(&self) {
        match self.backend {
            Backend::Sqlite => self.exec(
                "DELETE FROM findings; DELETE FROM runs; \
                 INSERT OR IGNORE INTO stale_traces (trace_id) SELECT DISTINCT trace_id FROM spans;",
            ),
            Backend::Postgres => self.exec("DELETE FROM findings; DELETE FROM runs;"),
        }
    }

    /// Records a schema version newer than this build's, as a newer fanout would.
    pub fn mark_schema_version(&self, version: u32) {
        match self.backend {
            Backend::Sqlite => self.exec(&format!("PRAGMA user_version = {version}")),
            Backend::Postgres => {
                self.exec(&format!("UPDATE fanout_schema SET version = {version}"))
            }
        }
    }

    /// Spoils one stored span's attributes of the trace `trace_id` (hex) so they no longer
    /// decode.
    pub fn damage_one_span(&self, trace_id: &str) {
        match self.backend {
            Backend::Sqlite => self.exec(&format!(
                "UPDATE spans SET attributes = x'01ffffffff' WHERE rowid = \
                 (SELECT rowid FROM spans WHERE trace_id = x'{trace_id}' LIMIT 1)"
            )),
            Backend::Postgres => self.exec(&format!(
                "UPDATE spans SET attributes = '\\x01ffffffff'::bytea WHERE ctid = \
                 (SELECT ctid FROM spans WHERE trace_id = '\\x{trace_id}'::bytea LIMIT 1)"
            )),
        }
    }
}
