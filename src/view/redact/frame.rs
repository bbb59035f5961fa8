//! A recorded snapshot as `--record --redact` writes it: query texts through `sql`,
//! client addresses and target IPs/ports masked, then every other string of it through
//! `text` (addresses, e-mails, credentials in errors and messages). Names stay.

use crate::collect::aws::AwsData;
use crate::collect::postgres::{PgData, Statements};
use crate::collect::replay::Frame;

use super::sql;
use super::text::{address_field, text};

/// `frame` with what presenter mode hides masked, in the same shape (it replays).
pub fn frame(frame: &Frame) -> Frame {
    let mut out = frame.clone();
    match &mut out {
        Frame::Postgres(r) => {
            if let Some(d) = r.data.as_mut() {
                pg_data(d);
            }
        }
        Frame::Aws(r) => {
            if let Some(d) = r.data.as_mut() {
                aws_data(d);
            }
        }
        Frame::Kube(_) | Frame::Redis(_) | Frame::Host(_) | Frame::Deps(_) => {}
    }
    // Every other string (errors, messages, URLs) through `text`; a frame that does
    // not survive the round trip is not written unmasked.
    match serde_json::to_value(&out) {
        Ok(mut v) => {
            json_strings(&mut v);
            serde_json::from_value(v).unwrap_or(out)
        }
        Err(_) => out,
    }
}

/// Every string in `v` through `text` (object keys stay): for recorded events.
pub fn json_strings(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            let masked = text(s);
            if masked != *s {
                *s = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(json_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(json_strings),
        _ => {}
    }
}

/// Query texts through `sql`, client addresses and ports masked (also for
/// `snapshot --format json --redact`).
pub fn pg_data(d: &mut PgData) {
    for s in &mut d.sessions {
        s.query = s.query.as_deref().map(sql);
        s.client_addr = s.client_addr.as_deref().map(address_field);
        s.client_hostname = s.client_hostname.as_deref().map(address_field);
        // -1 means a Unix socket ("local"), which says nothing about the client.
        s.client_port = s.client_port.filter(|p| *p == -1);
    }
    if let Statements::Top { rows, .. } = &mut d.statements {
        for t in rows {
            t.query = t.query.as_deref().map(sql);
        }
    }
}

/// Target IPs and ports masked (also for `snapshot --format json --redact`).
pub fn aws_data(d: &mut AwsData) {
    for g in &mut d.target_groups {
        for t in &mut g.targets {
            t.id = text(&t.id);
            t.port = None;
        }
    }
}
