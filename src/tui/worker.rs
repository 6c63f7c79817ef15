//! The worker thread: the only owner of the [`TraceSource`] (and so of the database). It takes
//! requests over a channel and answers with [`Action`]s on the UI loop's channel, so the UI never
//! waits on SQLite or analysis.
//!
//! Loading is coalesced: when several `Load` requests queue up (the user scrolls fast through
//! traces), only the newest is served. Layout precomputation ([`TraceModel::build`]) also runs
//! here, off the UI thread.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::model::TraceId;

use super::action::{Action, Msg};
use super::source::{ExportRequest, TraceSource};
use super::trace_model::TraceModel;

/// Work for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Summaries,
    Load(TraceId),
    Export(ExportRequest),
    /// Load A and B and compare them.
    Diff(TraceId, TraceId),
    /// Fetch a trace from a tracing backend into the database.
    Pull(super::action::PullRequest),
}

/// Handle to the running worker; dropping it stops the thread once its queue is empty.
pub struct Worker {
    tx: Option<Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn spawn(source: Box<dyn TraceSource>, out: Sender<Msg>) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || serve(source, &rx, &out))?;
        Ok(Self {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues a request; a stopped worker ignores it (the UI is shutting down).
    pub fn send(&self, request: Request) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(request);
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.tx.take();
        // A long analysis must not hold the terminal hostage on quit: detach instead of joining.
        self.thread.take();
    }
}

/// How often an idle worker asks the source whether other writers stored something.
const WATCH_EVERY: Duration = Duration::from_secs(2);

fn serve(mut source: Box<dyn TraceSource>, rx: &Receiver<Request>, out: &Sender<Msg>) {
    source.changed();
    loop {
        let first = match rx.recv_timeout(WATCH_EVERY) {
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => {
                if source.changed() && out.send(Msg::Action(Action::DatabaseChanged)).is_err() {
                    return;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut queue = vec![first];
        queue.extend(rx.try_iter());
        for request in coalesce(queue) {
            // A pull waits on the network: it gets a thread and a connection of its own.
            if let Request::Pull(req) = request {
                spawn_pull(source.pull_job(req), out.clone());
                continue;
            }
            let action = guarded(source.as_mut(), request);
            if out.send(Msg::Action(action)).is_err() {
                return;
            }
        }
    }
}

/// Keeps request order but drops every `Load` except the last one.
fn coalesce(queue: Vec<Request>) -> Vec<Request> {
    let last_load = queue.iter().rposition(|r| matches!(r, Request::Load(_)));
    queue
        .into_iter()
        .enumerate()
        .filter(|(i, r)| !matches!(r, Request::Load(_)) || Some(*i) == last_load)
        .map(|(_, r)| r)
        .collect()
}

/// The worker thread's name; the TUI's panic hook leaves panics on it to [`guarded`].
pub const THREAD_NAME: &str = "fanout-worker";

/// Runs a pull and answers with [`Action::PullFinished`]; a panic becomes a failed pull.
fn spawn_pull(job: super::source::PullJob, out: Sender<Msg>) {
    let answer = out.clone();
    let run = move || {
        let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
            Ok(result) => result.map_err(|e| format!("{e:#}")),
            Err(_) => Err("internal error while pulling the trace".to_owned()),
        };
        let _ = answer.send(Msg::Action(Action::PullFinished(result)));
    };
    // Named like the worker, so the TUI's panic hook leaves its panics to `catch_unwind`.
    if let Err(e) = std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(run)
    {
        let message = format!("cannot start the pull: {e}");
        let _ = out.send(Msg::Action(Action::PullFinished(Err(message))));
    }
}

/// Serves one request; a panic in the source (a bug in normalization or analysis on an odd
/// trace) becomes a failed load instead of taking the UI down.
fn guarded(source: &mut dyn TraceSource, request: Request) -> Action {
    let id = match &request {
        Request::Load(id) => Some(*id),
        _ => None,
    };
    let is_export = matches!(request, Request::Export(_));
    let is_diff = matches!(request, Request::Diff(..));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(source, request))) {
        Ok(action) => action,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            let message = format!("internal error while reading the trace: {what}");
            match (id, is_export) {
                _ if is_diff => Action::DiffFailed(message),
                (Some(id), _) => Action::LoadFailed { id, message },
                (None, true) => Action::ExportFinished(Err(message)),
                (None, false) => Action::SummariesFailed(message),
            }
        }
    }
}

