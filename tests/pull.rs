//! `fanout pull` against Tempo and Jaeger answers recorded in their documented shapes
//! (`tests/fixtures/pull/`), served by a real HTTP server on loopback that checks credentials
//! and fails on demand: the trace is stored with the URL as its source, the lost update in it
//! is found, and every failure gives an error a user can act on without showing a secret.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::text;

const TRACE: &str = "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c4";
const TOKEN: &str = "tok-very-secret-4711";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    authorization: Option<String>,
    headers: Vec<(String, String)>,
}

type Handler = dyn Fn(&Seen) -> (u16, Vec<u8>) + Send + Sync;

/// A loopback HTTP/1.1 server answering each request with `handler`, recording what it saw.
struct Backend {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Backend {
    fn start(handler: impl Fn(&Seen) -> (u16, Vec<u8>) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, log) = (Arc::clone(&handler), Arc::clone(&log));
                std::thread::spawn(move || answer(stream, &*handler, &log));
            }
        });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = h.trim_end().split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let seen = Seen {
        target,
        authorization: headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.clone()),
        headers,
    };
    log.lock().unwrap().push(seen.clone());
    let (status, body) = handler(&seen);
    let mut out = stream;
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&body);
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pull")
            .join(name),
    )
    .expect("fixture")
}

/// Runs `fanout` with a private HOME and data folder, no pull credentials from the caller's
/// environment and no proxy, plus `env`.
fn fanout(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fanout"));
    cmd.args(args)
        .arg("--db")
        .arg(dir.join("fanout.db"))
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("NO_COLOR", "1");
    for var in [
        "FANOUT_DB",
        "FANOUT_CATALOG",
        "FANOUT_PULL_TOKEN",
        "FANOUT_PULL_USER",
        "FANOUT_PULL_PASSWORD",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run fanout")
}

/// A Tempo that wants `Bearer TOKEN`, with the v2 trace endpoint, echo and search.
fn tempo() -> Backend {
    Backend::start(|req| {
        if req.authorization.as_deref() != Some(&format!("Bearer {TOKEN}")) {
            return (401, b"Unauthorized".to_vec());
        }
        let path = req.target.split('?').next().unwrap_or("");
        match path {
            "/api/echo" => (200, b"echo".to_vec()),
            p if p == format!("/api/v2/traces/{TRACE}") => (200, fixture("tempo_v2_trace.json")),
            "/api/search" => (200, fixture("tempo_search.json")),
            p if p.starts_with("/api/v2/traces/") => (404, b"trace not found".to_vec()),
            p if p.starts_with("/api/traces/") => (404, b"trace not found".to_vec()),
            _ => (404, b"404 page not found".to_vec()),
        }
    })
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn assert_lost_update(summary: &serde_json::Value) {
    assert_eq!(summary["trace_id"], TRACE, "{summary:#}");
    assert_eq!(summary["tool_calls"], 2, "{summary:#}");
    assert_eq!(summary["batches"], 1, "{summary:#}");
    let findings = summary["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["kind"] == "shared_state_mutation"
            && f["severity"] == "observed"
            && f["resource"]
                .as_str()
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("acc-1001")),
        "the lost update on ACC-1001 is found: {summary:#}"
    );
}

#[test]
fn tempo_trace_is_stored_with_its_url_and_the_lost_update_found() {
    let dir = tempfile::tempdir().unwrap();
    let server = tempo();
    let out = fanout(
        dir.path(),
        &["pull", &server.url, TRACE, "--json"],
        &[("FANOUT_PULL_TOKEN", TOKEN)],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let summary = json(&out);
    assert_eq!(summary["backend"], "tempo");
    assert_eq!(summary["spans_read"], 5);
    assert_eq!(summary["new_spans"], 5);
    assert_lost_update(&summary);
    let source = format!("{}/api/v2/traces/{TRACE}", server.url);
    assert_eq!(summary["source"], source.as_str());
    // Detection asked Phoenix's and Tempo's identifying endpoints, then fetched v2.
    let targets: Vec<String> = server.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            "/arize_phoenix_version".to_owned(),
            "/api/echo".to_owned(),
            format!("/api/v2/traces/{TRACE}")
        ]
    );
    assert!(!text(&out.stderr).contains(TOKEN) && !text(&out.stdout).contains(TOKEN));

    // The stored run names the URL as its source.
    let audit = fanout(dir.path(), &["audit", "--format", "json"], &[]);
    assert!(
        matches!(audit.status.code(), Some(0 | 1)),
        "{}",
        text(&audit.stderr)
    );
    let report = json(&audit);
    let trace = &report["traces"][0];
    assert!(
        trace["sources"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == source.as_str())),
        "sources name the URL: {trace:#}"
    );

    // Pulling again is idempotent; the summary line (no terminal) says so.
    let again = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            TRACE,
            "--backend",
            "tempo",
            "--token",
            TOKEN,
        ],
        &[],
    );
    assert!(again.status.success(), "{}", text(&again.stderr));
    let line = text(&again.stdout);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.starts_with("Tempo: trace 9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c4"),
        "{line}"
    );
    assert!(line.contains("already stored"), "{line}");
    assert!(line.contains("shared_state_mutation observed"), "{line}");
}

