//! Tests that set process-wide environment variables (`PG*`, `AWS_*`): their own
//! binary, so they cannot change the world of the integration tests running beside them.

#[path = "../integration/support/mod.rs"]
mod support;

mod aws_credentials;
mod pg_env;
