//! Fetching traces from the tracing backends teams already run (Grafana Tempo, Jaeger v2, Arize
//! Phoenix): one trace by id, as OTLP/JSON Lines for the ingest readers, or a list of matching
//! traces to pick from. Owns HTTP and each backend's response shapes; never SQL or analysis.

pub(crate) mod client;
pub(crate) mod into_store;
pub(crate) mod jaeger;
pub(crate) mod phoenix;
pub(crate) mod tempo;

use serde::Serialize;

pub use client::{Auth, BaseUrl, Client, ClientConfig};

/// The backends `pull` speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Grafana Tempo (`/api/v2/traces/ID`, search with TraceQL).
    Tempo,
    /// Jaeger v2 (`/api/v3/traces/ID`, OTLP inside `result`).
    Jaeger,
    /// Arize Phoenix (`/v1/projects/PROJECT/spans/otlpv1`).
    Phoenix,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Tempo => "Tempo",
            Self::Jaeger => "Jaeger",
            Self::Phoenix => "Phoenix",
        }
    }
}

/// Why a pull failed, in words a user can act on. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("bad URL {0}")]
    BadUrl(String),
    #[error("bad trace id {0:?}: expected 1 to 32 hexadecimal digits")]
    BadTraceId(String),
    #[error("authentication failed at {url} (HTTP {status}): {hint}")]
    Auth {
        status: u16,
        url: String,
        hint: &'static str,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{url} answered HTTP {status}: {excerpt}")]
    Status {
        status: u16,
        url: String,
        excerpt: String,
    },
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{url} did not answer within {secs} s (raise --timeout)")]
    Timeout { url: String, secs: f64 },
    #[error("{url}: the answer is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: not the JSON {backend} answers with: {reason}")]
    BadBody {
        url: String,
        backend: &'static str,
        reason: String,
    },
    #[error("{0}")]
    Detect(String),
    #[error("{0}")]
    Usage(String),
}

/// One trace fetched, as OTLP/JSON Lines (one `TracesData` document per line).
#[derive(Debug)]
pub struct Pulled {
    pub backend: Backend,
    /// The URL the trace came from (no credentials): recorded as the source of its spans.
    pub source: String,
    pub body: Vec<u8>,
    /// Things the user should know (a partial answer, ...), already sanitized.
    pub warnings: Vec<String>,
}

/// One trace in a search answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceSummary {
    pub trace_id: String,
    pub root_name: Option<String>,
    pub service: Option<String>,
    /// Unix nanoseconds.
    pub start_unix_nano: Option<u64>,
    pub duration_ms: Option<f64>,
    pub spans: Option<usize>,
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Tempo: TraceQL (empty: `{}`); Jaeger: a service name; Phoenix: a project (empty: all).
    pub text: String,
    /// How far back to look.
    pub since: std::time::Duration,
    pub limit: usize,
    /// Unix seconds now (the caller owns the clock).
    pub now_unix: u64,
}

/// A trace id as backends expect it: lower-case hex, left-padded to 32 digits.
pub fn normalize_trace_id(id: &str) -> Result<String, PullError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PullError::BadTraceId(
            crate::sanitize::sanitize_line(id)
                .chars()
                .take(80)
                .collect(),
        ));
    }
    Ok(format!("{:0>32}", id.to_ascii_lowercase()))
}

/// Tells from an answer's body whether it came from the backend probed.
type Probe = fn(&[u8]) -> bool;

/// The backend behind `client`'s URL: asks each one's own identifying endpoint (Phoenix's
/// version, Tempo's echo, Jaeger's service list). A refusal for lack of credentials is reported
/// as such, since no backend can be told apart without them.
pub fn detect(client: &Client) -> Result<Backend, PullError> {
    let mut tried = Vec::new();
    let probes: [(Backend, &str, Probe); 3] = [
        (Backend::Phoenix, "/arize_phoenix_version", |b| {
            let t = String::from_utf8_lossy(b);
            let t = t.trim();
            !t.is_empty() && t.len() < 64 && t.chars().next().is_some_and(|c| c.is_ascii_digit())
        }),
        (Backend::Tempo, "/api/echo", |b| {
            String::from_utf8_lossy(b).trim() == "echo"
        }),
        (Backend::Jaeger, "/api/v3/services", |b| {
            serde_json::from_slice::<serde_json::Value>(b)
                .ok()
                .is_some_and(|v| v.get("services").is_some())
        }),
    ];
    for (backend, path, looks_right) in probes {
        let answer = client.get(path)?;
        if answer.ok() && looks_right(&answer.body) {
            return Ok(backend);
        }
        if matches!(answer.status, 401 | 403) {
            return Err(PullError::Auth {
                status: answer.status,
                url: answer.url,
                hint: client.auth().hint(),
            });
        }
        tried.push(format!("{path} → HTTP {}", answer.status));
    }
    Err(PullError::Detect(format!(
        "{} does not look like Tempo, Jaeger or Phoenix ({}); pass --backend tempo|jaeger|phoenix",
        client.base.text,
        tried.join(", ")
    )))
}

/// Fetches one trace. `project` narrows Phoenix to one project.
pub fn fetch(
    client: &Client,
    backend: Backend,
    trace_id: &str,
    project: Option<&str>,
) -> Result<Pulled, PullError> {
    let id = normalize_trace_id(trace_id)?;
    match backend {
        Backend::Tempo => tempo::fetch(client, &id),
        Backend::Jaeger => jaeger::fetch(client, &id),
        Backend::Phoenix => phoenix::fetch(client, &id, project),
    }
}

