//! One input's PostgreSQL transaction, replayed after a deadlock. Two writers storing the same
//! spans in different orders across statements (one stores A then B, the other B then A) wait
//! for each other; PostgreSQL breaks the cycle by cancelling one transaction (`40P01`). The
//! cancelled writer rolls back, waits a little and does its writes again from a journal of
//! what it was asked to store, so the file still commits whole and every span is stored once.
//!
//! The journal keeps at most [`JOURNAL_SPANS`] spans; a larger input that PostgreSQL cancels
//! fails with nothing stored, and says to run it again.

use std::collections::BTreeSet;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::Client;

use super::super::write::{log_digest, Interner};
use super::super::Error;
use super::write;
use crate::model::{KeyValue, LogRecord, Resource, Scope, Span, TraceId};

/// Spans the journal keeps at most.
pub const JOURNAL_SPANS: usize = 100_000;

/// Replays after a cancellation before giving up.
const RETRIES: u32 = 5;

/// One write the file asked for, kept to be done again.
enum Op {
    Spans(Vec<Span>),
    Logs(Vec<LogRecord>),
    Source {
        digest: Vec<u8>,
        name: String,
        format: String,
        spans: usize,
        traces: BTreeSet<TraceId>,
    },
}

/// What one write answered.
enum Done {
    Count(usize),
    Known(bool),
}

/// An open transaction on the session (begun and ended by hand, so it can begin again).
pub struct PgFile<'a> {
    client: &'a mut Client,
    open: bool,
    /// `None` once the input outgrew [`JOURNAL_SPANS`].
    journal: Option<Vec<Op>>,
    journal_spans: usize,
    resources: Interner<Resource>,
    scopes: Interner<Scope>,
    /// Traces that received spans they did not have.
    changed: BTreeSet<TraceId>,
    new_spans: usize,
    body_buf: Vec<u8>,
    attr_buf: Vec<u8>,
}

/// Whether PostgreSQL cancelled the transaction to let another one through (a retry may pass).
pub fn is_retryable(e: &Error) -> bool {
    match e {
        Error::Postgres(e) => e.code().is_some_and(|c| {
            *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
        }),
        _ => false,
    }
}

impl<'a> PgFile<'a> {
    pub fn begin(client: &'a mut Client) -> Result<Self, Error> {
        client.batch_execute("BEGIN")?;
        Ok(Self {
            client,
            open: true,
            journal: Some(Vec::new()),
            journal_spans: 0,
            resources: Interner::default(),
            scopes: Interner::default(),
            changed: BTreeSet::new(),
            new_spans: 0,
            body_buf: Vec::new(),
            attr_buf: Vec::new(),
        })
    }

    /// Stores spans; returns how many were new.
    pub fn insert_spans(&mut self, spans: &[Span]) -> Result<usize, Error> {
        let result = self.spans(spans);
        if self.keeps(spans.len()) {
            self.push(Op::Spans(spans.to_vec()));
        }
        match self.settle(result.map(Done::Count))? {
            Done::Count(n) => Ok(n),
            Done::Known(_) => Ok(0),
        }
    }

    /// Stores log records; returns how many were new.
    pub fn insert_logs(&mut self, logs: &[LogRecord]) -> Result<usize, Error> {
        let result = self.logs(logs);
        if self.keeps(logs.len()) {
            self.push(Op::Logs(logs.to_vec()));
        }
        match self.settle(result.map(Done::Count))? {
            Done::Count(n) => Ok(n),
            Done::Known(_) => Ok(0),
        }
    }

    /// Records the input; returns whether it was already known.
    pub fn record_source(
        &mut self,
        digest: &[u8],
        name: &str,
        format: &str,
        spans: usize,
        traces: &BTreeSet<TraceId>,
    ) -> Result<bool, Error> {
        let result = write::record_source(self.client, digest, name, format, spans, traces);
        if self.keeps(0) {
            self.push(Op::Source {
                digest: digest.to_vec(),
                name: name.to_owned(),
                format: format.to_owned(),
                spans,
                traces: traces.clone(),
            });
        }
        match self.settle(result.map(Done::Known))? {
            Done::Known(known) => Ok(known),
            Done::Count(_) => Ok(false),
        }
    }

