//! The HTTP side of `pull`: a blocking client with a deadline, credentials that are sent and
//! never shown, and errors that say what to do (authentication, not found, server trouble,
//! nothing listening).

use std::time::Duration;

use super::PullError;

/// Largest response body read (a trace of a few hundred thousand spans fits).
pub const MAX_BODY: u64 = 256 * 1024 * 1024;

/// How requests authenticate.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
    /// `Authorization: Basic base64(USER:PASSWORD)`.
    Basic { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret, not even in debug output.
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer(<hidden>)"),
            Self::Basic { user, .. } => write!(f, "Basic({user:?}, <hidden>)"),
        }
    }
}

impl Auth {
    fn header(&self) -> Option<String> {
        use base64::Engine as _;
        match self {
            Self::None => None,
            Self::Bearer(t) => Some(format!("Bearer {t}")),
            Self::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
        }
    }

    /// The secrets this carries, to scrub from anything shown.
    fn secrets(&self) -> Vec<&str> {
        match self {
            Self::None => Vec::new(),
            Self::Bearer(t) => vec![t.as_str()],
            Self::Basic { password, .. } => vec![password.as_str()],
        }
    }

    /// A hint naming the flag that supplies credentials, for 401/403 answers.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::None => "pass --token TOKEN (or --user USER:PASSWORD), or set FANOUT_PULL_TOKEN",
            _ => "the credentials given were refused; check --token / --user (or FANOUT_PULL_TOKEN / FANOUT_PULL_USER)",
        }
    }
}

/// A backend's base address: `scheme://host[:port][/prefix]`, credentials removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// Without a trailing slash.
    pub text: String,
    pub port: Option<u16>,
    pub path: String,
}

impl BaseUrl {
    /// Parses `URL`, taking `user:password@` out of it (returned as basic auth); the query and
    /// fragment are dropped.
    pub fn parse(url: &str) -> Result<(Self, Option<Auth>), PullError> {
        let bad = |why: &str| PullError::BadUrl(format!("{}: {why}", shown_url(url)));
        let trimmed = url.trim();
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| bad("expected http://HOST[:PORT] or https://HOST[:PORT]"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("only http:// and https:// are supported"));
        }
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if hostport.is_empty()
            || hostport
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad("no host"));
        }
        let port = match hostport.rsplit_once(':') {
            Some((_, p)) if !hostport.ends_with(']') => Some(
                p.parse::<u16>()
                    .map_err(|_| bad("the port is not a number"))?,
            ),
            _ => None,
        };
        let auth = userinfo.map(|u| {
            let (user, password) = u.split_once(':').unwrap_or((u, ""));
            Auth::Basic {
                user: percent_decode(user),
                password: percent_decode(password),
            }
        });
        let path = path.trim_end_matches('/').to_owned();
        Ok((
            Self {
                text: format!("{scheme}://{hostport}{path}"),
                port,
                path,
            },
            auth,
        ))
    }

    /// The base with `path` (starting with `/`) appended.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.text)
    }
}

/// A URL as it may be shown: without `user:password@`.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return crate::sanitize::sanitize_line(url).into_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let rest = match rest[..end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    crate::sanitize::sanitize_line(&format!("{scheme}://{rest}")).into_owned()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query parameter value or a path segment.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A fetched answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The URL asked, without credentials.
    pub url: String,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// How the client connects.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub timeout: Duration,
    pub auth: Auth,
    /// Extra request headers (`X-Scope-OrgID: tenant`, ...).
    pub headers: Vec<(String, String)>,
}

/// A blocking HTTP client bound to one backend's base URL.
pub struct Client {
    agent: ureq::Agent,
    pub base: BaseUrl,
    config: ClientConfig,
}

impl Client {
    pub fn new(base: BaseUrl, config: ClientConfig) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .user_agent(format!("fanout/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self {
            agent,
            base,
            config,
        }
    }

    pub fn auth(&self) -> &Auth {
        &self.config.auth
    }

