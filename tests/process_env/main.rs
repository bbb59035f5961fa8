//! Tests that set process-wide environment variables (`PG*`, `AWS_*`): their own
//! binary, so they cannot change the world of the integration tests running beside them.

// Test code: a fixture or server that does not come up should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../integration/support/mod.rs"]
mod support;

mod aws_credentials;
mod pg_env;