#[test]
fn tempo_without_v2_falls_back_to_v1_batches() {
    let dir = tempfile::tempdir().unwrap();
    let server = Backend::start(|req| match req.target.as_str() {
        t if t == format!("/api/traces/{TRACE}") => (200, fixture("tempo_v1_trace.json")),
        _ => (404, b"404 page not found".to_vec()),
    });
    // Leading zeros may be left out of an id; this one has none, upper case is fine.
    let out = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            &TRACE.to_ascii_uppercase(),
            "--backend",
            "tempo",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_lost_update(&json(&out));
}

#[test]
fn jaeger_chunks_are_merged_with_basic_auth() {
    let dir = tempfile::tempdir().unwrap();
    let server = Backend::start(|req| {
        // bob:pw in base64
        if req.authorization.as_deref() != Some("Basic Ym9iOnB3") {
            return (
                401,
                br#"{"error":{"httpCode":401,"message":"unauthorized"}}"#.to_vec(),
            );
        }
        match req.target.split('?').next().unwrap_or("") {
            "/api/v3/services" => (200, br#"{"services":["billing-agent-svc"]}"#.to_vec()),
            t if t == format!("/api/v3/traces/{TRACE}") => (200, fixture("jaeger_v3_trace.json")),
            "/api/v3/traces" => (200, fixture("jaeger_v3_trace.json")),
            t if t.starts_with("/api/v3/traces/") => (
                404,
                br#"{"error":{"httpCode":404,"grpcCode":5,"message":"trace not found"}}"#.to_vec(),
            ),
            _ => (404, b"404 page not found".to_vec()),
        }
    });
    let out = fanout(
        dir.path(),
        &["pull", &server.url, TRACE, "--user", "bob", "--json"],
        &[("FANOUT_PULL_PASSWORD", "pw")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = json(&out);
    assert_eq!(summary["backend"], "jaeger");
    assert_eq!(summary["spans_read"], 5, "both chunks read: {summary:#}");
    assert_lost_update(&summary);

    // An unknown id: the 404 and its error chunk become "not found".
    let missing = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            "abc",
            "--user",
            "bob:pw",
            "--backend",
            "jaeger",
        ],
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    let err = text(&missing.stderr);
    assert!(
        err.contains("trace 00000000000000000000000000000abc not found at Jaeger"),
        "{err}"
    );

    // Search by service: one trace, summarized from its spans.
    let found = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            "--backend",
            "jaeger",
            "--user",
            "bob:pw",
            "--search",
            "billing-agent-svc",
            "--json",
        ],
        &[],
    );
    assert!(found.status.success(), "{}", text(&found.stderr));
    let list = json(&found);
    assert_eq!(list[0]["trace_id"], TRACE, "{list:#}");
    assert_eq!(list[0]["root_name"], "invoke_agent billing-agent");
    assert_eq!(list[0]["service"], "billing-agent-svc");
    assert_eq!(list[0]["spans"], 5);
    let search = server
        .seen()
        .into_iter()
        .rfind(|s| s.target.starts_with("/api/v3/traces?"))
        .expect("a search request");
    assert!(
        search
            .target
            .contains("query.service_name=billing-agent-svc"),
        "{}",
        search.target
    );
    assert!(
        search.target.contains("query.start_time_min="),
        "{}",
        search.target
    );
}

