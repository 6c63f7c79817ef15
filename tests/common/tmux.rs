//! Driving the real binary in tmux, as a person would: a server on a private socket (away from
//! the user's sessions), keys sent with `send-keys`, the screen read with `capture-pane`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Whether tmux is here to drive the test; without it the test says it skipped, except under
/// `CI=true`, where it fails (`.ci/run` installs tmux, so CI never skips these).
pub fn available(test: &str) -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: tmux is not installed, and CI must not skip: .ci/run installs it");
    }
    eprintln!("skipped: {test}: tmux is not installed (bash .ci/run installs it)");
    false
}

/// A tmux server running one command in a `width`×`height` window, killed on drop.
pub struct Tmux {
    socket: PathBuf,
    session: &'static str,
}

impl Tmux {
    pub fn start(dir: &Path, session: &'static str, size: (u16, u16), command: &str) -> Self {
        let t = Self {
            socket: dir.join("tmux.sock"),
            session,
        };
        let (w, h) = (size.0.to_string(), size.1.to_string());
        t.run(&[
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            &w,
            "-y",
            &h,
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

    pub fn keys(&self, keys: &str) {
        self.run(&["send-keys", "-t", self.session, keys]);
    }

    /// The screen once it contains `text` (or after 20 s, for the assertions to explain).
    pub fn screen_with(&self, text: &str) -> String {
        self.screen_until(|s| s.contains(text))
    }

    /// The screen once `done` holds of it (or after 20 s, for the assertions to explain).
    pub fn screen_until(&self, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.run(&["capture-pane", "-p", "-t", self.session]);
            if done(&s) || start.elapsed() > Duration::from_secs(20) {
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
