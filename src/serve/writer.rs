//! The writer thread: the receiver's only owner of the store. It takes decoded requests from a
//! bounded queue, stores several at once in one transaction (group commit), answers each
//! request only after that commit, and refreshes the analysis of the traces that grew once they
//! go quiet (or at least every few seconds while they keep growing).

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::report::{trace_line, ReceiverEvent};
use super::Limits;
use crate::analysis::{analyze_trace, Catalog};
use crate::model::{LogRecord, Resource, Span, TraceId};
use crate::store::Store;

/// Spans committed in one transaction at most (more queued requests wait for the next one).
const GROUP_SPANS: usize = 50_000;
/// Traces analysed between two looks at the queue, so analysis never starves writes for long.
const ANALYSES_PER_PASS: usize = 8;
/// Time spent analysing on shutdown at most; traces left over stay marked stale and are analysed
/// by the next viewer, `list` or `audit` that opens the database.
const SHUTDOWN_ANALYSIS: Duration = Duration::from_secs(3);

/// A decoded request waiting for its commit.
pub(crate) struct Job {
    pub spans: Vec<Span>,
    pub logs: Vec<LogRecord>,
    /// Answered once the job is committed (`Ok`) or could not be (`Err`, retryable).
    pub reply: oneshot::Sender<Result<(), String>>,
}

enum Msg {
    Job(Job),
    Stop,
}

/// Why a job was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The queue is full: the writer is behind.
    Busy,
    /// The writer has stopped.
    Closed,
}

/// The servers' way to the writer.
#[derive(Clone)]
pub(crate) struct Handle {
    tx: SyncSender<Msg>,
}

impl Handle {
    /// Queues a job without waiting; the answer comes on the returned channel.
    pub fn submit(
        &self,
        spans: Vec<Span>,
        logs: Vec<LogRecord>,
    ) -> Result<oneshot::Receiver<Result<(), String>>, Refused> {
        let (reply, answer) = oneshot::channel();
        match self.tx.try_send(Msg::Job(Job { spans, logs, reply })) {
            Ok(()) => Ok(answer),
            Err(TrySendError::Full(_)) => Err(Refused::Busy),
            Err(TrySendError::Disconnected(_)) => Err(Refused::Closed),
        }
    }

    /// Queues a job, waiting for room (for sources that can hold back, like a followed file).
    pub fn submit_waiting(
        &self,
        spans: Vec<Span>,
        logs: Vec<LogRecord>,
    ) -> Result<oneshot::Receiver<Result<(), String>>, Refused> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Job(Job { spans, logs, reply }))
            .map_err(|_| Refused::Closed)?;
        Ok(answer)
    }
}

/// What the receiver stored over its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Requests committed.
    pub requests: u64,
    /// Spans received in committed requests (duplicates included).
    pub spans_received: u64,
    /// Spans that were new to the database.
    pub spans_stored: u64,
    pub log_records: u64,
    /// Distinct traces that received spans.
    pub traces: usize,
    /// Distinct exporters (by their resource: service, instance, process, host).
    pub exporters: usize,
    /// Trace analyses written.
    pub analyses: u64,
}

/// The running thread.
pub(crate) struct Thread {
    tx: SyncSender<Msg>,
    join: JoinHandle<Result<Stats, String>>,
}

impl Thread {
    /// Asks the writer to stop after what is queued, and waits for it.
    pub fn finish(self) -> anyhow::Result<Stats> {
        let _ = self.tx.send(Msg::Stop);
        match self.join.join() {
            Ok(Ok(stats)) => Ok(stats),
            Ok(Err(e)) => Err(anyhow::anyhow!(e)),
            Err(_) => Err(anyhow::anyhow!("the receiver's writer thread failed")),
        }
    }
}

pub(crate) fn spawn(
    store: Store,
    catalog: Catalog,
    limits: Limits,
    on_event: super::EventSink,
) -> anyhow::Result<(Handle, Thread)> {
    let (tx, rx) = mpsc::sync_channel(limits.queue.max(1));
    let mut writer = Writer {
        store,
        catalog,
        limits,
        on_event,
        dirty: HashMap::new(),
        traces: HashSet::new(),
        exporters: HashSet::new(),
        stats: Stats::default(),
    };
    let join = std::thread::Builder::new()
        .name("fanout-writer".into())
        .spawn(move || writer.run(&rx))?;
    Ok((Handle { tx: tx.clone() }, Thread { tx, join }))
}

/// When a trace that needs analysis first and last grew.
#[derive(Debug, Clone, Copy)]
struct Dirty {
    first: Instant,
    last: Instant,
}

struct Writer {
    store: Store,
    catalog: Catalog,
    limits: Limits,
    on_event: super::EventSink,
    dirty: HashMap<TraceId, Dirty>,
    traces: HashSet<TraceId>,
    exporters: HashSet<String>,
    stats: Stats,
}

