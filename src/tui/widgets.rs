//! Reusable drawing pieces: the swimlane bars of one timeline row and the time scale above them
//! ([`swimlane`]), and the status line ([`status_line`]). Widgets take already-computed state and
//! the theme; they never compute layout beyond mapping axis positions onto cells.

pub mod status_line;
pub mod swimlane;
