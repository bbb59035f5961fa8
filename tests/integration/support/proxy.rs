//! A switchable TCP proxy on a free local port, so one harness can put any source
//! (PostgreSQL, Redis, the Kubernetes API, AWS) behind the same faults: pass, refuse
//! (the port is closed), hang (accepts, then forwards nothing), delay every reply, or
//! answer every request itself with a protocol-level error (an HTTP status, a RESP
//! `-ERR`, a PostgreSQL `ErrorResponse`). `cut()` drops every open connection while
//! still accepting new ones (a stream dropped mid-way).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A canned answer to every request, in the upstream's protocol.
#[derive(Clone, Debug, PartialEq)]
pub enum Canned {
    /// One HTTP response per request, then the connection is closed.
    Http {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// A RESP error line (`LOADING Redis is loading…`) for every command.
    RespError(String),
    /// A PostgreSQL `ErrorResponse` (FATAL) to the startup packet, then close.
    PgFatal { code: String, message: String },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Pass,
    /// The port is closed: connecting fails with "connection refused"; open connections are dropped.
    Refuse,
    /// Connections are accepted (and kept) but nothing is forwarded either way.
    Hang,
    /// Every chunk from the upstream reaches the client this much later.
    Delay(Duration),
    /// Open connections are dropped; new ones get the canned answer.
    Reply(Canned),
}

pub struct Proxy {
    pub port: u16,
    mode: watch::Sender<Mode>,
    cut: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts forwarding `127.0.0.1:<port>` → `upstream` (on the current runtime).
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let (mode, mode_rx) = watch::channel(Mode::Pass);
        let (cut, cut_rx) = watch::channel(0u64);
        let task = tokio::spawn(accept_loop(listener, port, upstream, mode_rx, cut_rx));
        Proxy {
            port,
            mode,
            cut,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// Drops every open connection; new ones are served as the mode says.
    pub fn cut(&self) {
        self.cut.send_modify(|n| *n += 1);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

async fn accept_loop(
    listener: TcpListener,
    port: u16,
    upstream: SocketAddr,
    mut mode: watch::Receiver<Mode>,
    cut: watch::Receiver<u64>,
) {
    let mut listener = Some(listener);
    loop {
        let current = mode.borrow_and_update().clone();
        if current == Mode::Refuse {
            listener = None; // closed: connects are refused
            if mode.changed().await.is_err() {
                return;
            }
            continue;
        }
        if listener.is_none() {
            // Rebind the same port (SO_REUSEADDR is set by tokio on Unix).
            for _ in 0..100 {
                match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => {
                        listener = Some(l);
                        break;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
        }
        let Some(l) = listener.as_ref() else { return };
        tokio::select! {
            accepted = l.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let _ = client.set_nodelay(true);
                tokio::spawn(serve(client, upstream, mode.clone(), cut.clone()));
            }
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Whether an open connection must be dropped in this mode.
fn drops(mode: &Mode) -> bool {
    matches!(mode, Mode::Refuse | Mode::Reply(_))
}

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    mode: watch::Receiver<Mode>,
    mut cut: watch::Receiver<u64>,
) {
    cut.borrow_and_update();
    let current = mode.borrow().clone();
    match current {
        Mode::Refuse => {}
        Mode::Reply(canned) => {
            tokio::select! {
                _ = answer(client, &canned) => {}
                _ = cut.changed() => {}
            }
        }
        Mode::Hang => {
            // Hold the connection, forward nothing; let go when the mode changes.
            let mut m = mode.clone();
            tokio::select! {
                _ = m.changed() => {}
                _ = cut.changed() => {}
            }
        }
        Mode::Pass | Mode::Delay(_) => {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::select! {
                _ = pump(cr, sw, mode.clone(), false) => {}
                _ = pump(sr, cw, mode.clone(), true) => {}
                _ = cut.changed() => {}
            }
        }
    }
}

/// Copies `from` → `to`, honouring the mode before every chunk; returns when either side
/// closes or the mode says the connection must go.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut mode: watch::Receiver<Mode>,
    downstream: bool,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            r = from.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            changed = mode.changed() => {
                if changed.is_err() || drops(&mode.borrow()) {
                    return;
                }
                continue;
            }
        };
        loop {
            let m = mode.borrow_and_update().clone();
            match m {
                Mode::Pass => break,
                Mode::Delay(d) => {
                    if downstream {
                        tokio::time::sleep(d).await;
                    }
                    break;
                }
                Mode::Hang => {
                    if mode.changed().await.is_err() {
                        return;
                    }
                }
                Mode::Refuse | Mode::Reply(_) => return,
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn answer(mut s: TcpStream, canned: &Canned) {
    match canned {
        Canned::Http {
            status,
            content_type,
            body,
        } => {
            if read_http_request(&mut s).await.is_none() {
                return;
            }
            let resp = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes()).await;
            let _ = s.shutdown().await;
        }
        Canned::RespError(line) => {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let Ok(n) = s.read(&mut chunk).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                let (commands, used) = resp_commands(&buf);
                buf.drain(..used);
                for _ in 0..commands {
                    if s.write_all(format!("-{line}\r\n").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
        Canned::PgFatal { code, message } => {
            // SSLRequest (8 bytes, code 80877103) gets 'N'; then the startup packet.
            loop {
                let Ok(len) = s.read_i32().await else { return };
                let mut body = vec![0u8; (len.max(4) - 4) as usize];
                if s.read_exact(&mut body).await.is_err() {
                    return;
                }
                if len == 8 && body[..4] == 80_877_103i32.to_be_bytes() {
                    if s.write_all(b"N").await.is_err() {
                        return;
                    }
                    continue;
                }
                break;
            }
            let mut fields = Vec::new();
            for (tag, value) in [
                (b'S', "FATAL"),
                (b'V', "FATAL"),
                (b'C', code.as_str()),
                (b'M', message.as_str()),
            ] {
                fields.push(tag);
                fields.extend_from_slice(value.as_bytes());
                fields.push(0);
            }
            fields.push(0);
            let mut msg = vec![b'E'];
            msg.extend_from_slice(&((fields.len() + 4) as i32).to_be_bytes());
            msg.extend_from_slice(&fields);
            let _ = s.write_all(&msg).await;
            let _ = s.shutdown().await;
        }
    }
}

/// Reads one HTTP request (head + Content-Length body); `None` when the client went away.
async fn read_http_request(s: &mut TcpStream) -> Option<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if super::moto::http_request_complete(&buf) {
            return Some(());
        }
    }
}

/// How many complete RESP commands (arrays of bulk strings, or inline lines) `buf`
/// starts with, and how many bytes they take.
fn resp_commands(buf: &[u8]) -> (usize, usize) {
    let line = |from: usize| -> Option<(usize, usize)> {
        let end = buf[from..].windows(2).position(|w| w == b"\r\n")? + from;
        Some((end, end + 2))
    };
    let mut pos = 0;
    let mut count = 0;
    'outer: while pos < buf.len() {
        if buf[pos] != b'*' {
            let Some((_, next)) = line(pos) else { break };
            pos = next;
            count += 1;
            continue;
        }
        let Some((end, mut next)) = line(pos) else {
            break;
        };
        let n: usize = std::str::from_utf8(&buf[pos + 1..end])
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        for _ in 0..n {
            let Some((end, after)) = line(next) else {
                break 'outer;
            };
            let len: usize = std::str::from_utf8(&buf[next + 1..end])
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            if buf.len() < after + len + 2 {
                break 'outer;
            }
            next = after + len + 2;
        }
        pos = next;
        count += 1;
    }
    (count, pos)
}
