//! TLS to the shared PostgreSQL store against a real server started with `ssl=on` and a
//! certificate made by the test (`common::pg`): `sslmode=require` (from the URL or
//! `PGSSLMODE`) encrypts and ingest and list work; the server refuses plain TCP (`hostssl`), so
//! a `disable` connection fails, which proves the others really were TLS; `verify-full` accepts
//! the right CA and host name and refuses a wrong host name or a wrong CA, saying why;
//! `verify-ca` checks the chain but not the name. Each test says SKIPPED without the PostgreSQL
//! binaries (and fails under CI=true).

mod common;

use std::path::Path;
use std::process::Output;

use common::pg::{PgServer, ServerTls, TestCerts};

/// Runs `fanout` with `--db url` and extra environment variables.
fn fanout_env(dir: &Path, url: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fanout"));
    cmd.args(args)
        .arg("--db")
        .arg(url)
        .current_dir(dir)
        .env_remove("FANOUT_DB")
        .env_remove("FANOUT_CATALOG")
        .env_remove("PGSSLMODE")
        .env_remove("PGSSLROOTCERT")
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run fanout")
}

fn fanout(dir: &Path, url: &str, args: &[&str]) -> Output {
    fanout_env(dir, url, &[], args)
}

/// The error text of a command that must fail to connect.
fn refused(out: &Output) -> String {
    let err = common::text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {err}",
        common::text(&out.stdout)
    );
    assert!(err.contains("cannot connect"), "{err}");
    err
}

/// A TLS-only server with a fresh database; its handle, the database name and the certificates.
fn tls_server(test: &str) -> Option<(PgServer, String, TestCerts)> {
    let certs = TestCerts::new();
    let pg = PgServer::start_tls(
        test,
        &ServerTls {
            cert_pem: certs.server_cert_pem.clone(),
            key_pem: certs.server_key_pem.clone(),
            only_tls: true,
        },
    )?;
    let url = pg.new_database();
    let name = url.rsplit('/').next().unwrap().to_owned();
    Some((pg, name, certs))
}

fn trace_count(list_json: &str) -> usize {
    let rows: serde_json::Value = serde_json::from_str(list_json).unwrap();
    rows.as_array().unwrap().len()
}

#[test]
fn require_encrypts_and_a_server_that_refuses_plain_connections_proves_it() {
    let Some((pg, db, _certs)) =
        tls_server("require_encrypts_and_a_server_that_refuses_plain_connections_proves_it")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let base = format!("postgres://fanout@127.0.0.1:{}/{db}", pg.port);
    let require = format!("{base}?sslmode=require");
    common::ok(&fanout(
        dir.path(),
        &require,
        &["ingest", &common::sample("lost_update.otlp.json")],
    ));
    assert_eq!(
        trace_count(&common::ok(&fanout(
            dir.path(),
            &require,
            &["list", "--json"]
        ))),
        1
    );
    // The same from PGSSLMODE, and `prefer` takes TLS when the server offers it.
    let out = fanout_env(
        dir.path(),
        &base,
        &[("PGSSLMODE", "require")],
        &["list", "--json"],
    );
    assert_eq!(trace_count(&common::ok(&out)), 1);
    let prefer = format!("{base}?sslmode=prefer");
    assert_eq!(
        trace_count(&common::ok(&fanout(
            dir.path(),
            &prefer,
            &["list", "--json"]
        ))),
        1
    );
    // Plain connections are refused by the server (`hostssl` only): the ones above were TLS.
    for plain in [format!("{base}?sslmode=disable"), base.clone()] {
        let err = refused(&fanout(dir.path(), &plain, &["list"]));
        assert!(
            err.contains("pg_hba.conf") && err.contains("no encryption"),
            "{err}"
        );
    }
}

