//! Presenter mode (`--redact`, `R`): what a screen-share or a shared recording must not
//! show. Pure functions of text; the pane builders call them when `BuildCtx::redact`
//! is set, the logs view, dialogs, copy and the status update likewise, and
//! `--record --redact` writes its snapshots through `frame`.
//!
//! What is masked (README "Presenter mode" has the same list):
//!
//! | where | what | becomes |
//! |---|---|---|
//! | query texts (PG activity, locks, top statements, dialogs) | string literals `'…'` (with `''`), `E'…'`, `B'…'`, `X'…'`, `N'…'`, `U&'…'`, dollar-quoted `$$…$$` / `$tag$…$tag$`, numeric constants (`42`, `-3.5`, `1e-10`, `0x1F`) | `?` (`-?` for a negative number) |
//! | query comments | their values, as in a log line | `/* app=? */` |
//! | client addresses (`client_addr`, `client_hostname`), target IPs and ports | IPv4, IPv6 | `x.x.x.x`, `x:x::x`, port `x`, a host name `?` |
//! | the header's PostgreSQL and Redis endpoints (the console's own configuration) | an IP host and its port (a host name and the database stay) | `pg app@x.x.x.x:x/orders` |
//! | free text (Kubernetes and RDS events, termination messages, Deps URLs and errors, dialogs, the incident timeline and title, status update, outcomes) | IPv4/IPv6 with ports, e-mail addresses, `Bearer`/`Basic` credentials | `x.x.x.x:x`, `?@?`, `Bearer ?` |
//! | log lines | all of the above, `"…"`/`'…'` strings (not JSON keys), `key=value` values (not `level`, `lvl`, `severity`, `ts`), numbers (not a leading timestamp) | `"?"`, `key=?`, `?` |
//!
//! What stays: identifiers (`t1`, `"order 2024"`), parameters (`$1`), keywords, type
//! names (`interval ?`), and names of objects — pods, deployments, nodes, tables,
//! databases, users, application names, target groups, instance ids — and numbers
//! with a unit or a letter (`150ms`, `v2`, `7d9f`).

mod frame;
mod sql;
mod text;

pub use frame::{aws_data, frame, json_strings, pg_data};
pub use sql::sql;
pub use text::{address_field, log_line, text, IPV4_MASK, IPV6_MASK, PORT_MASK};

/// Whether presenter mode is on, with the one question each caller asks of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redact(pub bool);

impl Redact {
    pub fn sql(self, raw: &str) -> std::borrow::Cow<'_, str> {
        self.apply(raw, sql)
    }

    pub fn text(self, raw: &str) -> std::borrow::Cow<'_, str> {
        self.apply(raw, text)
    }

    pub fn log_line(self, raw: &str) -> std::borrow::Cow<'_, str> {
        self.apply(raw, log_line)
    }

    pub fn address(self, raw: &str) -> std::borrow::Cow<'_, str> {
        self.apply(raw, address_field)
    }

    /// A port: `x` when on.
    pub fn port(self, raw: &str) -> std::borrow::Cow<'_, str> {
        self.apply(raw, |p| {
            if p.is_empty() {
                String::new()
            } else {
                PORT_MASK.into()
            }
        })
    }

    fn apply<'a>(self, raw: &'a str, f: impl Fn(&str) -> String) -> std::borrow::Cow<'a, str> {
        if self.0 {
            std::borrow::Cow::Owned(f(raw))
        } else {
            std::borrow::Cow::Borrowed(raw)
        }
    }
}
