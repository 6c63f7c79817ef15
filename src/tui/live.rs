//! The viewer's live feed (`--listen`, `--follow`): runs the receiver (or file follower) of
//! [`crate::serve`] beside the UI and turns what it reports into [`Action::Live`] messages on the
//! event loop's channel, at most a few per second, so the UI reloads through its worker as
//! usual. The receiver writes the store from its own thread; the UI never touches it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::model::TraceId;
use crate::serve::{Receiver, ReceiverEvent, ServeConfig};

use super::action::{Action, LiveUpdate, Msg};

/// How often accumulated reports are handed to the UI at most.
const TICK: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Pending {
    traces: Vec<TraceId>,
    spans: u64,
    exporters: usize,
    changed: bool,
}

/// A running receiver feeding the UI. [`LiveFeed::stop`] shuts it down cleanly.
pub struct LiveFeed {
    receiver: Receiver,
    stop: Arc<AtomicBool>,
    ticker: std::thread::JoinHandle<()>,
    /// What it listens on or follows, for the header.
    pub source: String,
}

impl LiveFeed {
    pub fn start(config: ServeConfig, tx: Sender<Msg>) -> anyhow::Result<Self> {
        let follow = config.follow.clone();
        let pending = Arc::new(Mutex::new(Pending::default()));
        let sink = Arc::clone(&pending);
        let receiver = Receiver::start(
            config,
            Box::new(move |event| {
                let Ok(mut p) = sink.lock() else { return };
                match event {
                    ReceiverEvent::Stored { stats, traces, .. } => {
                        for id in traces {
                            if !p.traces.contains(&id) {
                                p.traces.push(id);
                            }
                        }
                        p.spans = stats.spans_received;
                        p.exporters = stats.exporters;
                        p.changed = true;
                    }
                    ReceiverEvent::Analyzed(line) => {
                        if !p.traces.contains(&line.trace_id) {
                            p.traces.push(line.trace_id);
                        }
                        p.changed = true;
                    }
                    ReceiverEvent::Warning(_) => {}
                }
            }),
        )?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let ticker = std::thread::Builder::new()
            .name("fanout-live".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    let update = {
                        let Ok(mut p) = pending.lock() else { return };
                        if !p.changed {
                            continue;
                        }
                        p.changed = false;
                        LiveUpdate {
                            traces: std::mem::take(&mut p.traces),
                            spans: p.spans,
                            exporters: p.exporters,
                        }
                    };
                    if tx.send(Msg::Action(Action::Live(update))).is_err() {
                        return;
                    }
                }
            })?;
        let mut source = crate::cli::serve::describe(receiver.bound());
        if let Some(path) = follow {
            if !source.is_empty() {
                source.push_str(" and ");
            }
            source.push_str(&format!("following {}", path.display()));
        }
        Ok(Self {
            receiver,
            stop,
            ticker,
            source,
        })
    }

    /// Stops the receiver: requests in flight finish and are committed.
    pub fn stop(self) -> anyhow::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.ticker.join();
        self.receiver.shutdown().map(|_| ())
    }
}