    /// GETs `path` (with its query) under the base URL. Only transport failures are errors;
    /// every HTTP status comes back as an [`Answer`].
    pub fn get(&self, path: &str) -> Result<Answer, PullError> {
        let url = self.base.join(path);
        let mut request = self.agent.get(&url).header("Accept", "application/json");
        if let Some(value) = self.config.auth.header() {
            request = request.header("Authorization", value);
        }
        for (name, value) in &self.config.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let transport = |e: ureq::Error| self.transport_error(&url, e);
        let mut response = request.call().map_err(transport)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(transport)?;
        Ok(Answer {
            status,
            body,
            url: shown_url(&url),
        })
    }

    fn transport_error(&self, url: &str, e: ureq::Error) -> PullError {
        let url = shown_url(url);
        let reason = match &e {
            ureq::Error::Timeout(_) => {
                return PullError::Timeout {
                    url,
                    secs: self.config.timeout.as_secs_f64(),
                }
            }
            ureq::Error::BodyExceedsLimit(_) => {
                return PullError::TooLarge {
                    url,
                    limit: MAX_BODY,
                }
            }
            ureq::Error::HostNotFound => "host not found".to_owned(),
            ureq::Error::ConnectionFailed => "connection failed".to_owned(),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                "connection refused (is the backend running at that address?)".to_owned()
            }
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                return PullError::Timeout {
                    url,
                    secs: self.config.timeout.as_secs_f64(),
                }
            }
            other => other.to_string(),
        };
        PullError::Connect {
            url,
            reason: self.scrub(&reason),
        }
    }

    /// `text` with every secret this client holds replaced.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in self.config.auth.secrets() {
            if !secret.is_empty() {
                out = out.replace(secret, "<hidden>");
            }
        }
        out
    }

    /// A short, sanitized excerpt of an error body (secrets scrubbed, whitespace collapsed).
    pub fn excerpt(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut short: String = collapsed.chars().take(200).collect();
        if collapsed.chars().count() > 200 {
            short.push('…');
        }
        crate::sanitize::sanitize_line(&self.scrub(&short)).into_owned()
    }

    /// Turns a non-success answer into the error a user can act on. `not_found` is the message
    /// for a 404.
    pub fn status_error(&self, answer: &Answer, not_found: impl FnOnce() -> String) -> PullError {
        match answer.status {
            401 | 403 => PullError::Auth {
                status: answer.status,
                url: answer.url.clone(),
                hint: self.config.auth.hint(),
            },
            404 => PullError::NotFound(not_found()),
            status => PullError::Status {
                status,
                url: answer.url.clone(),
                excerpt: self.excerpt(&answer.body),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_strips_credentials_query_and_trailing_slash() {
        let (base, auth) =
            BaseUrl::parse("https://me:s%40cret@tempo.example:3200/prefix/?x=1").unwrap();
        assert_eq!(base.text, "https://tempo.example:3200/prefix");
        assert_eq!(base.port, Some(3200));
        assert_eq!(
            auth,
            Some(Auth::Basic {
                user: "me".into(),
                password: "s@cret".into()
            })
        );
        assert_eq!(
            base.join("/api/echo"),
            "https://tempo.example:3200/prefix/api/echo"
        );
    }

    #[test]
    fn bad_urls_are_refused_without_showing_secrets() {
        let e = BaseUrl::parse("ftp://u:pw@host").unwrap_err().to_string();
        assert!(!e.contains("pw"), "{e}");
        assert!(BaseUrl::parse("tempo:3200").is_err());
        assert!(BaseUrl::parse("http://host:port").is_err());
        assert!(BaseUrl::parse("http://").is_err());
    }

    #[test]
    fn shown_urls_and_debug_output_hide_secrets() {
        assert_eq!(shown_url("http://a:b@h:1/x"), "http://h:1/x");
        let auth = Auth::Bearer("tok-123".into());
        assert!(!format!("{auth:?}").contains("tok-123"));
    }

    #[test]
    fn encode_escapes_traceql() {
        assert_eq!(
            encode("{ status = error }"),
            "%7B%20status%20%3D%20error%20%7D"
        );
    }
}
