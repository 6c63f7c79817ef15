//! fanout: a terminal debugger for LLM-agent traces that exposes the hidden coupling parallel
//! tool calls reveal.
//!
//! Data flows one way: [`ingest`] (formats → raw spans) → [`store`] (SQLite, the only module that
//! speaks SQL) → [`normalize`] (spans → runs) and [`analysis`] (runs → findings), both pure → the
//! TUI, export and audit front ends.

pub mod analysis;
pub mod cli;
pub mod exit;
pub mod export;
pub mod ingest;
pub mod limits;
pub mod model;
pub mod normalize;
pub mod pipeline;
pub mod pull;
pub mod sanitize;
pub mod serve;
pub mod store;
#[cfg(test)]
mod testkit;
pub mod tui;
pub mod units;
