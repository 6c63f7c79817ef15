//! Live capture: an OTLP receiver (HTTP and gRPC) that stores spans as they arrive and keeps
//! their analysis current. Owns the receiver's configuration, its limits, and starting and
//! stopping the servers; decoding reuses the OTLP readers of [`crate::ingest`], and one writer
//! thread owns the [`crate::store::Store`].
//!
//! Guarantees: an exporter gets a success answer only after its spans are committed; when the
//! writer cannot keep up, requests are refused with a retryable status instead of buffered; on
//! shutdown the servers stop accepting, finish what is in flight, and the writer commits and
//! analyses everything it acknowledged before the process exits.

mod decode;
mod follow;
mod grpc;
mod http;
pub(crate) mod report;
mod writer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Semaphore;

use crate::analysis::Catalog;
pub use report::{ReceiverEvent, TraceLine};
pub use writer::Stats;

/// Default OTLP/HTTP address (the OTLP specification's port, loopback only).
pub const DEFAULT_HTTP: &str = "127.0.0.1:4318";
/// Default OTLP/gRPC address.
pub const DEFAULT_GRPC: &str = "127.0.0.1:4317";

/// Limits that keep memory bounded whatever senders do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body as sent (compressed or not).
    pub max_body: usize,
    /// Largest request body once decompressed.
    pub max_decoded: usize,
    /// Requests being read, decoded or waiting for their commit at once; more get 429/UNAVAILABLE.
    pub max_in_flight: usize,
    /// Decoded requests waiting for the writer; when full, requests get 503/UNAVAILABLE.
    pub queue: usize,
    /// Time allowed to receive one request body.
    pub request_timeout: Duration,
    /// How long a trace must be quiet before its analysis is refreshed (it is refreshed at
    /// least every `analysis_max_delay` while it grows).
    pub analysis_quiet: Duration,
    pub analysis_max_delay: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: 8 * 1024 * 1024,
            max_decoded: 32 * 1024 * 1024,
            max_in_flight: 256,
            queue: 128,
            request_timeout: Duration::from_secs(30),
            analysis_quiet: Duration::from_millis(300),
            analysis_max_delay: Duration::from_secs(2),
        }
    }
}

/// What to listen on and where to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    pub db: PathBuf,
    /// `None` disables OTLP/HTTP.
    pub http: Option<SocketAddr>,
    /// `None` disables OTLP/gRPC.
    pub grpc: Option<SocketAddr>,
    /// When set, both protocols demand `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// A growing OTLP/JSON Lines file to follow (and its rotated successors).
    pub follow: Option<PathBuf>,
    pub limits: Limits,
    pub catalog: Catalog,
}

/// What the servers share: the way to the writer, the in-flight budget and the settings.
pub(crate) struct Shared {
    pub writer: writer::Handle,
    pub in_flight: Arc<Semaphore>,
    pub limits: Limits,
    pub token: Option<String>,
}

impl Shared {
    /// True when `header` (an `Authorization` value) carries the configured token, or none is set.
    pub fn authorized(&self, header: Option<&[u8]>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let Some(given) = header.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return false;
        };
        // Compare digests so the time taken does not reveal how much of the token matched.
        let a = blake3::hash(given.trim_ascii());
        let b = blake3::hash(token.as_bytes());
        a == b
    }
}

/// The addresses actually bound (a port of 0 picks a free one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub http: Option<SocketAddr>,
    pub grpc: Option<SocketAddr>,
}

/// A running receiver. [`Receiver::shutdown`] stops it cleanly; dropping the runtime without it
/// would abandon requests in flight.
pub struct Receiver {
    runtime: tokio::runtime::Runtime,
    bound: Bound,
    stop: tokio::sync::watch::Sender<bool>,
    servers: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    follower: Option<follow::Follower>,
    writer: writer::Thread,
}

/// Where the receiver's events go; shared by the writer and the file follower.
pub type EventSink = Arc<std::sync::Mutex<Box<dyn FnMut(ReceiverEvent) + Send>>>;

impl Receiver {
    /// Binds the addresses and starts serving. Events (spans stored, traces analysed) go to
    /// `on_event`, called from the writer thread.
    pub fn start(
        config: ServeConfig,
        on_event: Box<dyn FnMut(ReceiverEvent) + Send>,
    ) -> anyhow::Result<Self> {
        if config.http.is_none() && config.grpc.is_none() && config.follow.is_none() {
            anyhow::bail!("both --http and --grpc are off: nothing to listen on");
        }
        let store = crate::store::Store::open(&config.db)
            .with_context(|| format!("opening {}", crate::store::describe(&config.db)))?;
        let events: EventSink = Arc::new(std::sync::Mutex::new(on_event));
        let (handle, thread) = writer::spawn(
            store,
            config.catalog.clone(),
            config.limits,
            Arc::clone(&events),
        )?;
        let follower = match &config.follow {
            Some(path) => Some(follow::Follower::spawn(
                path.clone(),
                handle.clone(),
                Box::new(move |warning| {
                    if let Ok(mut f) = events.lock() {
                        f(ReceiverEvent::Warning(warning));
                    }
                }),
            )?),
            None => None,
        };
        let shared = Arc::new(Shared {
            writer: handle,
            in_flight: Arc::new(Semaphore::new(config.limits.max_in_flight)),
            limits: config.limits,
            token: config.token.clone(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fanout-serve")
            .enable_all()
            .build()
            .context("starting the receiver's runtime")?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut servers = Vec::new();
        let mut bound = Bound {
            http: None,
            grpc: None,
        };
        let started: anyhow::Result<()> = runtime.block_on(async {
            if let Some(addr) = config.http {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for OTLP/HTTP on {addr}"))?;
                bound.http = Some(listener.local_addr()?);
                servers.push(tokio::spawn(http::serve(
                    listener,
                    Arc::clone(&shared),
                    stopped.clone(),
                )));
            }
            if let Some(addr) = config.grpc {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for OTLP/gRPC on {addr}"))?;
                bound.grpc = Some(listener.local_addr()?);
                servers.push(tokio::spawn(grpc::serve(
                    listener,
                    Arc::clone(&shared),
                    stopped.clone(),
                )));
            }
            Ok(())
        });
        drop(shared);
        if let Err(e) = started {
            let _ = stop.send(true);
            return Err(e);
        }
        Ok(Self {
            runtime,
            bound,
            stop,
            servers,
            follower,
            writer: thread,
        })
    }

    pub fn bound(&self) -> Bound {
        self.bound
    }

    /// Waits until Ctrl-C or SIGTERM, then shuts down cleanly.
    pub fn run_until_signal(self) -> anyhow::Result<Stats> {
        self.runtime.block_on(shutdown_signal());
        self.shutdown()
    }

    /// Stops accepting, lets requests in flight finish, then waits for the writer to commit and
    /// analyse everything acknowledged. Returns what was stored.
    pub fn shutdown(self) -> anyhow::Result<Stats> {
        let _ = self.stop.send(true);
        let mut first_error = None;
        for server in self.servers {
            match self.runtime.block_on(server) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error.get_or_insert(anyhow::anyhow!("a receiver task failed: {e}"));
                }
            }
        }
        self.runtime.shutdown_timeout(Duration::from_secs(5));
        if let Some(follower) = self.follower {
            if let Err(e) = follower.finish() {
                first_error.get_or_insert(e);
            }
        }
        let stats = self.writer.finish()?;
        match first_error {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Resolves once `stop` turns true.
pub(crate) async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}