/// Lists traces matching `query`, newest first where the backend orders them.
pub fn search(
    client: &Client,
    backend: Backend,
    query: &SearchQuery,
) -> Result<Vec<TraceSummary>, PullError> {
    match backend {
        Backend::Tempo => tempo::search(client, query),
        Backend::Jaeger => jaeger::search(client, query),
        Backend::Phoenix => phoenix::search(client, query),
    }
}

/// Parses a JSON body, or says which backend's answer it was not.
fn parse_json(answer: &client::Answer, backend: Backend) -> Result<serde_json::Value, PullError> {
    serde_json::from_slice(&answer.body).map_err(|e| bad_body(answer, backend, e.to_string()))
}

fn bad_body(answer: &client::Answer, backend: Backend, reason: String) -> PullError {
    PullError::BadBody {
        url: answer.url.clone(),
        backend: backend.name(),
        reason: crate::sanitize::sanitize_line(&reason).into_owned(),
    }
}

/// Summaries of the traces in OTLP/JSON `resourceSpans` arrays (camelCase or snake_case keys,
/// hex or base64 ids), one per trace id, in order of first appearance.
fn summarize_otlp<'a>(
    resource_spans: impl IntoIterator<Item = &'a serde_json::Value>,
) -> Vec<TraceSummary> {
    use serde_json::Value;
    let get = |v: &'a Value, camel: &str, snake: &str| -> Option<&'a Value> {
        v.get(camel).or_else(|| v.get(snake))
    };
    let nanos = |v: Option<&Value>| -> Option<u64> {
        match v? {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    };
    let mut out: Vec<(TraceSummary, Option<u64>)> = Vec::new();
    for rs in resource_spans {
        let service = rs
            .get("resource")
            .and_then(|r| r.get("attributes"))
            .and_then(Value::as_array)
            .and_then(|attrs| {
                attrs
                    .iter()
                    .find(|kv| kv.get("key").and_then(Value::as_str) == Some("service.name"))
            })
            .and_then(|kv| kv.get("value"))
            .and_then(|v| get(v, "stringValue", "string_value"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let scopes = get(rs, "scopeSpans", "scope_spans")
            .or_else(|| {
                get(
                    rs,
                    "instrumentationLibrarySpans",
                    "instrumentation_library_spans",
                )
            })
            .and_then(Value::as_array);
        for scope in scopes.into_iter().flatten() {
            for span in scope
                .get("spans")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(id) = get(span, "traceId", "trace_id")
                    .and_then(Value::as_str)
                    .and_then(|s| crate::ingest::otlp_json::parse_trace_id(s).ok())
                else {
                    continue;
                };
                let id = id.to_string();
                let start = nanos(get(span, "startTimeUnixNano", "start_time_unix_nano"));
                let end = nanos(get(span, "endTimeUnixNano", "end_time_unix_nano"));
                let parent = get(span, "parentSpanId", "parent_span_id")
                    .and_then(Value::as_str)
                    .filter(|p| crate::ingest::otlp_json::parse_span_id(p).is_ok());
                let at = match out.iter().position(|(s, _)| s.trace_id == id) {
                    Some(i) => i,
                    None => {
                        out.push((
                            TraceSummary {
                                trace_id: id,
                                root_name: None,
                                service: None,
                                start_unix_nano: None,
                                duration_ms: None,
                                spans: Some(0),
                            },
                            None,
                        ));
                        out.len() - 1
                    }
                };
                let (summary, last_end) = &mut out[at];
                summary.spans = summary.spans.map(|n| n + 1);
                if parent.is_none() && summary.root_name.is_none() {
                    summary.root_name = span.get("name").and_then(Value::as_str).map(str::to_owned);
                    summary.service.clone_from(&service);
                }
                if summary.service.is_none() {
                    summary.service.clone_from(&service);
                }
                if let Some(s) = start {
                    summary.start_unix_nano = Some(summary.start_unix_nano.map_or(s, |x| x.min(s)));
                }
                if let Some(e) = end {
                    *last_end = Some(last_end.map_or(e, |x| x.max(e)));
                }
            }
        }
    }
    out.into_iter()
        .map(|(mut s, end)| {
            if let (Some(a), Some(b)) = (s.start_unix_nano, end) {
                s.duration_ms = Some(b.saturating_sub(a) as f64 / 1e6);
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_padded_lower_hex() {
        assert_eq!(
            normalize_trace_id("ABC").unwrap(),
            "00000000000000000000000000000abc"
        );
        assert!(normalize_trace_id("../admin").is_err());
        assert!(normalize_trace_id("").is_err());
        assert!(normalize_trace_id(&"a".repeat(33)).is_err());
    }

    #[test]
    fn summaries_find_root_service_and_duration() {
        let doc: serde_json::Value = serde_json::json!([{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agent"}}]},
            "scopeSpans": [{"spans": [
                {"traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": "0000000000000002",
                 "parentSpanId": "0000000000000001", "name": "child",
                 "startTimeUnixNano": "2000000", "endTimeUnixNano": "3000000"},
                {"traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": "0000000000000001",
                 "name": "root", "startTimeUnixNano": "1000000", "endTimeUnixNano": "5000000"}
            ]}]
        }]);
        let s = summarize_otlp(doc.as_array().unwrap());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].root_name.as_deref(), Some("root"));
        assert_eq!(s[0].service.as_deref(), Some("agent"));
        assert_eq!(s[0].start_unix_nano, Some(1_000_000));
        assert_eq!(s[0].duration_ms, Some(4.0));
        assert_eq!(s[0].spans, Some(2));
    }
}
