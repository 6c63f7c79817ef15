//! End to end, as a person uses it: the real binary runs in tmux on the lost-update sample, the
//! test presses `a` (the final answer) then `b` (step back toward its batch) and reads the screen
//! with `tmux capture-pane`. Skips, saying so, when tmux is not installed (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server on a private socket (away from the user's sessions), killed on drop.
struct Tmux {
    socket: PathBuf,
    session: &'static str,
}

impl Tmux {
    fn start(dir: &Path, command: &str) -> Self {
        let t = Self {
            socket: dir.join("tmux.sock"),
            session: "fanout-e2e",
        };
        t.run(&[
            "new-session",
            "-d",
            "-s",
            t.session,
            "-x",
            "120",
            "-y",
            "36",
            command,
        ]);
        t
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        self.run(&["send-keys", "-t", self.session, keys]);
    }

    /// The screen once it contains `text`, or after 15 s, whichever comes first.
    fn screen_with(&self, text: &str) -> String {
        self.screen_until(|s| s.contains(text))
    }

    /// The screen once `done` holds of it (or after 15 s, for the assertions to explain).
    fn screen_until(&self, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.run(&["capture-pane", "-p", "-t", self.session]);
            if done(&s) || start.elapsed() > Duration::from_secs(15) {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn answer_then_step_back_shows_the_batch_with_both_conflicting_calls_and_the_resource() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed (bash .ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sample =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-traces/lost_update.otlp.json");
    let command = format!(
        "env NO_COLOR=1 TERM=xterm-256color '{}' --db '{}' '{}'; sleep 30",
        env!("CARGO_BIN_EXE_fanout"),
        dir.path().join("e2e.db").display(),
        sample.display()
    );
    let tmux = Tmux::start(dir.path(), &command);
    let opened = tmux.screen_with("timeline");
    assert!(
        opened.contains("deposit"),
        "the trace did not open:\n{opened}"
    );

    tmux.keys("a");
    // The timeline lists the final answer from the start: wait for what only `a` shows.
    tmux.screen_with("press b to step back");
    tmux.keys("b");
    let why = tmux.screen_until(|s| {
        s.contains("why · step")
            && s.lines()
                .any(|l| l.contains("account:acc-1001") && l.matches("RW").count() == 2)
    });
    // The why view (not just the answer's inspector) is open, stepped back to the batch: both
    // conflicting siblings, the resource they share with each one's R/W mark, and the finding.
    assert!(
        why.contains("why · step"),
        "the why view did not open:\n{why}"
    );
    assert!(why.contains("batch b1"), "no batch on screen:\n{why}");
    let matrix_row = why
        .lines()
        .find(|l| l.contains("account:acc-1001") && l.contains("RW"));
    assert!(
        matrix_row.is_some_and(|l| l.matches("RW").count() == 2),
        "both calls must mark the account RW:\n{why}"
    );
    assert!(
        why.contains("call_kR7pW2nX") && why.contains("call_Zf4Gm8Qa"),
        "both deposits must show:\n{why}"
    );
    assert!(
        why.contains("account:acc-1001"),
        "the shared resource must show:\n{why}"
    );
    assert!(
        why.contains("lost update"),
        "the finding must be named in words:\n{why}"
    );
    tmux.keys("q");
}
