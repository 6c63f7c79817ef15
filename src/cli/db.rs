//! Where the database and the catalog are, and opening them with messages a user can act on.

use std::path::PathBuf;

use anyhow::Context as _;

use super::Cli;
use crate::analysis::Catalog;
use crate::store::Store;

/// `--db`, else `$FANOUT_DB` (clap reads it into `--db`), else the per-user data folder.
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
    Store::open(&path).with_context(|| format!("opening {}", path.display()))
}

/// Opens the database for reading; a missing file is an error that says what to do.
pub fn open_existing(cli: &Cli) -> anyhow::Result<Store> {
    let path = db_path(cli)?;
    if !path.exists() {
        anyhow::bail!(
            "no database at {} yet: ingest traces first (`fanout ingest FILE`)",
            path.display()
        );
    }
    Store::open(&path).with_context(|| format!("opening {}", path.display()))
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
    Catalog::from_toml(&text).with_context(|| format!("catalog {}", path.display()))
}
