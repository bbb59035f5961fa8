//! A hostile Redis: a tokio TCP listener speaking enough RESP for what the console's
//! client (redis-rs) sends — `HELLO` (RESP2 or RESP3 reply), the pipelined `CLIENT
//! SETINFO LIB-NAME/LIB-VER` it sends on every connect (answered `+OK`), `PING`,
//! `SELECT`, `AUTH`, `INFO [sections…]`, `CLUSTER NODES`, `CONFIG GET|SET` — whose
//! replies carry text a real server would not: INFO values, a cluster node's id and
//! hostname, the maxmemory-policy and error replies made of the hostile corpus. The
//! console only sends fixed commands, so a real Redis cannot be made to say these.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the server answers with.
#[derive(Clone)]
pub struct Script {
    /// The INFO reply (any text; sections are ignored: every INFO gets all of it).
    pub info: String,
    /// The CLUSTER NODES reply.
    pub cluster_nodes: String,
    /// CONFIG GET maxmemory-policy's value.
    pub policy: String,
    /// The message of every error reply (`-<this>`): one line, no CR or LF.
    pub error: String,
}

pub struct HostileRedis {
    pub port: u16,
    /// While set, INFO answers with the error reply.
    fail_info: Arc<AtomicBool>,
    /// How many commands it answered (all connections).
    answered: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HostileRedis {
    /// Listens on a free local port on the current tokio runtime.
    pub async fn start(script: Script) -> HostileRedis {
        assert!(
            !script.error.contains(['\r', '\n']),
            "a RESP simple error is one line"
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let fail_info = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(script);
        let task = tokio::spawn({
            let (fail_info, answered) = (fail_info.clone(), answered.clone());
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (s, f, a) = (script.clone(), fail_info.clone(), answered.clone());
                    tokio::spawn(async move {
                        let _ = serve(stream, &s, &f, &a).await;
                    });
                }
            }
        });
        HostileRedis {
            port,
            fail_info,
            answered,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn fail_info(&self, fail: bool) {
        self.fail_info.store(fail, Ordering::SeqCst);
    }

    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

impl Drop for HostileRedis {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    stream: TcpStream,
    script: &Script,
    fail_info: &AtomicBool,
    answered: &AtomicUsize,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    while let Some(args) = read_command(&mut read).await? {
        let upper: Vec<String> = args.iter().map(|a| a.to_ascii_uppercase()).collect();
        let words: Vec<&str> = upper.iter().map(String::as_str).collect();
        let reply = match words.as_slice() {
            ["HELLO", rest @ ..] => hello(rest.first() == Some(&"3")),
            ["CLIENT", ..] | ["SELECT", ..] | ["AUTH", ..] => "+OK\r\n".to_string(),
            ["PING", ..] => "+PONG\r\n".to_string(),
            ["INFO", ..] if fail_info.load(Ordering::SeqCst) => error(&script.error),
            ["INFO", ..] => bulk(&script.info),
            ["CLUSTER", "NODES"] => bulk(&script.cluster_nodes),
            ["CONFIG", "GET", ..] => {
                format!("*2\r\n{}{}", bulk("maxmemory-policy"), bulk(&script.policy))
            }
            ["CONFIG", "SET", ..] => error(&script.error),
            _ => error(&format!(
                "ERR unknown command '{}'",
                args.first().map_or("", |a| a)
            )),
        };
        answered.fetch_add(1, Ordering::SeqCst);
        write.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}

fn bulk(text: &str) -> String {
    format!("${}\r\n{text}\r\n", text.len())
}

fn error(message: &str) -> String {
    format!("-{message}\r\n")
}

/// HELLO's reply: a map in RESP3, the same pairs as a flat array in RESP2.
fn hello(resp3: bool) -> String {
    let pairs = [
        ("server", bulk("redis")),
        ("version", bulk("7.2.4")),
        ("proto", format!(":{}\r\n", if resp3 { 3 } else { 2 })),
        ("id", ":1\r\n".to_string()),
        ("mode", bulk("cluster")),
        ("role", bulk("master")),
        ("modules", "*0\r\n".to_string()),
    ];
    let mut out = if resp3 {
        format!("%{}\r\n", pairs.len())
    } else {
        format!("*{}\r\n", pairs.len() * 2)
    };
    for (k, v) in pairs {
        out.push_str(&bulk(k));
        out.push_str(&v);
    }
    out
}

/// One command: a RESP array of bulk strings (all redis-rs sends); `None` at EOF.
async fn read_command<R: tokio::io::AsyncRead + Unpin>(
    read: &mut BufReader<R>,
) -> std::io::Result<Option<Vec<String>>> {
    let Some(header) = read_line(read).await? else {
        return Ok(None);
    };
    let Some(count) = header
        .strip_prefix('*')
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return Err(bad(&header));
    };
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let len_line = read_line(read).await?.ok_or_else(|| bad("EOF"))?;
        let len = len_line
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| bad(&len_line))?;
        let mut buf = vec![0; len + 2];
        read.read_exact(&mut buf).await?;
        buf.truncate(len);
        args.push(String::from_utf8_lossy(&buf).into_owned());
    }
    Ok(Some(args))
}

async fn read_line<R: tokio::io::AsyncRead + Unpin>(
    read: &mut BufReader<R>,
) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if read.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("not RESP: {what:?}"),
    )
}
