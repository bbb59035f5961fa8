#![allow(dead_code)]
//! Tiny blocking HTTP/1.1 client for tests (no extra dependencies).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub fn sim(opts: kube_sim::Options) -> kube_sim::Handle {
    kube_sim::start_background(opts).expect("start kube-sim")
}

pub fn fast_opts() -> kube_sim::Options {
    kube_sim::Options {
        pod_startup: Duration::from_millis(100),
        termination_delay: Duration::from_millis(100),
        bookmark_interval: Duration::from_millis(200),
        log_interval: Duration::from_millis(200),
        ..Default::default()
    }
}

fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    ctype: &str,
    body: &str,
) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer kube-sim-token\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("write");
    BufReader::new(s)
}

fn read_head(r: &mut BufReader<TcpStream>) -> (u16, bool) {
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let code = line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let mut chunked = false;
    loop {
        line.clear();
        r.read_line(&mut line).expect("header");
        if line.trim().is_empty() {
            return (code, chunked);
        }
        if line
            .to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
        {
            chunked = true;
        }
    }
}

fn read_chunk(r: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let n = usize::from_str_radix(line.trim(), 16).ok()?;
    if n == 0 {
        return None;
    }
    let mut buf = vec![0; n + 2];
    r.read_exact(&mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

/// Returns (status, body).
pub fn http(addr: SocketAddr, method: &str, path: &str, ctype: &str, body: &str) -> (u16, String) {
    let mut r = send(addr, method, path, ctype, body);
    let (code, chunked) = read_head(&mut r);
    let mut out = Vec::new();
    if chunked {
        while let Some(c) = read_chunk(&mut r) {
            out.extend(c);
        }
    } else {
        r.read_to_end(&mut out).expect("body");
    }
    (code, String::from_utf8_lossy(&out).into_owned())
}

pub fn get_json(addr: SocketAddr, path: &str) -> Value {
    let (code, body) = http(addr, "GET", path, "application/json", "");
    assert_eq!(code, 200, "GET {path}: {body}");
    serde_json::from_str(&body).expect("json")
}

/// An open watch: yields parsed WatchEvents line by line.
pub struct Watch {
    r: BufReader<TcpStream>,
    buf: Vec<u8>,
}

impl Watch {
    pub fn open(addr: SocketAddr, path: &str) -> Watch {
        let mut r = send(addr, "GET", path, "application/json", "");
        let (code, _) = read_head(&mut r);
        assert_eq!(code, 200, "watch {path}");
        Watch { r, buf: Vec::new() }
    }

    /// Next event, or None when the stream ends (or times out).
    pub fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return serde_json::from_slice(&line).ok();
            }
            let c = read_chunk(&mut self.r)?;
            self.buf.extend(c);
        }
    }

    /// Read events until `pred` matches one; panics after `max` events.
    pub fn until(&mut self, max: usize, pred: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..max {
            match self.next() {
                Some(e) if pred(&e) => return e,
                Some(_) => {}
                None => panic!("watch ended before expected event"),
            }
        }
        panic!("expected event not seen in {max} events");
    }
}

pub fn pod_names(addr: SocketAddr, selector: &str) -> Vec<String> {
    let list = get_json(
        addr,
        &format!("/api/v1/namespaces/kitops/pods?labelSelector={selector}"),
    );
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
        .map(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}
