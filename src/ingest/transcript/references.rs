//! Tool results must answer a call: a result whose call id no earlier model response emitted
//! (an unknown id, or a result placed before its call) is what the providers' APIs refuse, and
//! reading it silently would invent or misplace a tool execution. Each is reported with its
//! record and id.

use std::collections::HashSet;

use super::super::synth::Part;
use super::{Bad, Item, Turn};

/// The call ids model responses have emitted so far in one conversation.
#[derive(Debug, Default)]
pub(crate) struct CallIds {
    emitted: HashSet<String>,
}

impl CallIds {
    /// Vets the turns one record added (`turns[from..]`): learns the calls of its responses and
    /// refuses results for calls not emitted before. A refused result's turn is removed, so
    /// `--skip-invalid` keeps the rest of the conversation.
    pub fn vet(&mut self, item: &Item<'_>, turns: &mut Vec<Turn>, from: usize) -> Result<(), Bad> {
        let mut orphan: Option<String> = None;
        let mut i = from;
        while i < turns.len() {
            match &turns[i] {
                Turn::Response { message, .. } => {
                    for part in &message.parts {
                        if let Part::ToolCall { id: Some(id), .. } = part {
                            self.emitted.insert(id.clone());
                        }
                    }
                }
                Turn::ToolResult {
                    call_id: Some(id), ..
                } if !self.emitted.contains(id) => {
                    orphan.get_or_insert_with(|| id.clone());
                    turns.remove(i);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        match orphan {
            None => Ok(()),
            Some(id) => Err(Bad::new(
                item,
                "",
                format!(
                    "tool result for call id '{}', but no earlier model response made that call \
                     (a result must follow the call it answers)",
                    crate::sanitize::sanitize_line(&id)
                ),
            )),
        }
    }
}
