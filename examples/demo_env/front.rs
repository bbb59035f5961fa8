//! Two small HTTP servers of the simulated platform.
//!
//! `aws_front`: the console's AWS endpoint, a pass-through to moto with one change.
//! moto computes no percentiles (a `Stat=p95` query comes back without points), so the
//! Signals pane would say `p95 no data` for ever. The demo puts one response-time datum
//! per minute, and the p95 of one datum is that datum, which moto's per-minute `Sum`
//! returns: so `Stat=p95` is asked of moto as `Stat=Sum` (same length, so the
//! Content-Length holds), and the window is aligned to the minute as CloudWatch does.
//! Everything else passes through untouched.
//!
//! `health`: the backend's health endpoint (`/api/v1/health`) for the Deps pane: slow
//! and `503` while the incident lasts, fast and `200` once `DIR/recovered` exists.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::moto::http_request_complete;

/// A request's head and body, read up to its Content-Length (or the client closing).
async fn read_request(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while !http_request_complete(&buf) {
        let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::other("request timed out"))??;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

/// One request per connection: moto is asked to close after its answer, and the
/// client sees that `Connection: close` and opens a new connection next time.
fn rewrite(request: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return request.to_vec();
    };
    let mut out: String = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    out.push_str("Connection: close\r\n\r\n");
    if body.contains("Action=GetMetricData") {
        let body = align_to_minute(body, "StartTime=");
        let body = align_to_minute(&body, "EndTime=");
        out.push_str(&body.replace(".Stat=p95", ".Stat=Sum"));
    } else {
        out.push_str(body);
    }
    out.into_bytes()
}

/// CloudWatch aligns a query's window to its period (one minute here); moto starts its
/// buckets at the StartTime as given, so every refresh would shift every point by a few
/// seconds. `StartTime=2026-01-15T10%3A27%3A41Z` becomes `…10%3A27%3A00Z` (same length).
fn align_to_minute(body: &str, field: &str) -> String {
    let Some(at) = body.find(field).map(|i| i + field.len()) else {
        return body.to_string();
    };
    // 2026-01-15T10%3A27%3A41Z: the seconds are the two characters before the `Z`.
    let value = &body[at..];
    match value.find('Z') {
        Some(z) if z >= 2 && value.is_char_boundary(z - 2) => {
            format!("{}{}00{}", &body[..at], &value[..z - 2], &value[z..])
        }
        _ => body.to_string(),
    }
}

async fn pass_through(mut client: TcpStream, moto_port: u16) -> std::io::Result<()> {
    let request = read_request(&mut client).await?;
    let mut moto = TcpStream::connect(("127.0.0.1", moto_port)).await?;
    moto.write_all(&rewrite(&request)).await?;
    let mut response = Vec::new();
    moto.read_to_end(&mut response).await?;
    client.write_all(&response).await?;
    client.shutdown().await
}

/// Serves the AWS front on `listener` until the process ends.
pub async fn aws_front(listener: TcpListener, moto_port: u16) {
    while let Ok((client, _)) = listener.accept().await {
        tokio::spawn(async move {
            if let Err(e) = pass_through(client, moto_port).await {
                eprintln!("demo_env: AWS front: {e}");
            }
        });
    }
}

/// How long the health check takes while the backend waits on the lock.
const SLOW: Duration = Duration::from_millis(850);

async fn answer_health(mut client: TcpStream, recovered_flag: PathBuf) -> std::io::Result<()> {
    read_request(&mut client).await?;
    let status = if recovered_flag.exists() {
        "200 OK"
    } else {
        tokio::time::sleep(SLOW).await;
        "503 Service Unavailable"
    };
    let response = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    client.write_all(response.as_bytes()).await?;
    client.shutdown().await
}

/// Serves the health endpoint on `listener` until the process ends.
pub async fn health(listener: TcpListener, recovered_flag: PathBuf) {
    while let Ok((client, _)) = listener.accept().await {
        let flag = recovered_flag.clone();
        tokio::spawn(async move {
            let _ = answer_health(client, flag).await;
        });
    }
}
