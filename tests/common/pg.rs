//! A real PostgreSQL server for tests: Debian's `postgresql` binaries (`initdb`, `pg_ctl`), a
//! fresh cluster in a temporary folder, listening on a free loopback port with its Unix socket in
//! that folder, stopped when the handle drops. As root the cluster belongs to the `postgres`
//! user (initdb refuses root). Without the binaries a test says it skipped, except under
//! `CI=true`, where it fails: CI installs them (`.ci/run`). [`PgServer::start_tls`] turns on
//! `ssl` with a certificate made by [`TestCerts::new`], and can make the server refuse every
//! TCP connection that is not TLS (`hostssl` in `pg_hba.conf`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A running server; dropping it stops it and removes its files.
pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    run_as: Option<String>,
    pub port: u16,
}

/// What a TLS server is given: PEM texts, and whether it refuses plain TCP connections.
pub struct ServerTls {
    pub cert_pem: String,
    pub key_pem: String,
    pub only_tls: bool,
}

/// Certificates made for one test: a CA, a server certificate it signed for the name
/// `localhost` only, and a second CA that signed nothing the server has.
pub struct TestCerts {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub other_ca_pem: String,
}

impl TestCerts {
    pub fn new() -> Self {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let ca = |name: &str| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            params.distinguished_name.push(DnType::CommonName, name);
            let cert = params.self_signed(&key).unwrap();
            (params, key, cert.pem())
        };
        let (ca_params, ca_key, ca_pem) = ca("fanout test CA");
        let (_, _, other_ca_pem) = ca("another test CA");
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let server_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = params.signed_by(&server_key, &issuer).unwrap();
        TestCerts {
            ca_pem,
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
            other_ca_pem,
        }
    }
}

/// `initdb`'s folder: the newest `/usr/lib/postgresql/*/bin`, else the one on PATH.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PgServer {
    /// Starts a server, or says the test skipped (`None`); under `CI=true` a missing server
    /// fails the test instead.
    pub fn start(test: &str) -> Option<Self> {
        Self::start_with(test, None)
    }

    /// Starts a server with `ssl=on` and `tls`'s certificate.
    pub fn start_tls(test: &str, tls: &ServerTls) -> Option<Self> {
        Self::start_with(test, Some(tls))
    }

    fn start_with(test: &str, tls: Option<&ServerTls>) -> Option<Self> {
        let Some(bin) = bin_dir() else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{test}: no PostgreSQL binaries (initdb, pg_ctl) found, and CI must not skip: install Debian's postgresql package");
            }
            eprintln!("SKIPPED: {test}: no PostgreSQL binaries (initdb, pg_ctl) found; install Debian's postgresql package to run it");
            return None;
        };
        let run_as = is_root().then(|| "postgres".to_owned());
        let dir = tempfile::Builder::new()
            .prefix("fanout-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        if let Some(user) = &run_as {
            // The server's user must reach and own its folders.
            let ok = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "cannot give {} to {user} (is there a postgres user?)",
                dir.path().display()
            );
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let server = PgServer {
            dir,
            bin,
            run_as,
            port: 0,
        };
        server.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "fanout",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        let mut server = server;
        let mut tls_options = String::new();
        if let Some(tls) = tls {
            server.configure_tls(&data, tls);
            tls_options =
                " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key".into();
        }
        // A port another test grabbed between choosing and binding: try again.
        for _ in 0..5 {
            server.port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off -c max_connections=60{tls_options}",
                server.port,
                server.dir.path().display()
            );
            let log = server.dir.path().join("server.log");
            let ok = server.try_run(
                "pg_ctl",
                &[
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    &data.display().to_string(),
                    "-l",
                    &log.display().to_string(),
                    "-o",
                    &options,
                ],
            );
            if ok {
                return Some(server);
            }
            eprintln!(
                "{test}: the server did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("{test}: PostgreSQL did not start");
    }

    /// Writes the certificate and key into the data folder (the key readable by the server's
    /// user only, or PostgreSQL refuses it) and, for `only_tls`, turns every `host` line of
    /// `pg_hba.conf` into `hostssl`.
    fn configure_tls(&self, data: &Path, tls: &ServerTls) {
        use std::os::unix::fs::PermissionsExt;
        let cert = data.join("server.crt");
        let key = data.join("server.key");
        std::fs::write(&cert, &tls.cert_pem).unwrap();
        std::fs::write(&key, &tls.key_pem).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        if tls.only_tls {
            let hba = data.join("pg_hba.conf");
            let text = std::fs::read_to_string(&hba).unwrap();
            let text: Vec<String> = text
                .lines()
                .map(|l| match l.strip_prefix("host ") {
                    Some(rest) => format!("hostssl {rest}"),
                    None => l.to_owned(),
                })
                .collect();
            std::fs::write(&hba, text.join("\n") + "\n").unwrap();
        }
        if let Some(user) = &self.run_as {
            for file in [&cert, &key] {
                let ok = Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(file)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "cannot give {} to {user}", file.display());
            }
        }
    }

    fn command(&self, tool: &str, args: &[&str]) -> Command {
        let exe = self.bin.join(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.args(args).current_dir(self.dir.path());
        cmd
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> bool {
        self.command(tool, args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.command(tool, args).output().expect(tool);
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The URL of the server's `postgres` database.
    pub fn admin_url(&self) -> String {
        format!("postgres://fanout@127.0.0.1:{}/postgres", self.port)
    }

    /// A new, empty database on this server; its URL.
    pub fn new_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = self.admin_client();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        format!("postgres://fanout@127.0.0.1:{}/{name}", self.port)
    }

    /// A client on the `postgres` database over the Unix socket (which `only_tls` leaves open).
    pub fn admin_client(&self) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.dir.path())
            .port(self.port)
            .user("fanout")
            .dbname("postgres")
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// A client on `url`, for checks the CLI does not offer.
    pub fn client(url: &str) -> postgres::Client {
        postgres::Client::connect(url, postgres::NoTls).unwrap()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = self
            .command("pg_ctl", &["stop", "-m", "immediate", "-w", "-D", &data])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
