//! `fanout serve`: the OTLP receiver run headless, printing one line per trace as its analysis
//! is refreshed; and the receiver flags `fanout --listen` shares.

use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};

use super::{db, Cli};
use crate::exit::Exit;
use crate::sanitize::sanitize_line;
use crate::serve::{self, Limits, Receiver, ReceiverEvent, ServeConfig};

/// Where the receiver listens and who may send (shared by `serve` and `--listen`).
#[derive(Debug, Clone, clap::Args)]
pub struct ReceiverArgs {
    /// OTLP/HTTP address (`off` disables it).
    #[arg(long, value_name = "ADDR", default_value = serve::DEFAULT_HTTP)]
    pub http: String,
    /// OTLP/gRPC address (`off` disables it).
    #[arg(long, value_name = "ADDR", default_value = serve::DEFAULT_GRPC)]
    pub grpc: String,
    /// Allow listening on an address other than loopback (anyone who can reach it can send spans).
    #[arg(long)]
    pub allow_remote: bool,
    /// Demand `Authorization: Bearer TOKEN` from exporters (both protocols).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "FANOUT_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

impl ReceiverArgs {
    /// No server: for following files only.
    pub fn files_only() -> Self {
        Self {
            http: "off".into(),
            grpc: "off".into(),
            allow_remote: false,
            token: None,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Point an OpenTelemetry exporter at it:
  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python my_agent.py

A success answer means the spans are committed to the database; when fanout cannot keep up it
answers 503/429 (HTTP) or UNAVAILABLE (gRPC) so exporters retry. Ctrl-C or SIGTERM stops
accepting, finishes the requests in flight and exits 0. A viewer opened on the same database
(`fanout`) sees the traces as they arrive.")]
pub struct Args {
    #[command(flatten)]
    pub receiver: ReceiverArgs,
    /// Print nothing per trace.
    #[arg(long)]
    pub quiet: bool,
    /// Print one JSON object per line instead of text.
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
}

/// Parses `--http`/`--grpc`: `off`, or an address whose host resolves.
fn parse_addr(text: &str, flag: &str) -> anyhow::Result<Option<SocketAddr>> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let addr = text
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| anyhow::anyhow!("{flag} {text:?}: expected HOST:PORT or off"))?;
    Ok(Some(addr))
}

/// The receiver configuration the flags describe; refuses non-loopback addresses unless
/// `--allow-remote`, and warns when allowed.
pub fn config(cli: &Cli, args: &ReceiverArgs) -> anyhow::Result<ServeConfig> {
    let http = parse_addr(&args.http, "--http")?;
    let grpc = parse_addr(&args.grpc, "--grpc")?;
    for addr in [http, grpc].into_iter().flatten() {
        if !addr.ip().is_loopback() {
            if !args.allow_remote {
                anyhow::bail!(
                    "{addr} is not a loopback address: anyone who can reach it could send spans; \
                     pass --allow-remote (and consider --token) to listen there"
                );
            }
            eprintln!(
                "warning: listening on {addr}, reachable from other machines{}",
                if args.token.is_some() {
                    ""
                } else {
                    " without a token (--token)"
                }
            );
        }
    }
    Ok(ServeConfig {
        db: db::db_path(cli)?,
        http,
        grpc,
        token: args.token.clone().filter(|t| !t.is_empty()),
        follow: None,
        limits: Limits::default(),
        catalog: db::catalog(cli)?,
    })
}

/// What the receiver listens on, for people.
pub fn describe(bound: serve::Bound) -> String {
    let mut parts = Vec::new();
    if let Some(a) = bound.http {
        parts.push(format!("OTLP/HTTP on http://{a}"));
    }
    if let Some(a) = bound.grpc {
        parts.push(format!("OTLP/gRPC on {a}"));
    }
    parts.join(" and ")
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    run_receiver(config(cli, &args.receiver)?, args.quiet, args.json)
}

/// Runs a receiver (servers and/or a followed file) until Ctrl-C or SIGTERM, printing a line per
/// analysed trace unless `quiet` (JSON when `json`), then a summary on stderr.
pub fn run_receiver(config: ServeConfig, quiet: bool, json: bool) -> anyhow::Result<Exit> {
    let db = config.db.clone();
    let follow = config.follow.clone();
    let on_event = Box::new(move |event: ReceiverEvent| match event {
        ReceiverEvent::Analyzed(line) if !quiet => {
            let text = if json { line.json() } else { line.text() };
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
        ReceiverEvent::Warning(w) => eprintln!("warning: {}", sanitize_line(&w)),
        _ => {}
    });
    let receiver = Receiver::start(config, on_event)?;
    let bound = receiver.bound();
    let mut what = describe(bound);
    if let Some(path) = &follow {
        if !what.is_empty() {
            what.push_str(" and ");
        }
        what.push_str(&format!("following {}", path.display()));
    }
    eprintln!(
        "fanout: receiving {} into {} (Ctrl-C stops)",
        sanitize_line(&what),
        crate::store::describe(&db)
    );
    if let Some(a) = bound.http {
        eprintln!("  export OTEL_EXPORTER_OTLP_ENDPOINT=http://{a}");
    }
    let stats = receiver.run_until_signal()?;
    eprintln!(
        "fanout: stopped; {} requests, {} spans received ({} new) in {} trace(s) from {} exporter(s)",
        stats.requests, stats.spans_received, stats.spans_stored, stats.traces, stats.exporters
    );
    Ok(Exit::Success)
}
