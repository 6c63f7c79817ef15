//! The step `fanout pull` and the viewer's pull prompt share: credentials from the flags or the
//! environment, then fetch one trace, hand its body to `pipeline` as an input named by its URL,
//! and analyse it. No SQL here: `pipeline` and `store` do the storing.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use super::{Auth, Backend, BaseUrl, Client, ClientConfig};
use crate::analysis::Catalog;
use crate::model::TraceId;
use crate::pipeline::{self, IngestOptions, Input, StoredInput};
use crate::store::Store;

/// How long one request may take unless the user says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The credentials given, in order of preference: a user (basic auth; the password after `:`,
/// else `$FANOUT_PULL_PASSWORD`, else the token), a bearer token, then the URL's own.
pub fn credentials(user: Option<&str>, token: Option<&str>, from_url: Option<Auth>) -> Auth {
    if let Some(user) = user {
        let (user, password) = match user.split_once(':') {
            Some((u, p)) => (u.to_owned(), p.to_owned()),
            None => (
                user.to_owned(),
                std::env::var("FANOUT_PULL_PASSWORD")
                    .ok()
                    .or_else(|| token.map(str::to_owned))
                    .unwrap_or_default(),
            ),
        };
        return Auth::Basic { user, password };
    }
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        return Auth::Bearer(token.to_owned());
    }
    from_url.unwrap_or_default()
}

/// A client for `url` with the credentials of the environment (`$FANOUT_PULL_USER`,
/// `$FANOUT_PULL_TOKEN`, `$FANOUT_PULL_PASSWORD`), as `fanout pull` reads them when no flag is
/// given.
pub fn client_from_env(url: &str) -> Result<Client, super::PullError> {
    let (base, from_url) = BaseUrl::parse(url)?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let user = env("FANOUT_PULL_USER");
    let token = env("FANOUT_PULL_TOKEN");
    Ok(Client::new(
        base,
        ClientConfig {
            timeout: DEFAULT_TIMEOUT,
            auth: credentials(user.as_deref(), token.as_deref(), from_url),
            headers: Vec::new(),
        },
    ))
}

/// One trace pulled into the store.
#[derive(Debug)]
pub struct Stored {
    pub backend: Backend,
    /// The URL it came from (no credentials), recorded as its source.
    pub source: String,
    /// The trace stored: the one asked for, or the first the backend answered with.
    pub id: TraceId,
    pub input: StoredInput,
    /// Things the user should know, already sanitized.
    pub warnings: Vec<String>,
}

/// Fetches `trace_id` from `client` (asking which backend it is when `backend` is `None`),
/// stores it and analyses it.
pub fn fetch_into(
    store: &mut Store,
    client: &Client,
    backend: Option<Backend>,
    trace_id: &str,
    project: Option<&str>,
    catalog: &Catalog,
    progress: bool,
) -> anyhow::Result<Stored> {
    let wanted: TraceId = super::normalize_trace_id(trace_id)?
        .parse()
        .map_err(|_| anyhow::anyhow!("trace id {trace_id:?} is all zeros"))?;
    let backend = match backend {
        Some(b) => b,
        None => super::detect(client)?,
    };
    let pulled = super::fetch(client, backend, trace_id, project)?;
    let input = Input::Bytes {
        name: pulled.source.clone(),
        data: Arc::from(pulled.body),
    };
    let report = pipeline::ingest_inputs(
        store,
        &[input],
        IngestOptions {
            progress,
            ..Default::default()
        },
    )
    .into_iter()
    .next()
    .context("nothing was ingested")?;
    let stored = report.result.map_err(|e| {
        anyhow::anyhow!(
            "{} answered, but its trace could not be read: {e}",
            backend.name()
        )
    })?;
    let Some(id) = stored
        .traces
        .iter()
        .copied()
        .find(|t| *t == wanted)
        .or_else(|| stored.traces.first().copied())
    else {
        anyhow::bail!("{} answered without spans", backend.name());
    };
    let mut warnings = pulled.warnings;
    if id != wanted {
        warnings.push(format!(
            "asked for trace {wanted}, {} answered with {id}",
            backend.name()
        ));
    }
    pipeline::analyze_traces(store, &[id], catalog)?;
    Ok(Stored {
        backend,
        source: pulled.source,
        id,
        input: stored,
        warnings,
    })
}
