//! wip
use std::io::Write;
pub fn write(_r: &super::TraceReport, _o: &mut dyn Write) -> std::io::Result<()> { Ok(()) }