fn handle(source: &mut dyn TraceSource, request: Request) -> Action {
    match request {
        Request::Summaries => match source.summaries() {
            Ok(list) => Action::SummariesLoaded(list),
            Err(e) => Action::SummariesFailed(format!("{e:#}")),
        },
        Request::Load(id) => match source.load(id) {
            Ok(Some(loaded)) => Action::TraceLoaded(Box::new(TraceModel::build(loaded))),
            Ok(None) => Action::LoadFailed {
                id,
                message: format!("trace {id} is not in the database"),
            },
            Err(e) => Action::LoadFailed {
                id,
                message: format!("{e:#}"),
            },
        },
        Request::Diff(a, b) => match (source.load(a), source.load(b)) {
            (Ok(Some(x)), Ok(Some(y))) => Action::DiffLoaded(Box::new(super::app::DiffState {
                a,
                b,
                diff: crate::analysis::diff::diff(&x.analyzed, &y.analyzed),
                scroll: 0,
                back: super::app::Screen::List,
            })),
            (Err(e), _) | (_, Err(e)) => Action::DiffFailed(format!("{e:#}")),
            _ => Action::DiffFailed("a trace to compare is no longer stored".into()),
        },
        // `serve` gives pulls a thread of their own; done here, it would hold up the queue.
        Request::Pull(req) => {
            Action::PullFinished(source.pull_job(req)().map_err(|e| format!("{e:#}")))
        }
        Request::Export(req) => {
            Action::ExportFinished(source.export(&req).map_err(|e| format!("{e:#}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;
    use crate::tui::source::{LoadedTrace, MemorySource};
    use std::time::Duration;

    struct Exploding;

    impl TraceSource for Exploding {
        fn summaries(&mut self) -> anyhow::Result<Vec<crate::tui::source::TraceEntry>> {
            Ok(vec![])
        }

        fn load(&mut self, _: TraceId) -> anyhow::Result<Option<LoadedTrace>> {
            panic!("index out of bounds in analysis")
        }
    }

    #[test]
    fn a_panicking_source_becomes_a_failed_load() {
        let id = fixtures::trace_id(1);
        match guarded(&mut Exploding, Request::Load(id)) {
            Action::LoadFailed { id: got, message } => {
                assert_eq!(got, id);
                assert!(
                    message.contains("index out of bounds in analysis"),
                    "{message}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            matches!(guarded(&mut Exploding, Request::Summaries), Action::SummariesLoaded(l) if l.is_empty())
        );
    }

    #[test]
    fn only_the_newest_load_survives_coalescing() {
        let (a, b) = (fixtures::trace_id(1), fixtures::trace_id(2));
        let q = vec![Request::Load(a), Request::Summaries, Request::Load(b)];
        assert_eq!(coalesce(q), vec![Request::Summaries, Request::Load(b)]);
    }

    #[test]
    fn worker_answers_with_actions() {
        let source = MemorySource {
            entries: fixtures::summaries(),
            traces: vec![LoadedTrace {
                analyzed: fixtures::lost_update(),
                raw: None,
            }],
        };
        let (tx, rx) = mpsc::channel();
        let worker = Worker::spawn(Box::new(source), tx).unwrap();
        worker.send(Request::Summaries);
        worker.send(Request::Load(fixtures::trace_id(9)));
        let wait = || match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            Msg::Action(a) => a,
            Msg::Terminal(_) => panic!("unexpected terminal event"),
        };
        assert!(matches!(wait(), Action::SummariesLoaded(l) if l.len() == 3));
        assert!(
            matches!(wait(), Action::LoadFailed { message, .. } if message.contains("not in the database"))
        );
        worker.send(Request::Load(fixtures::trace_id(1)));
        assert!(matches!(wait(), Action::TraceLoaded(m) if m.run().tool_calls.len() == 5));
    }

    #[test]
    fn a_pull_is_answered_from_its_own_thread() {
        use crate::tui::action::{PullDone, PullRequest};
        // A source whose pull waits until told to finish: loads meanwhile are still answered.
        struct Slow(std::sync::Arc<std::sync::Mutex<Option<mpsc::Receiver<()>>>>);
        impl TraceSource for Slow {
            fn summaries(&mut self) -> anyhow::Result<Vec<crate::tui::source::TraceEntry>> {
                Ok(vec![])
            }
            fn load(&mut self, _: TraceId) -> anyhow::Result<Option<LoadedTrace>> {
                Ok(None)
            }
            fn pull_job(&self, _: PullRequest) -> crate::tui::source::PullJob {
                let gate = self.0.lock().unwrap().take();
                Box::new(move || {
                    if let Some(gate) = gate {
                        let _ = gate.recv();
                    }
                    Ok(PullDone {
                        id: fixtures::trace_id(7),
                        message: "pulled".into(),
                    })
                })
            }
        }
        let (release, gate) = mpsc::channel();
        let (tx, rx) = mpsc::channel();
        let source = Slow(std::sync::Arc::new(std::sync::Mutex::new(Some(gate))));
        let worker = Worker::spawn(Box::new(source), tx).unwrap();
        worker.send(Request::Pull(PullRequest {
            url: "http://tempo:3200".into(),
            trace_id: "1".repeat(32),
        }));
        worker.send(Request::Summaries);
        let next = || match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            Msg::Action(a) => a,
            Msg::Terminal(_) => panic!("unexpected terminal event"),
        };
        assert!(
            matches!(next(), Action::SummariesLoaded(_)),
            "the list is answered while the pull waits"
        );
        release.send(()).unwrap();
        match next() {
            Action::PullFinished(Ok(done)) => assert_eq!(done.id, fixtures::trace_id(7)),
            other => panic!("{other:?}"),
        }
        // A source without a database says so.
        let (tx, rx) = mpsc::channel();
        let worker = Worker::spawn(Box::new(MemorySource::default()), tx).unwrap();
        worker.send(Request::Pull(PullRequest {
            url: "http://tempo:3200".into(),
            trace_id: "1".repeat(32),
        }));
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            Msg::Action(Action::PullFinished(Err(e))) => assert!(e.contains("no database"), "{e}"),
            _ => panic!("expected a failed pull"),
        }
    }
}
