//! What the viewer hands to the terminal outside its own screen: a copy to the clipboard as an
//! OSC 52 escape (terminals and tmux with clipboard access put it on the system clipboard), and
//! a value opened in `$PAGER` with the viewer suspended meanwhile.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// Writes the OSC 52 sequence for `text` to the terminal.
pub fn copy(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

/// The pager command: `$PAGER` (split on spaces, e.g. `less -R`), else `less`.
pub fn pager_command(env: Option<&str>) -> Vec<String> {
    let words: Vec<String> = env
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        vec!["less".to_owned()]
    } else {
        words
    }
}

/// Suspends the viewer (input thread paused, normal screen, cooked mode), shows `text` in the
/// pager, and restores the viewer. The caller redraws the whole screen afterwards.
pub fn page(text: &str, input_paused: &AtomicBool) -> anyhow::Result<()> {
    input_paused.store(true, Ordering::SeqCst);
    // The input thread polls every 100 ms: let it see the pause before the pager reads keys.
    std::thread::sleep(Duration::from_millis(150));
    let mut out = std::io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen);
    let _ = disable_raw_mode();
    let cmd = pager_command(std::env::var("PAGER").ok().as_deref());
    let result = (|| -> anyhow::Result<()> {
        let mut child = std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot run pager '{}': {e}", cmd[0]))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A pager quit early closes its input: not an error.
            let _ = stdin.write_all(text.as_bytes());
        }
        child.wait()?;
        Ok(())
    })();
    let _ = enable_raw_mode();
    let _ = execute!(out, EnterAlternateScreen, EnableMouseCapture);
    input_paused.store(false, Ordering::SeqCst);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("call_1"), "\x1b]52;c;Y2FsbF8x\x07");
    }

    #[test]
    fn the_pager_is_pager_or_less() {
        assert_eq!(pager_command(Some("less -R")), ["less", "-R"]);
        assert_eq!(pager_command(Some("  ")), ["less"]);
        assert_eq!(pager_command(None), ["less"]);
    }
}
