//! How long the API server alone takes to serve the paged LIST the console's first
//! sync reads: every pod in pages of 500 with `continue` tokens, as kube-rs and
//! kubectl page, on one kept-alive connection, each page's names decoded (the least a
//! client does). The console's sync is reported against it ("within 2× the API").

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    metadata: PageMeta,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    token: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    #[allow(dead_code)]
    metadata: ItemMeta,
    #[allow(dead_code)]
    #[serde(default)]
    spec: IgnoredAny,
    #[allow(dead_code)]
    #[serde(default)]
    status: IgnoredAny,
}

#[derive(Deserialize)]
struct ItemMeta {
    #[allow(dead_code)]
    name: String,
}

/// One GET on a kept-alive connection; the body (Content-Length or chunked).
fn get(conn: &mut BufReader<TcpStream>, path: &str, token: &str) -> Vec<u8> {
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: kube-sim\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
    );
    conn.get_mut().write_all(req.as_bytes()).expect("write");
    let mut line = String::new();
    conn.read_line(&mut line).expect("status line");
    assert!(line.contains(" 200 "), "GET {path}: {line}");
    let (mut len, mut chunked) = (0, false);
    loop {
        line.clear();
        conn.read_line(&mut line).expect("header");
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().expect("content-length");
            }
            if k.eq_ignore_ascii_case("transfer-encoding") && v.trim() == "chunked" {
                chunked = true;
            }
        }
    }
    if !chunked {
        let mut body = vec![0; len];
        conn.read_exact(&mut body).expect("body");
        return body;
    }
    let mut body = Vec::new();
    loop {
        line.clear();
        conn.read_line(&mut line).expect("chunk size");
        let n = usize::from_str_radix(line.trim(), 16).expect("chunk size");
        let start = body.len();
        body.resize(start + n + 2, 0);
        conn.read_exact(&mut body[start..]).expect("chunk");
        body.truncate(start + n);
        if n == 0 {
            return body;
        }
    }
}

/// Seconds to page through every pod at `addr` (`host:port`), and how many there were.
#[allow(dead_code)]
pub fn seconds(addr: &str, bearer: &str) -> (f64, usize) {
    let started = Instant::now();
    let mut items = 0;
    each_page(addr, bearer, |page| items += page.items.len());
    (started.elapsed().as_secs_f64(), items)
}

/// Every page's body, as the server sent it.
#[allow(dead_code)]
pub fn pages(addr: &str, bearer: &str) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    let mut conn = BufReader::new(TcpStream::connect(addr).expect("connect to kube-sim"));
    let mut cont: Option<String> = None;
    loop {
        let body = get(&mut conn, &page_path(cont.as_deref()), bearer);
        let page: Page = serde_json::from_slice(&body).expect("a page");
        bodies.push(body);
        match page.metadata.token.filter(|t| !t.is_empty()) {
            Some(t) => cont = Some(t),
            None => return bodies,
        }
    }
}

fn page_path(cont: Option<&str>) -> String {
    let mut path = "/api/v1/pods?limit=500".to_string();
    if let Some(c) = cont {
        path.push_str("&continue=");
        path.push_str(&url::form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>());
    }
    path
}

fn each_page(addr: &str, bearer: &str, mut each: impl FnMut(&Page)) {
    let mut conn = BufReader::new(TcpStream::connect(addr).expect("connect to kube-sim"));
    let mut cont: Option<String> = None;
    loop {
        let path = page_path(cont.as_deref());
        let page: Page = serde_json::from_slice(&get(&mut conn, &path, bearer)).expect("a page");
        each(&page);
        match page.metadata.token.filter(|t| !t.is_empty()) {
            Some(t) => cont = Some(t),
            None => return,
        }
    }
}