impl Writer {
    fn run(&mut self, rx: &mpsc::Receiver<Msg>) -> Result<Stats, String> {
        let mut stopping = false;
        let mut carry: Option<Msg> = None;
        while !stopping {
            let wait = self.next_analysis_in().unwrap_or(Duration::from_secs(3600));
            let first = match carry.take() {
                Some(msg) => Ok(msg),
                None => rx.recv_timeout(wait),
            };
            let mut jobs = Vec::new();
            match first {
                Ok(Msg::Job(job)) => jobs.push(job),
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => stopping = true,
                Err(RecvTimeoutError::Timeout) => {}
            }
            let mut spans: usize = jobs.iter().map(|j| j.spans.len()).sum();
            while !stopping && !jobs.is_empty() && spans < GROUP_SPANS {
                match rx.try_recv() {
                    Ok(Msg::Job(job)) => {
                        spans += job.spans.len();
                        jobs.push(job);
                    }
                    Ok(Msg::Stop) => stopping = true,
                    Err(_) => break,
                }
            }
            if !jobs.is_empty() {
                self.commit(jobs);
            }
            // Acknowledging comes first: analysis runs only while no request waits.
            if !stopping {
                match rx.try_recv() {
                    Ok(msg) => {
                        carry = Some(msg);
                        continue;
                    }
                    Err(mpsc::TryRecvError::Empty) => {}
                    Err(mpsc::TryRecvError::Disconnected) => stopping = true,
                }
            }
            self.analyse_due(stopping)?;
        }
        // Requests that raced the stop were never acknowledged: their senders see an error.
        Ok(self.stats)
    }

    /// Stores the jobs in one transaction and answers each.
    fn commit(&mut self, jobs: Vec<Job>) {
        let result = (|| {
            let mut tx = self.store.begin_file()?;
            for job in &jobs {
                tx.insert_spans(&job.spans)?;
                if !job.logs.is_empty() {
                    tx.insert_logs(&job.logs)?;
                }
            }
            tx.commit(false)
        })();
        match result {
            Ok(outcome) => {
                let now = Instant::now();
                for id in &outcome.traces {
                    self.traces.insert(*id);
                    self.dirty
                        .entry(*id)
                        .and_modify(|d| d.last = now)
                        .or_insert(Dirty {
                            first: now,
                            last: now,
                        });
                }
                let mut seen: HashSet<*const Resource> = HashSet::new();
                for span in jobs.iter().flat_map(|j| &j.spans) {
                    if seen.insert(Arc::as_ptr(&span.resource)) {
                        self.exporters.insert(exporter_key(&span.resource));
                    }
                }
                let received: usize = jobs.iter().map(|j| j.spans.len()).sum();
                self.stats.requests += jobs.len() as u64;
                self.stats.spans_received += received as u64;
                self.stats.spans_stored += outcome.new_spans as u64;
                self.stats.log_records += jobs.iter().map(|j| j.logs.len() as u64).sum::<u64>();
                self.stats.traces = self.traces.len();
                self.stats.exporters = self.exporters.len();
                for job in jobs {
                    let _ = job.reply.send(Ok(()));
                }
                self.emit(ReceiverEvent::Stored {
                    new_spans: outcome.new_spans,
                    traces: outcome.traces,
                    stats: self.stats,
                });
            }
            Err(e) => {
                let message = format!("cannot store the spans now: {e}");
                for job in jobs {
                    let _ = job.reply.send(Err(message.clone()));
                }
            }
        }
    }

    fn emit(&self, event: ReceiverEvent) {
        if let Ok(mut f) = self.on_event.lock() {
            f(event);
        }
    }

    /// Time until the next trace is due for analysis.
    fn next_analysis_in(&self) -> Option<Duration> {
        let now = Instant::now();
        self.dirty
            .values()
            .map(|d| self.due_at(d).saturating_duration_since(now))
            .min()
    }

    fn due_at(&self, d: &Dirty) -> Instant {
        (d.last + self.limits.analysis_quiet).min(d.first + self.limits.analysis_max_delay)
    }

    /// Analyses the traces that are due (all of them when `all`), a few at a time.
    fn analyse_due(&mut self, all: bool) -> Result<(), String> {
        let now = Instant::now();
        let mut due: Vec<(Instant, TraceId)> = self
            .dirty
            .iter()
            .filter(|(_, d)| all || self.due_at(d) <= now)
            .map(|(id, d)| (d.first, *id))
            .collect();
        due.sort();
        if !all {
            due.truncate(ANALYSES_PER_PASS);
        }
        let started = Instant::now();
        for (_, id) in due {
            if all && started.elapsed() > SHUTDOWN_ANALYSIS {
                break;
            }
            self.dirty.remove(&id);
            let trace = match self.store.load_trace(id) {
                Ok(Some(t)) => t,
                Ok(None) => continue,
                Err(e) => return Err(format!("reading back trace {id}: {e}")),
            };
            let analyzed = analyze_trace(&trace, &self.catalog);
            self.store
                .write_analysis(&trace, &analyzed)
                .map_err(|e| format!("storing the analysis of trace {id}: {e}"))?;
            self.stats.analyses += 1;
            self.emit(ReceiverEvent::Analyzed(trace_line(&trace, &analyzed)));
        }
        Ok(())
    }
}

/// Who sent a span, as far as its resource tells: service, instance, process and host.
fn exporter_key(resource: &Resource) -> String {
    let attr = |k: &str| {
        resource
            .attributes
            .iter()
            .find(|a| a.key == k)
            .map(|a| format!("{:?}", a.value))
            .unwrap_or_default()
    };
    [
        "service.name",
        "service.instance.id",
        "process.pid",
        "host.name",
        "telemetry.sdk.language",
    ]
    .map(attr)
    .join("\u{1f}")
}
