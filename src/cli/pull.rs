//! `fanout pull`: fetch one trace from the Tempo, Jaeger or Phoenix a team runs, store it like a
//! file (the URL recorded as its source) and open it; or list the traces a search matches.

use std::io::IsTerminal as _;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;

use super::{db, Cli};
use crate::exit::Exit;
use crate::pipeline;
use crate::pull::{self, Auth, Backend, BaseUrl, Client, ClientConfig, SearchQuery, TraceSummary};
use crate::sanitize::sanitize_line;

const AFTER_HELP: &str = "\
Examples:
  fanout pull http://tempo:3200 5b8efff798038103d269b633813fc60c
  fanout pull http://jaeger:16686 5b8efff798038103d269b633813fc60c --no-open
  fanout pull http://127.0.0.1:6006 5b8efff798038103d269b633813fc60c --project default  (Phoenix)
  fanout pull http://tempo:3200 --search '{ span.gen_ai.operation.name = \"execute_tool\" }'
  fanout pull http://jaeger:16686 --search 'my-agent invoke_agent' --since 2h
  fanout pull http://127.0.0.1:6006 --search                         (Phoenix: every project)
  fanout pull --user 1234 --token \"$KEY\" https://g.example/api/datasources/proxy/uid/tempo ID

The backend is found by asking the URL (Phoenix's /arize_phoenix_version, Tempo's /api/echo,
Jaeger's /api/v3/services); --backend skips that. A path after the host is kept as a prefix
(a Grafana datasource proxy, an ingress path).

Credentials, never printed:
  --token TOKEN / $FANOUT_PULL_TOKEN        Authorization: Bearer TOKEN
  --user USER[:PASSWORD] / $FANOUT_PULL_USER  basic auth; the password may also come from
                                            $FANOUT_PULL_PASSWORD, or --token is used as it
                                            (Grafana Cloud: user = instance id, token = API key)
  https://USER:PASSWORD@host/...            basic auth from the URL
  --header 'X-Scope-OrgID: tenant'          any other header (Tempo multi-tenancy, API keys)

Pulling the same trace again changes nothing; spans the backend gained since are added.
When stdout is not a terminal (or with --no-open) one summary line is printed instead of
opening the viewer; --json prints a JSON object (with --search, an array of traces).";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The backend's address, e.g. http://tempo:3200, http://jaeger:16686, http://phoenix:6006.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The trace to fetch: hex, leading zeros may be left out.
    #[arg(
        value_name = "TRACE_ID",
        required_unless_present = "search",
        conflicts_with = "search"
    )]
    pub trace_id: Option<String>,
    /// Which backend the URL is (default: ask it).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Send `Authorization: Bearer TOKEN` (with --user: the basic-auth password).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "FANOUT_PULL_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Basic auth; the password after `:`, else from $FANOUT_PULL_PASSWORD, else --token.
    #[arg(
        long,
        value_name = "USER[:PASSWORD]",
        env = "FANOUT_PULL_USER",
        hide_env_values = true
    )]
    pub user: Option<String>,
    /// An extra request header, `NAME: VALUE` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Give up on a request after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = parse_seconds)]
    pub timeout: f64,
    /// Phoenix: the project holding the trace (default: every project is asked).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// List matching traces instead of fetching one. Tempo: a TraceQL query (default `{}`);
    /// Jaeger: `SERVICE [OPERATION]`; Phoenix: a project (default: all).
    #[arg(long, value_name = "QUERY", num_args = 0..=1, default_missing_value = "")]
    pub search: Option<String>,
    /// How far back --search looks: 30m, 6h, 2d.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub since: Duration,
    /// At most this many traces from --search.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,
    /// Store the trace and print a summary line; do not open the viewer.
    #[arg(long)]
    pub no_open: bool,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err("expected a number of seconds between 0 and 86400".into()),
    }
}

/// `30m`, `6h`, `2d`, `90s` (a bare number is seconds).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| "expected a duration like 30m, 6h or 2d".to_owned())?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err("expected a duration like 30m, 6h or 2d".into()),
    };
    Ok(Duration::from_secs(secs))
}

/// The credentials the flags, the environment and the URL give, in that order of preference.
fn auth(args: &Args, from_url: Option<Auth>) -> Auth {
    pull::into_store::credentials(args.user.as_deref(), args.token.as_deref(), from_url)
}

