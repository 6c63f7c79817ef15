//! TLS to PostgreSQL as libpq spells it: `sslmode` (`disable`, `allow`, `prefer`, `require`,
//! `verify-ca`, `verify-full`) and `sslrootcert`, from the URL or `PGSSLMODE` / `PGSSLROOTCERT`,
//! spoken with rustls (ring provider, no system library). `require` encrypts without checking
//! who answers (unless a CA file is named, then it checks the chain, as libpq does);
//! `verify-ca` checks the certificate chain; `verify-full` also the host name. `prefer` and
//! `allow` try TLS first, unverified, and fall back to plain when the server offers none. No
//! `sslmode` at all stays plain, and so does a Unix socket whatever it says (see `pg::config`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How much TLS a connection asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Disable,
    /// `prefer` or `allow`: TLS when the server offers it, unverified.
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(value: &str) -> Result<Self, String> {
        Ok(match value {
            "disable" => Self::Disable,
            "allow" | "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(format!(
                "sslmode={} is not one of disable, allow, prefer, require, verify-ca, verify-full",
                crate::sanitize::sanitize_line(other)
            ))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    /// Whether the mode checks the server's certificate.
    pub fn verifies(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }
}

/// What a connection asks of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub mode: Mode,
    /// `sslrootcert`: a PEM file of trusted CA certificates, or `system`.
    pub root_cert: Option<String>,
}

/// Takes the TLS parameters out of the URL (the `postgres` crate knows neither `verify-*` nor
/// `sslrootcert`) and fills gaps from `PGSSLMODE` and `PGSSLROOTCERT`. Returns the URL the
/// `postgres` crate is given and the settings.
pub fn split(url: &str) -> Result<(String, Settings), String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, query),
        None => (url, ""),
    };
    let mut mode = None;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => mode = Some(Mode::parse(&percent_decoded(value))?),
            "sslrootcert" => root_cert = Some(percent_decoded(value)),
            _ => kept.push(pair),
        }
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mode = match mode {
        Some(m) => m,
        None => match env("PGSSLMODE") {
            Some(v) => Mode::parse(&v).map_err(|e| format!("PGSSLMODE: {e}"))?,
            None => Mode::Disable,
        },
    };
    let root_cert = root_cert.or_else(|| env("PGSSLROOTCERT"));
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, Settings { mode, root_cert }))
}

/// `%XX` escapes decoded (URL parameter values, such as a path).
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The connector for `settings`; `None` for a plain connection.
pub fn connector(settings: &Settings) -> Result<Option<MakeRustlsConnect>, String> {
    // rustls marks ring's provider deprecated for lacking post-quantum key exchange; the
    // aws-lc-rs provider that has it needs cmake and a C toolchain to build, ring does not.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match settings.mode {
        Mode::Disable => return Ok(None),
        Mode::Prefer => Arc::new(Unverified(provider.clone())),
        Mode::Require if settings.root_cert.is_none() => Arc::new(Unverified(provider.clone())),
        Mode::Require | Mode::VerifyCa => Arc::new(ChainOnly(webpki(settings, &provider)?)),
        Mode::VerifyFull => webpki(settings, &provider)?,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(MakeRustlsConnect::new(config)))
}

/// Where the trusted CA certificates come from, for messages.
pub fn roots_named(settings: &Settings) -> String {
    match roots_source(settings) {
        Some(path) => path.display().to_string(),
        None => "the system's trusted roots (webpki-roots)".into(),
    }
}

/// `sslrootcert`'s file; else libpq's `~/.postgresql/root.crt` when it exists; `None` means
/// the well-known public roots (`sslrootcert=system`, or no file).
fn roots_source(settings: &Settings) -> Option<PathBuf> {
    match settings.root_cert.as_deref() {
        Some("system") => None,
        Some(path) => Some(PathBuf::from(path)),
        None => std::env::var_os("HOME")
            .map(|home| Path::new(&home).join(".postgresql/root.crt"))
            .filter(|p| p.is_file()),
    }
}

fn webpki(
    settings: &Settings,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    let mut roots = RootCertStore::empty();
    match roots_source(settings) {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let shown = crate::sanitize::sanitize_line(&path.display().to_string()).into_owned();
            let certs = CertificateDer::pem_file_iter(&path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("cannot read the CA certificates in {shown}: {e}"))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!("{shown} holds no usable CA certificate"));
            }
        }
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| e.to_string())
}

/// `require` and `prefer`: any certificate, as libpq does; the handshake's own signatures are
/// still checked, so the session is encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted CA; the name it was issued for is not checked.
/// The web PKI verifier checks the chain first and the name last, so a name error means the
/// chain was good.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_parameters_leave_the_url_and_the_rest_stays() {
        let (url, s) = split(
            "postgres://u@h/db?application_name=x&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem",
        )
        .unwrap();
        assert_eq!(url, "postgres://u@h/db?application_name=x");
        assert_eq!(s.mode, Mode::VerifyFull);
        assert_eq!(s.root_cert.as_deref(), Some("/tmp/ca.pem"));
        let (url, s) = split("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert_eq!(s.mode, Mode::Disable);
        assert!(split("postgres://u@h/db?sslmode=sometimes")
            .unwrap_err()
            .contains("sslmode=sometimes"));
    }

    #[test]
    fn percent_escapes_decode_and_broken_ones_stay() {
        assert_eq!(percent_decoded("a%20b"), "a b");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz%4"), "%zz%4");
    }
}
