//! Where the database and the catalog are, and opening them with messages a user can act on.

use std::path::PathBuf;

use anyhow::Context as _;

use super::Cli;
use crate::analysis::Catalog;
use crate::store::Store;

/// `--db`, else `$FANOUT_DB` (clap reads it into `--db`), else the per-user data folder. A
/// `postgres://` URL stays as it is (the store tells the two apart).
pub fn db_path(cli: &Cli) -> anyhow::Result<PathBuf> {
    if let Some(p) = &cli.db {
        return Ok(p.clone());
    }
    let dirs = directories::ProjectDirs::from("", "", "fanout").context(
        "cannot find a home folder for the default database; pass --db PATH or set FANOUT_DB",
    )?;
    Ok(dirs.data_dir().join("fanout.db"))
}

/// Opens (creating) the database for writing.
pub fn open(cli: &Cli) -> anyhow::Result<Store> {
    let path = db_path(cli)?;
    Store::open(&path).with_context(|| format!("opening {}", shown(&path)))
}

/// Opens an existing database for reading only: nothing is created, migrated or written, and a
/// read-only file, folder or filesystem works. A missing or empty file is an error that says
/// what to do.
pub fn open_existing(cli: &Cli) -> anyhow::Result<Store> {
    let path = existing_path(cli)?;
    Store::open_read_only(&path).with_context(|| format!("opening {}", shown(&path)))
}

/// Opens an existing database for writing (`reindex`): like [`open_existing`], but read-write.
pub fn open_existing_for_writing(cli: &Cli) -> anyhow::Result<Store> {
    let path = existing_path(cli)?;
    Store::open(&path).with_context(|| format!("opening {}", shown(&path)))
}

fn existing_path(cli: &Cli) -> anyhow::Result<PathBuf> {
    let path = db_path(cli)?;
    if crate::store::is_url(&path) {
        // A PostgreSQL database: the store says itself when it holds no fanout schema.
        return Ok(path);
    }
    match std::fs::metadata(&path) {
        Err(_) => anyhow::bail!(
            "no database at {} yet: ingest traces first (`fanout ingest FILE`)",
            shown(&path)
        ),
        Ok(m) if m.is_dir() => anyhow::bail!("{} is a folder, not a database", shown(&path)),
        Ok(m) if m.len() == 0 => anyhow::bail!(
            "{} is an empty file, not a fanout database: ingest traces into it first (`fanout ingest FILE --db ...`)",
            shown(&path)
        ),
        Ok(_) => Ok(path),
    }
}

fn shown(path: &std::path::Path) -> String {
    crate::store::describe(path)
}

/// The tool catalog: `--catalog`, else `./fanout.toml` when present, else empty.
pub fn catalog(cli: &Cli) -> anyhow::Result<Catalog> {
    let path = match &cli.catalog {
        Some(p) => p.clone(),
        None => {
            let local = PathBuf::from("fanout.toml");
            if !local.exists() {
                return Ok(Catalog::default());
            }
            local
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading catalog {}", path.display()))?;
    let catalog =
        Catalog::from_toml(&text).with_context(|| format!("catalog {}", path.display()))?;
    for w in &catalog.warnings {
        eprintln!(
            "warning: catalog {}: {}",
            shown(&path),
            crate::sanitize::sanitize_line(w)
        );
    }
    Ok(catalog)
}
