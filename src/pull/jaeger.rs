//! Jaeger v2: `GET /api/v3/traces/{id}` answers OTLP `TracesData` inside `{"result": ...}`,
//! streamed as one or more such chunks (concatenated or one per line), or `{"error": ...}`;
//! search on `/api/v3/traces` by service (and operation) over a time window.

use serde_json::Value;

use super::client::{encode, Answer, Client};
use super::{bad_body, Backend, PullError, Pulled, SearchQuery, TraceSummary};

/// Fetches trace `id` (normalized hex).
pub fn fetch(client: &Client, id: &str) -> Result<Pulled, PullError> {
    let not_found = || format!("trace {id} not found at Jaeger {}", client.base.text);
    let answer = client.get(&format!("/api/v3/traces/{id}"))?;
    if !answer.ok() {
        return Err(client.status_error(&answer, not_found));
    }
    let chunks = results(client, &answer, &not_found)?;
    let mut body = Vec::new();
    let mut spans = 0;
    for chunk in &chunks {
        spans += count_spans(chunk);
        serde_json::to_writer(&mut body, chunk)
            .map_err(|e| bad_body(&answer, Backend::Jaeger, e.to_string()))?;
        body.push(b'\n');
    }
    if spans == 0 {
        return Err(PullError::NotFound(not_found()));
    }
    Ok(Pulled {
        backend: Backend::Jaeger,
        source: answer.url,
        body,
        warnings: Vec::new(),
    })
}

/// The `result` documents of a streamed answer. An `error` chunk with code 404 means not found;
/// any other error chunk is reported with its message.
fn results(
    client: &Client,
    answer: &Answer,
    not_found: &dyn Fn() -> String,
) -> Result<Vec<Value>, PullError> {
    let mut out = Vec::new();
    for item in serde_json::Deserializer::from_slice(&answer.body).into_iter::<Value>() {
        let item = item.map_err(|e| bad_body(answer, Backend::Jaeger, e.to_string()))?;
        if let Some(result) = item.get("result") {
            if !result.is_null() {
                out.push(result.clone());
            }
        } else if let Some(error) = item.get("error") {
            let code = error
                .get("httpCode")
                .or_else(|| error.get("http_code"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if code == 404 || error.get("grpcCode").and_then(Value::as_u64) == Some(5) {
                return Err(PullError::NotFound(not_found()));
            }
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(PullError::Status {
                status: u16::try_from(code).unwrap_or(answer.status),
                url: answer.url.clone(),
                excerpt: client.excerpt(message.as_bytes()),
            });
        } else if item.get("resourceSpans").is_some() || item.get("resource_spans").is_some() {
            // A gateway that leaves out the wrapper.
            out.push(item);
        } else {
            return Err(bad_body(
                answer,
                Backend::Jaeger,
                "expected {\"result\": {\"resourceSpans\": [...]}} chunks".into(),
            ));
        }
    }
    Ok(out)
}

fn resource_spans(doc: &Value) -> &[Value] {
    doc.get("resourceSpans")
        .or_else(|| doc.get("resource_spans"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn count_spans(doc: &Value) -> usize {
    resource_spans(doc)
        .iter()
        .flat_map(|rs| {
            rs.get("scopeSpans")
                .or_else(|| rs.get("scope_spans"))
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
        })
        .map(|ss| {
            ss.get("spans")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        })
        .sum()
}

/// Searches by service name (`SERVICE`, or `SERVICE OPERATION`) over the last `since`.
pub fn search(client: &Client, query: &SearchQuery) -> Result<Vec<TraceSummary>, PullError> {
    let text = query.text.trim();
    let (service, operation) = match text.split_once(char::is_whitespace) {
        Some((s, o)) => (s, Some(o.trim())),
        None => (text, None),
    };
    if service.is_empty() {
        return Err(PullError::Usage(
            "Jaeger searches by service: pass --search SERVICE (or \"SERVICE OPERATION\")".into(),
        ));
    }
    let rfc3339 = |secs: u64| {
        chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let mut path = format!(
        "/api/v3/traces?query.service_name={}&query.start_time_min={}&query.start_time_max={}&query.search_depth={}",
        encode(service),
        encode(&rfc3339(query.now_unix.saturating_sub(query.since.as_secs()))),
        encode(&rfc3339(query.now_unix + 1)),
        query.limit
    );
    if let Some(op) = operation.filter(|o| !o.is_empty()) {
        path.push_str(&format!("&query.operation_name={}", encode(op)));
    }
    let answer = client.get(&path)?;
    if answer.status == 404 {
        // Jaeger answers a search that matched nothing with 404.
        return Ok(Vec::new());
    }
    if !answer.ok() {
        return Err(client.status_error(&answer, String::new));
    }
    let chunks = match results(client, &answer, &String::new) {
        Err(PullError::NotFound(_)) => return Ok(Vec::new()),
        other => other?,
    };
    let mut summaries = super::summarize_otlp(chunks.iter().flat_map(resource_spans));
    summaries.sort_by_key(|t| std::cmp::Reverse(t.start_unix_nano));
    summaries.truncate(query.limit);
    Ok(summaries)
}
