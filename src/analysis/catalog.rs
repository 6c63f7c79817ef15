//! The user's tool catalog (`fanout.toml`): per tool, its access mode and resource templates.
//! Parsed from text here; reading the file is the caller's job.

use serde::{Deserialize, Serialize};

/// Declared tools. Empty by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {}