    /// Marks the traces that gained spans stale and commits; returns how many spans were new.
    pub fn commit(mut self) -> Result<usize, Error> {
        let mut attempt = 0;
        loop {
            match self.finish() {
                Ok(()) => return Ok(self.new_spans),
                Err(e) if attempt < RETRIES && self.journal.is_some() && is_retryable(&e) => {
                    attempt += 1;
                    self.replay(e)?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn finish(&mut self) -> Result<(), Error> {
        write::mark_stale(self.client, &self.changed)?;
        self.open = false;
        self.client.batch_execute("COMMIT")?;
        Ok(())
    }

    /// Whether the journal still keeps everything after `spans` more; drops it when not.
    fn keeps(&mut self, spans: usize) -> bool {
        self.journal_spans += spans;
        if self.journal_spans > JOURNAL_SPANS {
            self.journal = None;
        }
        self.journal.is_some()
    }

    fn push(&mut self, op: Op) {
        if let Some(journal) = &mut self.journal {
            journal.push(op);
        }
    }

    /// A write's result; when PostgreSQL cancelled the transaction, the journal done again in
    /// a new one (the answer is then the last write's).
    fn settle(&mut self, result: Result<Done, Error>) -> Result<Done, Error> {
        match result {
            Err(e) if self.journal.is_some() && is_retryable(&e) => self.replay(e),
            Err(Error::Postgres(e)) if e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED) => {
                Err(Error::Deadlock {
                    reason: super::error_text(&e),
                    limit: JOURNAL_SPANS,
                })
            }
            other => other,
        }
    }

    /// Rolls back and does every journaled write again, waiting a little longer each time.
    fn replay(&mut self, error: Error) -> Result<Done, Error> {
        let ops = self.journal.take().unwrap_or_default();
        let mut result = Err(error);
        for attempt in 1..=RETRIES {
            std::thread::sleep(Duration::from_millis(10 * u64::from(attempt)));
            result = match self.restart() {
                Ok(()) => self.apply_all(&ops),
                Err(e) => Err(e),
            };
            match &result {
                Err(e) if is_retryable(e) => continue,
                _ => break,
            }
        }
        self.journal = Some(ops);
        result
    }

    fn restart(&mut self) -> Result<(), Error> {
        if self.open {
            self.open = false;
            self.client.batch_execute("ROLLBACK")?;
        }
        self.client.batch_execute("BEGIN")?;
        self.open = true;
        self.resources = Interner::default();
        self.scopes = Interner::default();
        self.changed.clear();
        self.new_spans = 0;
        Ok(())
    }

    fn apply_all(&mut self, ops: &[Op]) -> Result<Done, Error> {
        let mut last = Done::Count(0);
        for op in ops {
            last = match op {
                Op::Spans(spans) => Done::Count(self.spans(spans)?),
                Op::Logs(logs) => Done::Count(self.logs(logs)?),
                Op::Source {
                    digest,
                    name,
                    format,
                    spans,
                    traces,
                } => Done::Known(write::record_source(
                    self.client,
                    digest,
                    name,
                    format,
                    *spans,
                    traces,
                )?),
            };
        }
        Ok(last)
    }

    fn spans(&mut self, spans: &[Span]) -> Result<usize, Error> {
        let mut ids = Vec::with_capacity(spans.len());
        for span in spans {
            let r = write::intern_resource(self.client, &mut self.resources, &span.resource)?;
            let s = write::intern_scope(self.client, &mut self.scopes, &span.scope)?;
            ids.push((r, s));
        }
        let mut new = 0;
        let n = write::SPANS_PER_STATEMENT;
        for (chunk, ids) in spans.chunks(n).zip(ids.chunks(n)) {
            new += write::insert_spans(self.client, chunk, ids, &mut self.changed)?;
        }
        self.new_spans += new;
        Ok(new)
    }

    fn logs(&mut self, logs: &[LogRecord]) -> Result<usize, Error> {
        let mut new = 0;
        for log in logs {
            let r = write::intern_resource(self.client, &mut self.resources, &log.resource)?;
            let s = write::intern_scope(self.client, &mut self.scopes, &log.scope)?;
            super::super::codec::encode_attributes(
                &[KeyValue::new("body", log.body.clone())],
                &mut self.body_buf,
            )?;
            super::super::codec::encode_attributes(&log.attributes, &mut self.attr_buf)?;
            let digest = log_digest(log, &self.body_buf, &self.attr_buf, (r, s));
            let inserted = write::insert_log(
                self.client,
                digest.as_bytes(),
                log,
                &self.body_buf,
                &self.attr_buf,
                (r, s),
            )?;
            if inserted > 0 {
                self.changed.insert(log.trace_id);
            }
            new += inserted;
        }
        Ok(new)
    }
}

impl Drop for PgFile<'_> {
    fn drop(&mut self) {
        // Dropped without `commit`: nothing of the input is stored.
        if self.open {
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}
