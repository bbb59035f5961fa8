//! A private, throw-away PostgreSQL cluster (initdb + pg_ctl in a temp dir, its own
//! port) for what the shared server must not be changed for: more connections than
//! its max_connections, `shared_preload_libraries = 'pg_stat_statements'`.
//! Runs the server binaries as the `postgres` OS user when started as root.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cluster {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
}

fn bindir() -> Result<PathBuf, String> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("/usr/lib/postgresql: {e} (install the postgresql package)"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found
        .pop()
        .ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin".into())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `prog args…`, as the postgres OS user when we are root.
fn run(prog: &Path, args: &[&str]) -> Result<String, String> {
    let out = if is_root() {
        Command::new("runuser")
            .arg("-u")
            .arg("postgres")
            .arg("--")
            .arg(prog)
            .args(args)
            .output()
    } else {
        Command::new(prog).args(args).output()
    }
    .map_err(|e| format!("{}: {e}", prog.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {:?} failed: {}{}",
            prog.display(),
            args,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl Cluster {
    /// initdb + start with `conf` lines appended to postgresql.conf.
    pub fn start(conf: &[String]) -> Result<Cluster, String> {
        Self::start_with_files(conf, &[])
    }

    /// Like `start`, with files (name, contents) written into the data directory
    /// first (owner-only, owned by the server's user): TLS certificates and keys.
    pub fn start_with_files(conf: &[String], files: &[(&str, Vec<u8>)]) -> Result<Cluster, String> {
        let bin = bindir()?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("kitops-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if is_root() {
            let st = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .map_err(|e| e.to_string())?;
            if !st.success() {
                return Err("chown postgres failed".into());
            }
        }
        let data = dir.join("data");
        let data_s = data.display().to_string();
        run(
            &bin.join("initdb"),
            &[
                "-D",
                &data_s,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let mut lines = vec![
            format!("port = {port}"),
            "listen_addresses = '127.0.0.1'".to_string(),
            format!("unix_socket_directories = '{}'", dir.display()),
            "fsync = off".to_string(),
            "synchronous_commit = off".to_string(),
        ];
        lines.extend(conf.iter().cloned());
        let conf_path = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path).map_err(|e| e.to_string())?;
        text.push('\n');
        text.push_str(&lines.join("\n"));
        text.push('\n');
        std::fs::write(&conf_path, text).map_err(|e| e.to_string())?;
        for (name, contents) in files {
            use std::os::unix::fs::PermissionsExt;
            let path = data.join(name);
            std::fs::write(&path, contents).map_err(|e| e.to_string())?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
            if is_root() {
                let st = Command::new("chown")
                    .arg("postgres:")
                    .arg(&path)
                    .status()
                    .map_err(|e| e.to_string())?;
                if !st.success() {
                    return Err("chown postgres failed".into());
                }
            }
        }
        let log = dir.join("server.log").display().to_string();
        let cluster = Cluster { port, dir, bin };
        run(
            &cluster.bin.join("pg_ctl"),
            &["-D", &data_s, "-l", &log, "-w", "-t", "60", "start"],
        )?;
        Ok(cluster)
    }

    /// `pg_ctl restart -m fast`: every connection is closed, the server is back on the same port.
    pub fn restart(&self) -> Result<(), String> {
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        run(
            &self.bin.join("pg_ctl"),
            &[
                "-D", &data, "-l", &log, "-m", "fast", "-w", "-t", "60", "restart",
            ],
        )
        .map(|_| ())
    }

    /// `pg_ctl stop -m fast` (start it again with `start_again`).
    pub fn stop(&self) -> Result<(), String> {
        let data = self.dir.join("data").display().to_string();
        run(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "fast", "-w", "stop"],
        )
        .map(|_| ())
    }

    pub fn start_again(&self) -> Result<(), String> {
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        run(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-l", &log, "-w", "-t", "60", "start"],
        )
        .map(|_| ())
    }

    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = run(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
