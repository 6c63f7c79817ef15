//! `y` and `o`: what the selection hands to the clipboard or the pager. The terminal work itself
//! happens in the loop (`Effect::Copy`, `Effect::Page`); this decides the text and says so.

use super::super::action::Effect;
use super::super::app::{App, Level, Screen};
use super::super::sanitize;
use super::super::trace_model::Item;

/// `y`: the selected trace's id in the list, the selected call's id, batch id or the answer in a
/// trace, both ids in a comparison.
pub(super) fn copy(app: &mut App) -> Vec<Effect> {
    let text = match app.screen {
        Screen::List => app
            .list
            .selected_entry()
            .map(|e| e.summary.trace_id.to_hex()),
        Screen::Diff => app
            .diff
            .as_ref()
            .map(|d| format!("{} {}", d.a.to_hex(), d.b.to_hex())),
        Screen::Trace => app.trace.as_ref().map(|t| {
            let run = t.model.run();
            match t.selected {
                Item::Call(c) => run
                    .tool_calls
                    .get(c)
                    .map_or_else(String::new, |c| c.display_id()),
                Item::Batch(b) => run
                    .batches
                    .get(b)
                    .map_or_else(String::new, |b| b.id.clone()),
                Item::Answer => run
                    .final_answer
                    .as_ref()
                    .map_or_else(String::new, |a| a.text.clone()),
                Item::Model(_) => run.trace_id.to_hex(),
            }
        }),
    };
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        app.notify(Level::Warn, "nothing selected to copy".to_owned());
        return vec![];
    };
    // OSC 52 needs terminal support; the message shows the value too, to copy by hand.
    app.notify(
        Level::Info,
        format!(
            "copied to the clipboard (OSC 52): {}",
            sanitize::short(&text, 60)
        ),
    );
    vec![Effect::Copy(text)]
}

/// `o`: the selected call's arguments, result and error as pretty JSON; anything else as the
/// inspector shows it.
pub(super) fn page(app: &mut App) -> Vec<Effect> {
    let Some(t) = app.trace.as_ref().filter(|_| app.screen == Screen::Trace) else {
        return vec![];
    };
    let text = match t.selected {
        Item::Call(c) => t.model.run().tool_calls.get(c).map(|c| {
            let v = serde_json::json!({
                "tool": c.name,
                "call_id": c.call_id,
                "arguments": c.arguments,
                "result": c.result,
                "error": c.error,
            });
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }),
        _ => None,
    }
    .unwrap_or_else(|| {
        t.inspector
            .lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    });
    vec![Effect::Page(text)]
}
