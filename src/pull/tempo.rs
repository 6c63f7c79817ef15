//! Grafana Tempo: `GET /api/v2/traces/{id}` (the trace inside Tempo's `{"trace": ...}` answer),
//! falling back to v1 `/api/traces/{id}` (`{"batches": [...]}`) on servers without v2; search
//! with TraceQL on `/api/search`.

use serde_json::{json, Value};

use super::client::{encode, Client};
use super::{bad_body, parse_json, Backend, PullError, Pulled, SearchQuery, TraceSummary};

/// Fetches trace `id` (normalized hex).
pub fn fetch(client: &Client, id: &str) -> Result<Pulled, PullError> {
    let not_found = || {
        format!(
            "trace {id} not found at Tempo {} (it may be older than the retention, or not flushed yet)",
            client.base.text
        )
    };
    let mut answer = client.get(&format!("/api/v2/traces/{id}"))?;
    if answer.status == 404 {
        // Either the trace is unknown or the server predates v2: v1 tells them apart.
        answer = client.get(&format!("/api/traces/{id}"))?;
    }
    if !answer.ok() {
        return Err(client.status_error(&answer, not_found));
    }
    let doc = parse_json(&answer, Backend::Tempo)?;
    let mut warnings = Vec::new();
    if let Some(status) = doc.get("status").and_then(Value::as_str) {
        if status.eq_ignore_ascii_case("partial") {
            let message = doc.get("message").and_then(Value::as_str).unwrap_or("");
            warnings.push(format!(
                "Tempo says the trace is partial{}{}",
                if message.is_empty() { "" } else { ": " },
                crate::sanitize::sanitize_line(message)
            ));
        }
    }
    let resource_spans = resource_spans(&doc).ok_or_else(|| {
        bad_body(
            &answer,
            Backend::Tempo,
            "no trace.resourceSpans or batches".into(),
        )
    })?;
    if resource_spans.is_empty() {
        return Err(PullError::NotFound(not_found()));
    }
    let mut body = serde_json::to_vec(&json!({ "resourceSpans": resource_spans }))
        .map_err(|e| bad_body(&answer, Backend::Tempo, e.to_string()))?;
    body.push(b'\n');
    Ok(Pulled {
        backend: Backend::Tempo,
        source: answer.url,
        body,
        warnings,
    })
}

/// The `ResourceSpans` array of a v2 (`{"trace": {...}}`) or v1 answer, under either of the
/// names Tempo has used (`resourceSpans`, `batches`).
fn resource_spans(doc: &Value) -> Option<&Vec<Value>> {
    let trace = doc.get("trace").unwrap_or(doc);
    if trace.is_object() && trace.as_object().is_some_and(|o| o.is_empty()) {
        static EMPTY: Vec<Value> = Vec::new();
        return Some(&EMPTY);
    }
    ["resourceSpans", "resource_spans", "batches"]
        .iter()
        .find_map(|k| trace.get(*k))
        .and_then(Value::as_array)
}

/// Searches with TraceQL (`{}` when the query is empty).
pub fn search(client: &Client, query: &SearchQuery) -> Result<Vec<TraceSummary>, PullError> {
    let q = if query.text.trim().is_empty() {
        "{}"
    } else {
        query.text.trim()
    };
    let start = query.now_unix.saturating_sub(query.since.as_secs());
    let path = format!(
        "/api/search?q={}&limit={}&start={start}&end={}",
        encode(q),
        query.limit,
        query.now_unix + 1
    );
    let answer = client.get(&path)?;
    if !answer.ok() {
        return Err(client.status_error(&answer, || {
            format!("Tempo at {} has no search endpoint", client.base.text)
        }));
    }
    let doc = parse_json(&answer, Backend::Tempo)?;
    let traces = doc
        .get("traces")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(traces
        .iter()
        .filter_map(|t| {
            let id = t.get("traceID").or_else(|| t.get("traceId"))?.as_str()?;
            let id = super::normalize_trace_id(id).ok()?;
            let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_owned);
            Some(TraceSummary {
                trace_id: id,
                root_name: text("rootTraceName"),
                service: text("rootServiceName"),
                start_unix_nano: t.get("startTimeUnixNano").and_then(|v| match v {
                    Value::String(s) => s.parse().ok(),
                    other => other.as_u64(),
                }),
                duration_ms: t.get("durationMs").and_then(Value::as_f64),
                spans: None,
            })
        })
        .collect())
}