#[test]
fn verify_full_checks_the_chain_and_the_host_name() {
    let Some((pg, db, certs)) = tls_server("verify_full_checks_the_chain_and_the_host_name") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&ca, &certs.ca_pem).unwrap();
    std::fs::write(&other_ca, &certs.other_ca_pem).unwrap();
    let url = |host: &str, mode: &str, root: &Path| {
        format!(
            "postgres://fanout@{host}:{}/{db}?hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={}",
            pg.port,
            root.display()
        )
    };
    // The certificate names `localhost`, signed by `ca`.
    let good = url("localhost", "verify-full", &ca);
    common::ok(&fanout(
        dir.path(),
        &good,
        &["ingest", &common::sample("context_dependency.otlp.json")],
    ));
    assert_eq!(
        trace_count(&common::ok(&fanout(dir.path(), &good, &["list", "--json"]))),
        1
    );
    // The CA file from PGSSLROOTCERT.
    let from_env = format!(
        "postgres://fanout@localhost:{}/{db}?hostaddr=127.0.0.1&sslmode=verify-full",
        pg.port
    );
    let out = fanout_env(
        dir.path(),
        &from_env,
        &[("PGSSLROOTCERT", ca.to_str().unwrap())],
        &["list", "--json"],
    );
    assert_eq!(trace_count(&common::ok(&out)), 1);
    // A host name the certificate was not issued for.
    let err = refused(&fanout(
        dir.path(),
        &url("127.0.0.1", "verify-full", &ca),
        &["list"],
    ));
    assert!(
        err.contains("not valid for name") && err.contains("sslmode=verify-full"),
        "{err}"
    );
    // verify-ca checks the chain only: the same host name passes.
    common::ok(&fanout(
        dir.path(),
        &url("127.0.0.1", "verify-ca", &ca),
        &["list"],
    ));
    // A CA that did not sign the server's certificate fails both.
    for mode in ["verify-full", "verify-ca"] {
        let err = refused(&fanout(
            dir.path(),
            &url("localhost", mode, &other_ca),
            &["list"],
        ));
        assert!(err.contains("UnknownIssuer"), "{err}");
        assert!(err.contains("other-ca.pem"), "{err}");
    }
    // `require` with a CA file checks the chain, as libpq does; without one it checks nothing.
    common::ok(&fanout(
        dir.path(),
        &url("127.0.0.1", "require", &ca),
        &["list"],
    ));
    let err = refused(&fanout(
        dir.path(),
        &url("localhost", "require", &other_ca),
        &["list"],
    ));
    assert!(err.contains("UnknownIssuer"), "{err}");
    let unchecked = format!(
        "postgres://fanout@127.0.0.1:{}/{db}?sslmode=require",
        pg.port
    );
    common::ok(&fanout(dir.path(), &unchecked, &["list"]));
    // A CA file that is missing says so.
    let missing = dir.path().join("missing.pem");
    let err = refused(&fanout(
        dir.path(),
        &url("localhost", "verify-full", &missing),
        &["list"],
    ));
    assert!(err.contains("missing.pem"), "{err}");
}

#[test]
fn require_against_a_server_without_tls_fails_and_disable_stays_plain() {
    let Some(pg) =
        PgServer::start("require_against_a_server_without_tls_fails_and_disable_stays_plain")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.new_database();
    common::ok(&fanout(
        dir.path(),
        &format!("{url}?sslmode=disable"),
        &["ingest", &common::sample("lost_update.otlp.json")],
    ));
    let err = refused(&fanout(
        dir.path(),
        &format!("{url}?sslmode=require"),
        &["list"],
    ));
    assert!(err.contains("TLS"), "{err}");
    // prefer falls back to plain when the server has no TLS.
    common::ok(&fanout(
        dir.path(),
        &format!("{url}?sslmode=prefer"),
        &["list"],
    ));
    // Over the Unix socket `sslmode` does not apply, as with libpq.
    let db = url.rsplit('/').next().unwrap();
    let socket = format!(
        "postgres://fanout@/{db}?host={}&port={}&sslmode=require",
        pg.dir().display(),
        pg.port
    );
    let listed = common::ok(&fanout(dir.path(), &socket, &["list", "--json"]));
    assert!(listed.contains("trace_id"), "{listed}");
}