fn headers(args: &Args) -> anyhow::Result<Vec<(String, String)>> {
    args.headers
        .iter()
        .map(|h| {
            let (name, value) = h.split_once(':').with_context(|| {
                format!("--header {:?}: expected NAME: VALUE", sanitize_line(h))
            })?;
            let name = name.trim();
            let valid_name = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            let value = value.trim();
            if !valid_name || value.chars().any(char::is_control) {
                anyhow::bail!(
                    "--header {:?}: not a valid header name or value",
                    sanitize_line(name)
                );
            }
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect()
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<Exit> {
    let (base, url_auth) = BaseUrl::parse(&args.url)?;
    // A bad id is refused before anything is asked.
    if let Some(id) = &args.trace_id {
        pull::normalize_trace_id(id)?;
    }
    let client = Client::new(
        base,
        ClientConfig {
            timeout: Duration::from_secs_f64(args.timeout),
            auth: auth(args, url_auth),
            headers: headers(args)?,
        },
    );
    if let Some(text) = &args.search {
        let backend = match args.backend {
            Some(b) => b,
            None => pull::detect(&client)?,
        };
        return search(&client, backend, text, args);
    }
    let Some(trace_id) = args.trace_id.as_deref() else {
        anyhow::bail!("give a TRACE_ID to pull, or --search to list traces");
    };
    let mut store = db::open(cli)?;
    let catalog = db::catalog(cli)?;
    let pulled = pull::into_store::fetch_into(
        &mut store,
        &client,
        args.backend,
        trace_id,
        args.project.as_deref(),
        &catalog,
        !args.json,
    )?;
    for w in &pulled.warnings {
        eprintln!("warning: {w}");
    }
    let id = pulled.id;
    let stored = pulled.input;
    let backend = pulled.backend;
    let analyzed = pipeline::load_analyzed(&store, id, &catalog)?
        .context("the pulled trace is not in the database")?;
    drop(store);

    let summary = Summary {
        backend,
        source: pulled.source,
        trace_id: id.to_string(),
        spans_read: stored.spans_read,
        new_spans: stored.new_spans,
        already_ingested: stored.already_ingested,
        model_calls: analyzed.run.model_calls.len(),
        tool_calls: analyzed.run.tool_calls.len(),
        batches: analyzed.run.batches.len(),
        findings: analyzed
            .analysis
            .findings
            .iter()
            .map(|f| FindingLine {
                kind: f.kind.as_str(),
                severity: f.severity.as_str(),
                resource: f.resource.clone(),
            })
            .collect(),
        warnings: pulled.warnings,
    };
    if args.json {
        println!("{}", crate::export::safe_json::to_string_pretty(&summary)?);
        return Ok(Exit::Success);
    }
    if args.no_open || !std::io::stdout().is_terminal() {
        println!("{}", summary.line());
        return Ok(Exit::Success);
    }
    eprintln!("{}", summary.line());
    super::view::open_viewer(cli, Some(id))
}

#[derive(Debug, Serialize)]
struct Summary {
    backend: Backend,
    source: String,
    trace_id: String,
    spans_read: usize,
    new_spans: usize,
    already_ingested: bool,
    model_calls: usize,
    tool_calls: usize,
    batches: usize,
    findings: Vec<FindingLine>,
    warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
struct FindingLine {
    kind: &'static str,
    severity: &'static str,
    resource: String,
}

impl Summary {
    fn line(&self) -> String {
        let findings = match self.findings.as_slice() {
            [] => "no findings".to_owned(),
            all => {
                let first = &all[0];
                let more = if all.len() > 1 {
                    format!(" and {} more", all.len() - 1)
                } else {
                    String::new()
                };
                format!(
                    "{} finding(s): {} {} on {}{more}",
                    all.len(),
                    first.kind,
                    first.severity,
                    sanitize_line(&first.resource)
                )
            }
        };
        let new = if self.already_ingested || self.new_spans == 0 {
            "already stored".to_owned()
        } else {
            format!("{} new", self.new_spans)
        };
        format!(
            "{}: trace {} from {} ({} spans, {new}): {} model calls, {} tool calls, {} batches, {findings}",
            self.backend.name(),
            self.trace_id,
            sanitize_line(&self.source),
            self.spans_read,
            self.model_calls,
            self.tool_calls,
            self.batches,
        )
    }
}

fn search(client: &Client, backend: Backend, text: &str, args: &Args) -> anyhow::Result<Exit> {
    let now_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let found = pull::search(
        client,
        backend,
        &SearchQuery {
            text: text.to_owned(),
            since: args.since,
            limit: usize::from(args.limit),
            now_unix,
        },
    )?;
    if args.json {
        println!("{}", crate::export::safe_json::to_string_pretty(&found)?);
        return Ok(Exit::Success);
    }
    print_table(&found);
    if found.is_empty() {
        eprintln!(
            "no traces matched in the last {}",
            shown_duration(args.since)
        );
    } else {
        eprintln!(
            "{} trace(s); open one with: fanout pull {} TRACE_ID",
            found.len(),
            client.base.text
        );
    }
    Ok(Exit::Success)
}

fn shown_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 && s > 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn print_table(found: &[TraceSummary]) {
    if found.is_empty() {
        return;
    }
    println!(
        "{:<32}  {:<19}  {:>10}  {:<20}  ROOT",
        "TRACE ID", "START (UTC)", "DURATION", "SERVICE"
    );
    for t in found {
        let start = t
            .start_unix_nano
            .and_then(|n| i64::try_from(n).ok())
            .map(|n| {
                chrono::DateTime::from_timestamp_nanos(n)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|| "-".into());
        let duration = t
            .duration_ms
            .map(|ms| {
                if ms >= 1000.0 {
                    format!("{:.1}s", ms / 1000.0)
                } else {
                    format!("{ms:.0}ms")
                }
            })
            .unwrap_or_else(|| "-".into());
        let cut = |s: &Option<String>, n: usize| {
            let s = sanitize_line(s.as_deref().unwrap_or("-")).into_owned();
            if s.chars().count() > n {
                let mut c: String = s.chars().take(n - 1).collect();
                c.push('…');
                c
            } else {
                s
            }
        };
        println!(
            "{:<32}  {start:<19}  {duration:>10}  {:<20}  {}",
            t.trace_id,
            cut(&t.service, 20),
            cut(&t.root_name, 60)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert!(parse_duration("2w").is_err());
        assert!(parse_duration("h").is_err());
        assert_eq!(shown_duration(Duration::from_secs(7200)), "2h");
    }
}
