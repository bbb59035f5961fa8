//! TLS as on RDS: `sslmode=require` (encrypted, unverified), `verify-ca` and
//! `verify-full` with a CA bundle file, against a private cluster with ssl = on and a
//! certificate signed by a test CA (made with the openssl CLI).

use crate::support::pg;
use crate::support::pg_cluster;

use std::path::Path;
use std::process::Command;

use kitops_top::collect::postgres::connect;
use kitops_top::collect::postgres::PgCollector;
use kitops_top::collect::Collector;
use kitops_top::config::{PgSettings, SecretUrl};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl CLI");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn make_ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
        ],
    );
}

fn make_server_cert(dir: &Path) {
    make_ca(dir, "test-ca");
    make_ca(dir, "other-ca");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "test-ca.crt",
            "-CAkey",
            "test-ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
}

fn settings(url: String, ca: Option<&Path>) -> PgSettings {
    let mut s = pg::settings();
    s.url = Some(SecretUrl::new(url));
    s.ca_file = ca.map(Path::to_path_buf);
    s
}

/// Connects with `s` and reports whether the session is encrypted.
async fn ssl_in_use(s: &PgSettings) -> Result<bool, String> {
    let plan = connect::plan(s, &|_| None)?;
    let client = connect::connect(&plan).await.map_err(|e| e.to_string())?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_verify_ca_and_verify_full_with_a_ca_bundle() {
    let certs = tempfile::tempdir().expect("tempdir");
    make_server_cert(certs.path());
    let read = |n: &str| std::fs::read(certs.path().join(n)).expect("cert file");
    let cluster = pg_cluster::Cluster::start_with_files(
        &[
            "ssl = on".into(),
            "ssl_cert_file = 'server.crt'".into(),
            "ssl_key_file = 'server.key'".into(),
        ],
        &[
            ("server.crt", read("server.crt")),
            ("server.key", read("server.key")),
        ],
    )
    .expect("TLS cluster starts");
    let port = cluster.port;
    let ca = certs.path().join("test-ca.crt");
    let other = certs.path().join("other-ca.crt");

    // require: encrypted, certificate not checked (libpq semantics)
    let s = settings(
        format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require"),
        None,
    );
    assert_eq!(ssl_in_use(&s).await, Ok(true));
    // verify-full against the CA bundle, host name in the certificate
    let s = settings(
        format!("postgres://postgres@localhost:{port}/postgres?sslmode=verify-full"),
        Some(&ca),
    );
    assert_eq!(ssl_in_use(&s).await, Ok(true));
    let mut c = PgCollector::new(s);
    c.collect().await.expect("collector over verify-full TLS");
    // verify-full refuses a host name the certificate does not name…
    let s = settings(
        format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full"),
        Some(&ca),
    );
    let err = ssl_in_use(&s).await.expect_err("name mismatch refused");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // …which verify-ca accepts (chain checked, name not)
    let s = settings(
        format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-ca"),
        Some(&ca),
    );
    assert_eq!(ssl_in_use(&s).await, Ok(true));
    // a bundle that did not sign the server certificate is refused
    let s = settings(
        format!("postgres://postgres@localhost:{port}/postgres?sslmode=verify-full"),
        Some(&other),
    );
    let err = ssl_in_use(&s).await.expect_err("unknown issuer refused");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // sslrootcert in the URL works too; disable stays in clear text
    let s = settings(
        format!(
            "postgres://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={}",
            ca.display()
        ),
        None,
    );
    assert_eq!(ssl_in_use(&s).await, Ok(true));
    let s = settings(
        format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable"),
        None,
    );
    assert_eq!(ssl_in_use(&s).await, Ok(false));
}