#[test]
fn tempo_search_lists_traces_from_traceql() {
    let dir = tempfile::tempdir().unwrap();
    let server = tempo();
    let query = r#"{ span.gen_ai.operation.name = "execute_tool" }"#;
    let out = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            "--token",
            TOKEN,
            "--search",
            query,
            "--since",
            "2h",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.starts_with("TRACE ID"), "{table}");
    assert!(table.contains(TRACE), "{table}");
    // Tempo trims leading zeros; fanout shows the full id to paste back.
    assert!(
        table.contains("07f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9"),
        "{table}"
    );
    assert!(table.contains("invoke_agent billing-agent"), "{table}");
    assert!(table.contains("2.0s"), "{table}");
    let seen = server.seen();
    let search = seen
        .iter()
        .find(|s| s.target.starts_with("/api/search?"))
        .expect("a search request");
    assert!(
        search
            .target
            .contains("q=%7B%20span.gen_ai.operation.name%20%3D%20%22execute_tool%22%20%7D"),
        "{}",
        search.target
    );
    assert!(search.target.contains("&start="), "{}", search.target);

    let as_json = fanout(
        dir.path(),
        &["pull", &server.url, "--token", TOKEN, "--search", "--json"],
        &[],
    );
    assert!(as_json.status.success(), "{}", text(&as_json.stderr));
    let list = json(&as_json);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["duration_ms"], 2044.0);
}

fn failing(status: u16, body: &'static [u8]) -> Backend {
    Backend::start(move |_| (status, body.to_vec()))
}

fn pull_error(url: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["pull", url, TRACE, "--backend", "tempo"];
    args.extend_from_slice(extra);
    let out = fanout(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(2), "stdout: {}", text(&out.stdout));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(!err.contains(TOKEN), "the token is never shown: {err}");
    err
}

#[test]
fn missing_or_refused_credentials_say_what_to_pass() {
    let server = tempo();
    let err = pull_error(&server.url, &[]);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(err.contains("pass --token"), "{err}");

    let echo = Backend::start(|req| {
        (
            403,
            format!(
                "forbidden: {}",
                req.authorization.clone().unwrap_or_default()
            )
            .into_bytes(),
        )
    });
    let err = pull_error(&echo.url, &["--token", TOKEN]);
    assert!(err.contains("credentials given were refused"), "{err}");

    // Basic credentials in the URL are sent, and the URL is shown without them.
    let url = echo.url.replace("http://", &format!("http://me:{TOKEN}@"));
    let err = pull_error(&url, &[]);
    assert!(err.contains(&echo.url), "{err}");
    assert!(echo
        .seen()
        .last()
        .unwrap()
        .authorization
        .as_deref()
        .unwrap_or("")
        .starts_with("Basic "));
}

