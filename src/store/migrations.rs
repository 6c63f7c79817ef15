//! Schema migrations, keyed by SQLite's `PRAGMA user_version`. Steps are applied in order, in one
//! transaction; a released step is never edited or reordered, only appended to.

use rusqlite::Connection;

use super::Error;

/// Every step; step `i` takes the schema from version `i` to `i + 1`.
const STEPS: &[&str] = &[
    include_str!("v1_raw.sql"),
    include_str!("v2_derived.sql"),
    include_str!("v3_logs.sql"),
    include_str!("v4_trace_sources.sql"),
    include_str!("v5_drop_unread.sql"),
    include_str!("v6_trace_list.sql"),
];

/// The schema version this build writes.
pub const LATEST: u32 = STEPS.len() as u32;

/// The database's schema version.
pub fn version(conn: &Connection) -> Result<u32, Error> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0))?)
}

/// Brings the schema up to [`LATEST`]; refuses a database written by a newer fanout.
pub fn migrate(conn: &mut Connection) -> Result<(), Error> {
    migrate_to(conn, LATEST)
}

/// Applies steps up to `target` (tests use it to build old databases).
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), Error> {
    if version(conn)? >= target.min(LATEST) {
        return too_new_or_ok(conn);
    }
    // Read and apply the version inside one write transaction taken up front, so two
    // processes opening a new database at once take turns instead of both migrating.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current = version(&tx)?;
    if current > LATEST {
        return Err(Error::TooNew {
            found: current,
            supported: LATEST,
        });
    }
    if current >= target {
        return Ok(());
    }
    for step in &STEPS[current as usize..target as usize] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}

fn too_new_or_ok(conn: &Connection) -> Result<(), Error> {
    let current = version(conn)?;
    if current > LATEST {
        return Err(Error::TooNew {
            found: current,
            supported: LATEST,
        });
    }
    Ok(())
}
