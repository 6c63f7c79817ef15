//! The PostgreSQL backend: a shared database several fanout processes on several machines write
//! into and read from at once. Connection settings come from the `postgres://` URL, gaps filled
//! from the usual `PG*` variables; migrations are its own (`pg/v*.sql`), applied in one
//! transaction under an advisory lock. Readers use a session that refuses writes and answer from
//! one `REPEATABLE READ` snapshot; writers insert with `ON CONFLICT DO NOTHING`, so concurrent
//! writers neither lose nor duplicate a span.
//!
//! Free text from traces is stored as `bytea` (UTF-8 bytes): PostgreSQL's `text` cannot hold the
//! NUL character that untrusted input may carry. JSON columns stay `text` (JSON escapes NUL).

mod derived;
pub(super) mod file;
mod read;
mod tls;
pub(super) mod write;

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};

pub use tls::{Mode as TlsMode, Settings as TlsSettings};

use super::Error;

/// Every step; step `i` takes the schema from version `i` to `i + 1`. Released steps are never
/// edited, only appended to.
const STEPS: &[&str] = &[
    include_str!("pg/v1_schema.sql"),
    include_str!("pg/v2_drop_unread.sql"),
];

/// The PostgreSQL schema version this build writes.
pub const LATEST: u32 = STEPS.len() as u32;

/// Key of the session-wide advisory lock held while migrating (`fanout` in ASCII).
const MIGRATION_LOCK: i64 = 0x66_61_6e_6f_75_74;

/// How long connecting may take before it is an error.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether `db` is a `postgres://` or `postgresql://` URL.
pub fn is_url(db: &Path) -> bool {
    db.to_str().is_some_and(|s| {
        let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
        lower.starts_with("postgres://") || lower.starts_with("postgresql://")
    })
}

/// The URL without its password (for messages and the terminal).
pub fn redacted(url: &str) -> String {
    let shown = match url.find("://") {
        Some(scheme_end) => {
            let rest = &url[scheme_end + 3..];
            let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => {
                    let userinfo = &rest[..at];
                    let user = userinfo.split(':').next().unwrap_or("");
                    let hidden = if userinfo.contains(':') { ":***" } else { "" };
                    format!("{}{user}{hidden}{}", &url[..scheme_end + 3], &rest[at..])
                }
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    };
    // Passwords may also come as a `password=` parameter.
    let shown = match shown.find("password=") {
        Some(i) => {
            let end = shown[i..].find('&').map_or(shown.len(), |e| i + e);
            format!("{}password=***{}", &shown[..i], &shown[end..])
        }
        None => shown,
    };
    crate::sanitize::sanitize_line(&shown).into_owned()
}

/// What a PostgreSQL error says, with the server's message when there is one (the client's own
/// display names only the kind of failure).
pub fn error_text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} ({})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(": ");
            text.push_str(detail);
        }
        return text;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// The connection settings: the URL's, gaps filled from `PGHOST`, `PGPORT`, `PGUSER`,
/// `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE` and `PGSSLROOTCERT` as libpq does; with what the
/// connection asks of TLS (see [`tls`]).
pub fn config(url: &str) -> Result<(Config, TlsSettings), Error> {
    let target = redacted(url);
    let connect_error = |reason: String| Error::Connect {
        target: target.clone(),
        reason,
    };
    let (plain_url, tls) = tls::split(url).map_err(connect_error)?;
    let mut config = Config::from_str(&plain_url).map_err(|e| connect_error(error_text(&e)))?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(h) if h.starts_with('/') => config.host_path(h),
            Some(h) => config.host(&h),
            None => config.host("localhost"),
        };
    }
    if config.get_ports().is_empty() {
        if let Some(port) = env("PGPORT") {
            let port = port.parse::<u16>().map_err(|_| {
                connect_error(format!(
                    "PGPORT={} is not a port number",
                    crate::sanitize::sanitize_line(&port)
                ))
            })?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".into());
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(p) = env("PGPASSWORD") {
            config.password(p);
        }
    }
    if config.get_dbname().is_none() {
        if let Some(d) = env("PGDATABASE") {
            config.dbname(&d);
        }
    }
    // As libpq: TLS is a matter of TCP; a Unix socket stays plain whatever `sslmode` says.
    let mut tls = tls;
    if config
        .get_hosts()
        .iter()
        .all(|h| !matches!(h, postgres::config::Host::Tcp(_)))
    {
        tls.mode = TlsMode::Disable;
    }
    config.ssl_mode(match tls.mode {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
    });
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("fanout");
    Ok((config, tls))
}

/// Connects with the TLS `tls` asks for.
fn connect(config: &Config, tls: &TlsSettings, target: &str) -> Result<Client, Error> {
    let connect_error = |reason: String| Error::Connect {
        target: target.to_owned(),
        reason,
    };
    let connected = match tls::connector(tls).map_err(connect_error)? {
        None => config.connect(NoTls),
        Some(connector) => config.connect(connector),
    };
    connected.map_err(|e| {
        let mut reason = error_text(&e);
        if tls.mode.verifies() && reason.contains("certificate") {
            reason.push_str(&format!(
                " (sslmode={} checks the server's certificate against {})",
                tls.mode.name(),
                crate::sanitize::sanitize_line(&tls::roots_named(tls))
            ));
        }
        connect_error(reason)
    })
}

