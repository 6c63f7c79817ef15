//! Arize Phoenix: a trace's spans from `GET /v1/projects/{project}/spans/otlpv1?trace_id=...`
//! (OTLP spans with snake_case keys, paged by `next_cursor`), wrapped into one OTLP/JSON document
//! with the project as `service.name`; the OpenInference attributes are read by `normalize`.
//! Without `--project` every project is asked in turn. Search lists a project's traces.

use serde_json::{json, Value};

use super::client::{encode, Client};
use super::{bad_body, parse_json, Backend, PullError, Pulled, SearchQuery, TraceSummary};

/// Spans asked for per page (Phoenix's maximum).
const PAGE: usize = 1000;
/// Pages read at most for one trace.
const MAX_PAGES: usize = 500;
/// Projects asked at most when none is named.
const MAX_PROJECTS: usize = 100;

/// Fetches trace `id` (normalized hex) from `project`, or from whichever project has it.
pub fn fetch(client: &Client, id: &str, project: Option<&str>) -> Result<Pulled, PullError> {
    let projects = match project {
        Some(p) => vec![p.to_owned()],
        None => project_names(client)?,
    };
    for name in &projects {
        let (spans, url) = spans_of(client, name, id, project.is_some())?;
        if spans.is_empty() {
            continue;
        }
        let doc = json!({"resourceSpans": [{
            "resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": name}},
                {"key": "phoenix.project", "value": {"stringValue": name}},
            ]},
            "scopeSpans": [{"scope": {"name": "arize-phoenix"}, "spans": spans}],
        }]});
        let mut body = serde_json::to_vec(&doc).map_err(|e| PullError::BadBody {
            url: url.clone(),
            backend: "Phoenix",
            reason: e.to_string(),
        })?;
        body.push(b'\n');
        return Ok(Pulled {
            backend: Backend::Phoenix,
            source: url,
            body,
            warnings: Vec::new(),
        });
    }
    let place = match project {
        Some(p) => format!("in project {:?}", crate::sanitize::sanitize_line(p)),
        None => format!("in any of its {} project(s)", projects.len()),
    };
    Err(PullError::NotFound(format!(
        "trace {id} not found at Phoenix {} {place}",
        client.base.text
    )))
}

/// Every span of trace `id` in `project`, nulls removed; and the first page's URL.
fn spans_of(
    client: &Client,
    project: &str,
    id: &str,
    named: bool,
) -> Result<(Vec<Value>, String), PullError> {
    let base = format!(
        "/v1/projects/{}/spans/otlpv1?trace_id={id}&limit={PAGE}",
        encode(project)
    );
    let mut spans = Vec::new();
    let mut cursor: Option<String> = None;
    let mut first_url = None;
    for _ in 0..MAX_PAGES {
        let path = match &cursor {
            Some(c) => format!("{base}&cursor={}", encode(c)),
            None => base.clone(),
        };
        let answer = client.get(&path)?;
        if !answer.ok() {
            return Err(client.status_error(&answer, || {
                if named {
                    format!(
                        "no project {:?} at Phoenix {}",
                        crate::sanitize::sanitize_line(project),
                        client.base.text
                    )
                } else {
                    format!(
                        "Phoenix at {} has no OTLP spans endpoint (/v1/projects/…/spans/otlpv1); it may be too old",
                        client.base.text
                    )
                }
            }));
        }
        first_url.get_or_insert_with(|| answer.url.clone());
        let doc = parse_json(&answer, Backend::Phoenix)?;
        let page = doc
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_body(&answer, Backend::Phoenix, "no data array".into()))?;
        spans.extend(page.iter().cloned().map(without_nulls));
        cursor = doc
            .get("next_cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    Ok((spans, first_url.unwrap_or_default()))
}

/// `v` with every `null` member removed (Phoenix writes absent fields as `null`; OTLP readers
/// expect them left out).
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The names of the projects (first pages, at most [`MAX_PROJECTS`]).
fn project_names(client: &Client) -> Result<Vec<String>, PullError> {
    let answer = client.get(&format!("/v1/projects?limit={MAX_PROJECTS}"))?;
    if !answer.ok() {
        return Err(client.status_error(&answer, || {
            format!(
                "Phoenix at {} has no /v1/projects endpoint",
                client.base.text
            )
        }));
    }
    let doc = parse_json(&answer, Backend::Phoenix)?;
    let data = doc
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_body(&answer, Backend::Phoenix, "no data array".into()))?;
    Ok(data
        .iter()
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect())
}

/// Lists the traces of project `query.text` (every project when empty), newest first.
pub fn search(client: &Client, query: &SearchQuery) -> Result<Vec<TraceSummary>, PullError> {
    let projects = if query.text.trim().is_empty() {
        project_names(client)?
    } else {
        vec![query.text.trim().to_owned()]
    };
    let since = chrono::DateTime::from_timestamp(
        i64::try_from(query.now_unix.saturating_sub(query.since.as_secs())).unwrap_or(0),
        0,
    )
    .unwrap_or_default()
    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut out = Vec::new();
    for project in &projects {
        let path = format!(
            "/v1/projects/{}/traces?limit={}&include_spans=true&start_time={}",
            encode(project),
            query.limit,
            encode(&since)
        );
        let answer = client.get(&path)?;
        if !answer.ok() {
            return Err(client.status_error(&answer, || {
                format!(
                    "no project {:?} at Phoenix {}",
                    crate::sanitize::sanitize_line(project),
                    client.base.text
                )
            }));
        }
        let doc = parse_json(&answer, Backend::Phoenix)?;
        for t in doc
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = t.get("trace_id").and_then(Value::as_str) else {
                continue;
            };
            let Ok(id) = super::normalize_trace_id(id) else {
                continue;
            };
            let time = |k: &str| {
                t.get(k)
                    .and_then(Value::as_str)
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .and_then(|d| d.timestamp_nanos_opt())
                    .and_then(|n| u64::try_from(n).ok())
            };
            let spans = t.get("spans").and_then(Value::as_array);
            let root = spans.and_then(|s| {
                s.iter()
                    .find(|sp| sp.get("parent_id").is_none_or(Value::is_null))
                    .and_then(|sp| sp.get("name").and_then(Value::as_str))
            });
            let (start, end) = (time("start_time"), time("end_time"));
            out.push(TraceSummary {
                trace_id: id,
                root_name: root.map(str::to_owned),
                service: Some(project.clone()),
                start_unix_nano: start,
                duration_ms: start
                    .zip(end)
                    .map(|(a, b)| b.saturating_sub(a) as f64 / 1e6),
                spans: spans.map(Vec::len),
            });
        }
    }
    out.sort_by_key(|t| std::cmp::Reverse(t.start_unix_nano));
    out.truncate(query.limit);
    Ok(out)
}