#[test]
fn not_found_server_errors_and_bad_bodies_are_named() {
    let server = tempo();
    let dir = tempfile::tempdir().unwrap();
    let out = fanout(
        dir.path(),
        &["pull", &server.url, "ffff", "--token", TOKEN],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("trace 0000000000000000000000000000ffff not found at Tempo"),
        "{err}"
    );
    // v2 said 404, so v1 was asked too before giving up.
    assert!(server
        .seen()
        .iter()
        .any(|s| s.target == "/api/traces/0000000000000000000000000000ffff"));

    let broken = failing(503, b"upstream connect error or disconnect/reset before headers.\n\x1b[31mreset\x1b[0m reason: overflow");
    let err = pull_error(&broken.url, &[]);
    assert!(err.contains("HTTP 503"), "{err}");
    assert!(err.contains("upstream connect error"), "{err}");
    assert!(
        !err.contains('\x1b'),
        "escape sequences are neutralized: {err:?}"
    );

    let html = failing(200, b"<html><body>Grafana login</body></html>");
    let err = pull_error(&html.url, &[]);
    assert!(err.contains("not the JSON Tempo answers with"), "{err}");

    let empty = failing(200, br#"{"trace":{}}"#);
    let err = pull_error(&empty.url, &[]);
    assert!(err.contains("not found at Tempo"), "{err}");
}

#[test]
fn unreachable_slow_and_unknown_backends() {
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let err = pull_error(&closed, &[]);
    assert!(err.contains("cannot reach"), "{err}");
    assert!(err.contains("connection refused"), "{err}");

    let slow = Backend::start(|_| {
        std::thread::sleep(Duration::from_secs(5));
        (200, b"{}".to_vec())
    });
    let started = std::time::Instant::now();
    let err = pull_error(&slow.url, &["--timeout", "0.5"]);
    assert!(err.contains("did not answer within 0.5 s"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    let dir = tempfile::tempdir().unwrap();
    let nothing = failing(404, b"404 page not found");
    let out = fanout(dir.path(), &["pull", &nothing.url, TRACE], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("does not look like Tempo, Jaeger or Phoenix"),
        "{err}"
    );
    assert!(err.contains("--backend"), "{err}");

    let out = fanout(dir.path(), &["pull", &nothing.url, "not-hex!"], &[]);
    assert!(
        text(&out.stderr).contains("bad trace id"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        nothing.seen().len() == 3,
        "a bad id is refused before asking anything else"
    );

    let out = fanout(dir.path(), &["pull", "ftp://example.com", TRACE], &[]);
    assert!(
        text(&out.stderr).contains("only http:// and https://"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn extra_headers_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = Backend::start(|req| {
        let tenant = req
            .headers
            .iter()
            .any(|(n, v)| n == "x-scope-orgid" && v == "team-a");
        if !tenant {
            return (401, b"no org id".to_vec());
        }
        match req.target.as_str() {
            t if t == format!("/api/v2/traces/{TRACE}") => (200, fixture("tempo_v2_trace.json")),
            _ => (404, Vec::new()),
        }
    });
    let out = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            TRACE,
            "--backend",
            "tempo",
            "--header",
            "X-Scope-OrgID: team-a",
            "--no-open",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 finding(s): shared_state_mutation observed"),
        "{}",
        text(&out.stdout)
    );
}

const PHOENIX_TRACE: &str = "763582c39e0074cc9b02df4030149c19";

/// A Phoenix serving the answers recorded from a real one (20.26.1, `tests/phoenix/run.sh`
/// sent the run): two projects, the trace in the second.
fn phoenix() -> Backend {
    Backend::start(|req| {
        let path = req.target.split('?').next().unwrap_or("");
        match path {
            "/arize_phoenix_version" => (200, b"20.26.1".to_vec()),
            "/v1/projects" => (200, fixture("phoenix_projects.json")),
            "/v1/projects/fanout-pull-test/spans/otlpv1"
                if req.target.contains(&format!("trace_id={PHOENIX_TRACE}")) =>
            {
                (200, fixture("phoenix_otlpv1_spans.json"))
            }
            "/v1/projects/fanout-pull-test/spans/otlpv1" | "/v1/projects/default/spans/otlpv1" => {
                (200, br#"{"data":[],"next_cursor":null}"#.to_vec())
            }
            "/v1/projects/fanout-pull-test/traces" => (200, fixture("phoenix_traces.json")),
            p if p.starts_with("/v1/projects/") => {
                (404, b"Project with name nope not found".to_vec())
            }
            _ => (404, br#"{"detail":"Not Found"}"#.to_vec()),
        }
    })
}

#[test]
fn phoenix_recorded_spans_become_a_run_with_its_lost_update() {
    let dir = tempfile::tempdir().unwrap();
    let server = phoenix();
    let out = fanout(
        dir.path(),
        &["pull", &server.url, PHOENIX_TRACE, "--json"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = json(&out);
    assert_eq!(summary["backend"], "phoenix");
    assert_eq!(summary["spans_read"], 5, "{summary:#}");
    assert_eq!(summary["model_calls"], 2, "{summary:#}");
    assert_eq!(summary["tool_calls"], 2, "{summary:#}");
    assert_eq!(summary["batches"], 1, "{summary:#}");
    assert!(
        summary["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "shared_state_mutation"
                && f["severity"] == "observed"
                && f["resource"]
                    .as_str()
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .contains("acc-1001")),
        "{summary:#}"
    );
    // Without --project every project is asked in turn (the listing's order).
    let asked: Vec<String> = server
        .seen()
        .into_iter()
        .map(|s| s.target.split('?').next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        asked,
        [
            "/arize_phoenix_version",
            "/v1/projects",
            "/v1/projects/fanout-pull-test/spans/otlpv1"
        ]
    );

    let missing = fanout(
        dir.path(),
        &["pull", &server.url, "abcd", "--backend", "phoenix"],
        &[],
    );
    let err = text(&missing.stderr);
    assert!(err.contains("not found at Phoenix"), "{err}");
    assert!(err.contains("any of its 2 project(s)"), "{err}");
    let wrong = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            "abcd",
            "--backend",
            "phoenix",
            "--project",
            "nope",
        ],
        &[],
    );
    assert!(
        text(&wrong.stderr).contains("no project \"nope\""),
        "{}",
        text(&wrong.stderr)
    );

    let listed = fanout(
        dir.path(),
        &[
            "pull",
            &server.url,
            "--search",
            "fanout-pull-test",
            "--json",
        ],
        &[],
    );
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let list = json(&listed);
    assert_eq!(list[0]["trace_id"], PHOENIX_TRACE, "{list:#}");
    assert_eq!(list[0]["root_name"], "billing-agent");
    assert_eq!(list[0]["service"], "fanout-pull-test");
    assert_eq!(list[0]["spans"], 5);
}

/// In a terminal, `pull` opens the viewer on the pulled trace (tmux drives the real binary;
/// skips, saying so, without tmux: `.ci/run` installs it).
#[test]
fn in_a_terminal_the_pulled_trace_opens_in_the_viewer() {
    if !common::tmux::available("in_a_terminal_the_pulled_trace_opens_in_the_viewer") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = tempo();
    let command = format!(
        "env NO_COLOR=1 TERM=xterm-256color HOME='{home}' XDG_DATA_HOME='{home}/data' FANOUT_PULL_TOKEN='{TOKEN}' '{bin}' --db '{db}' pull '{url}' {TRACE}; sleep 30",
        home = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_fanout"),
        db = dir.path().join("tui.db").display(),
        url = server.url,
    );
    let tmux = common::tmux::Tmux::start(dir.path(), "fanout-pull", (120, 36), &command);
    let screen = tmux.screen_until(|s| s.contains("timeline") && s.contains("deposit"));
    assert!(
        screen.contains("timeline") && screen.contains("deposit"),
        "the pulled trace did not open:\n{screen}"
    );
    assert!(!screen.contains(TOKEN), "{screen}");
    tmux.keys("q");
}

/// In the viewer, `p` asks for `URL TRACE_ID`, pulls the trace (the token from
/// `FANOUT_PULL_TOKEN`, as `fanout pull` reads it) and opens it; a trace the backend does not
/// have is named in the status line and the viewer stays usable.
#[test]
fn the_viewer_pull_prompt_fetches_stores_and_opens_the_trace() {
    if !common::tmux::available("the_viewer_pull_prompt_fetches_stores_and_opens_the_trace") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = tempo();
    // The viewer opens an existing database: one sample in it first.
    let out = fanout(
        dir.path(),
        &["ingest", &common::sample("clean_sequential.otlp.json")],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let command = format!(
        "env NO_COLOR=1 TERM=xterm-256color HOME='{home}' XDG_DATA_HOME='{home}/data' FANOUT_PULL_TOKEN='{TOKEN}' '{bin}' --db '{db}'; sleep 30",
        home = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_fanout"),
        db = dir.path().join("fanout.db").display(),
    );
    let tmux = common::tmux::Tmux::start(dir.path(), "fanout-pull-prompt", (120, 36), &command);
    let screen = tmux.screen_with("1 of 1");
    assert!(
        screen.contains("1 of 1"),
        "the viewer did not start:\n{screen}"
    );

    // A trace Tempo does not have.
    tmux.keys("p");
    tmux.screen_with("pull (URL TRACE_ID)");
    tmux.keys(&format!("{} 0000dead", server.url));
    tmux.keys("Enter");
    let screen = tmux.screen_with("pull failed");
    assert!(
        screen.contains("pull failed") && screen.contains("not found"),
        "the missing trace is named:\n{screen}"
    );

    // The prompt offers the URL again; the id completes it.
    tmux.keys("p");
    let screen = tmux.screen_with("pull (URL TRACE_ID)");
    assert!(screen.contains(&server.url), "{screen}");
    tmux.keys(TRACE);
    tmux.keys("Enter");
    let screen = tmux.screen_until(|s| s.contains("timeline") && s.contains("deposit"));
    assert!(
        screen.contains("timeline") && screen.contains("deposit") && screen.contains("from Tempo"),
        "the pulled trace did not open:\n{screen}"
    );
    assert!(!screen.contains(TOKEN), "{screen}");
    tmux.keys("q");

    // It is stored with its URL as its source, beside the sample.
    let listed = fanout(dir.path(), &["list", "--json"], &[]);
    let list = json(&listed);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list:#}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["trace_id"] == TRACE),
        "{list:#}"
    );
    // Tempo was asked with the token from the environment.
    assert!(server
        .seen()
        .iter()
        .any(|s| s.target.starts_with(&format!("/api/v2/traces/{TRACE}"))
            && s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
}