/// An open PostgreSQL session. Queries need the client mutably while the store's readers take
/// `&self`: the store is owned by one thread, so a `RefCell` is enough.
pub struct Pg {
    client: RefCell<Client>,
    /// Inside [`Pg::begin_snapshot`] .. [`Pg::end_snapshot`].
    in_snapshot: Cell<bool>,
}

impl Pg {
    /// Connects; a writer migrates the schema, a reader only checks it (and its session refuses
    /// writes).
    pub fn open(url: &str, read_only: bool) -> Result<Self, Error> {
        let (config, tls) = config(url)?;
        let mut client = connect(&config, &tls, &redacted(url))?;
        let target = redacted(url);
        if read_only {
            client.batch_execute("SET default_transaction_read_only = on")?;
            let found = version(&mut client)?;
            if found == 0 {
                return Err(Error::Connect {
                    target,
                    reason: "it holds no fanout schema yet: ingest traces into it first \
                             (`fanout ingest FILE --db URL`)"
                        .into(),
                });
            }
            too_new(found)?;
        } else {
            too_new(version(&mut client)?)?;
            migrate(&mut client)?;
        }
        Ok(Self {
            client: RefCell::new(client),
            in_snapshot: Cell::new(false),
        })
    }

    pub fn schema_version(&self) -> Result<u32, Error> {
        version(&mut self.client.borrow_mut())
    }

    /// The client, for one statement or a short series of them.
    pub(super) fn client(&self) -> std::cell::RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    /// The client for a transaction of its own (writers hold `&mut Store`).
    pub(super) fn client_mut(&mut self) -> &mut Client {
        self.client.get_mut()
    }

    /// Starts a read-only snapshot; `false` when one is already open (the caller then ends
    /// nothing).
    pub(super) fn begin_snapshot(&self) -> Result<bool, Error> {
        if self.in_snapshot.get() {
            return Ok(false);
        }
        self.client()
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        self.in_snapshot.set(true);
        Ok(true)
    }

    /// Ends the snapshot started by [`Pg::begin_snapshot`] when `started`.
    pub(super) fn end_snapshot(&self, started: bool) -> Result<(), Error> {
        if started {
            self.in_snapshot.set(false);
            self.client().batch_execute("COMMIT")?;
        }
        Ok(())
    }

    /// Runs `f` inside one snapshot (joining the open one, if any). On error the snapshot is
    /// rolled back.
    pub(super) fn snapshot<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let started = self.begin_snapshot()?;
        match f() {
            Ok(v) => {
                self.end_snapshot(started)?;
                Ok(v)
            }
            Err(e) => {
                if started {
                    self.in_snapshot.set(false);
                    let _ = self.client().batch_execute("ROLLBACK");
                }
                Err(e)
            }
        }
    }
}

fn too_new(found: u32) -> Result<(), Error> {
    if found > LATEST {
        return Err(Error::TooNew {
            found,
            supported: LATEST,
        });
    }
    Ok(())
}

/// The schema version recorded in `fanout_schema`, 0 when there is none.
fn version(client: &mut Client) -> Result<u32, Error> {
    let exists: Option<String> = client
        .query_one("SELECT to_regclass('fanout_schema')::text", &[])?
        .get(0);
    if exists.is_none() {
        return Ok(0);
    }
    let v: Option<i32> = client
        .query_one("SELECT max(version) FROM fanout_schema", &[])?
        .get(0);
    Ok(v.map_or(0, |v| u32::try_from(v).unwrap_or(0)))
}

/// Brings the schema to [`LATEST`] in one transaction, under an advisory lock so that two
/// processes starting at once take turns (the second finds the work done).
fn migrate(client: &mut Client) -> Result<(), Error> {
    migrate_to(client, LATEST)
}

/// Applies steps up to `target` (tests use it).
pub fn migrate_to(client: &mut Client, target: u32) -> Result<(), Error> {
    if version(client)? >= target.min(LATEST) {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS fanout_schema (version INTEGER NOT NULL)")?;
    let current: Option<i32> = tx
        .query_one("SELECT max(version) FROM fanout_schema", &[])?
        .get(0);
    let current = current.map_or(0, |v| u32::try_from(v).unwrap_or(0));
    too_new(current)?;
    if current >= target {
        return Ok(());
    }
    for step in &STEPS[current as usize..target as usize] {
        tx.batch_execute(step)?;
    }
    tx.execute("DELETE FROM fanout_schema", &[])?;
    let v = i32::try_from(target).unwrap_or(i32::MAX);
    tx.execute("INSERT INTO fanout_schema (version) VALUES ($1)", &[&v])?;
    tx.commit()?;
    Ok(())
}

/// Text stored as `bytea` read back (lossy only for bytes that were never UTF-8).
fn text_of(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Integers PostgreSQL stores signed, read back into the model's unsigned fields.
fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}
