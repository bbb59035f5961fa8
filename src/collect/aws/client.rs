//! The AWS connection shared by the collector and the executor: the standard
//! credential/region chain plus `--aws-profile`, `--aws-region` and
//! `--aws-endpoint-url`, and the translation of SDK errors into what a user can act on.

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_rds::config::http::HttpResponse;
use aws_sdk_rds::config::ProvideCredentials;
use aws_sdk_rds::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::collect::CollectError;
use crate::config::AwsSettings;

/// How long resolving credentials (profile, SSO, instance role) may take before we say so.
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(5);

/// The service clients, built once from one `SdkConfig` and reused (they are cheap to clone).
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub rds: aws_sdk_rds::Client,
    pub cw: aws_sdk_cloudwatch::Client,
    pub region: String,
    /// Where requests go: the emulator URL or `aws` for the real endpoints.
    pub endpoint: String,
}

/// Why an AWS call failed, in the words an operator needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    #[error("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or --aws-profile, SSO login, an instance role) — {0}")]
    NoCredentials(String),
    #[error("AWS credentials rejected on {action}: {code}: {message}")]
    BadCredentials {
        action: &'static str,
        code: String,
        message: String,
    },
    #[error("no AWS region: set --aws-region, AWS_REGION or [aws] region")]
    NoRegion,
    /// The IAM action is named so the policy can be fixed.
    #[error("AccessDenied: {action} is not allowed for these credentials ({message})")]
    AccessDenied {
        action: &'static str,
        message: String,
    },
    #[error("throttled on {action}: {message} (backing off)")]
    Throttled {
        action: &'static str,
        message: String,
    },
    #[error("cannot reach AWS endpoint {endpoint}: {message}")]
    Unreachable { endpoint: String, message: String },
    #[error("{action}: {code}: {message}")]
    Api {
        action: &'static str,
        code: String,
        message: String,
    },
}

impl AwsError {
    /// Errors that concern the whole source, not one section of the pane: the
    /// round fails so the runner keeps the last data and backs off.
    pub fn is_source_wide(&self) -> bool {
        matches!(
            self,
            AwsError::NoCredentials(_)
                | AwsError::BadCredentials { .. }
                | AwsError::NoRegion
                | AwsError::Throttled { .. }
                | AwsError::Unreachable { .. }
        )
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Api { code, .. } | AwsError::BadCredentials { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl From<AwsError> for CollectError {
    fn from(e: AwsError) -> Self {
        match e {
            AwsError::NoCredentials(_) | AwsError::BadCredentials { .. } | AwsError::NoRegion => {
                CollectError::Auth(e.to_string())
            }
            AwsError::AccessDenied { .. } => CollectError::Permission(e.to_string()),
            AwsError::Unreachable { .. } => CollectError::Connect(e.to_string()),
            AwsError::Throttled { .. } | AwsError::Api { .. } => CollectError::Query(e.to_string()),
        }
    }
}

/// The SDK's HTTPS client: rustls with ring, the one TLS stack of the console (the
/// SDK's default client would add aws-lc; see Cargo.toml).
pub fn https_client() -> aws_sdk_rds::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Loads the SDK configuration, checks that credentials resolve, and builds both clients.
pub async fn connect(settings: &AwsSettings) -> Result<AwsClients, AwsError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(8))
                .build(),
        );
    if let Some(p) = &settings.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &settings.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(e) = &settings.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let mut sdk = loader.load().await;
    let region = match sdk.region() {
        Some(r) => r.to_string(),
        // An emulator does not care about the region; the SDK still needs one.
        None if settings.endpoint_url.is_some() => {
            sdk = sdk.into_builder().region(Region::new("us-east-1")).build();
            "us-east-1".into()
        }
        None => return Err(AwsError::NoRegion),
    };
    let Some(provider) = sdk.credentials_provider() else {
        return Err(AwsError::NoCredentials(
            "no credentials provider configured".into(),
        ));
    };
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(AwsError::NoCredentials(root_cause(&e))),
        Err(_) => {
            return Err(AwsError::NoCredentials(format!(
                "resolving credentials took longer than {CREDENTIALS_TIMEOUT:?}"
            )))
        }
    }
    Ok(AwsClients {
        elb: aws_sdk_elasticloadbalancingv2::Client::new(&sdk),
        rds: aws_sdk_rds::Client::new(&sdk),
        cw: aws_sdk_cloudwatch::Client::new(&sdk),
        region,
        endpoint: settings
            .endpoint_url
            .clone()
            .unwrap_or_else(|| "aws".into()),
    })
}

/// The innermost cause of an error chain: "Connection refused (os error 111)".
fn root_cause(e: &(dyn StdError + 'static)) -> String {
    let mut cur: &(dyn StdError + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let s = cur.to_string();
    if s.is_empty() {
        e.to_string()
    } else {
        s
    }
}

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "PriorRequestNotComplete",
];
const BAD_CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "AuthFailure",
    "InvalidAccessKeyId",
];

/// Classifies one failed call; `action` is the IAM action of the call
/// (`elasticloadbalancing:DescribeTargetHealth`) so AccessDenied can name it.
pub fn classify<E>(action: &'static str, endpoint: &str, err: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            let text = DisplayErrorContext(&err).to_string();
            if text.contains("credential") || text.contains("identity") {
                return AwsError::NoCredentials(root_cause(&err));
            }
            return AwsError::Unreachable {
                endpoint: endpoint.to_string(),
                message: root_cause(&err),
            };
        }
        _ => {}
    }
    let (raw_code, raw_message, status) = match &err {
        SdkError::ServiceError(ctx) => {
            let body = ctx
                .raw()
                .body()
                .bytes()
                .map(|b| String::from_utf8_lossy(b).to_string())
                .unwrap_or_default();
            (
                xml_text(&body, "Code"),
                xml_text(&body, "Message"),
                Some(ctx.raw().status().as_u16()),
            )
        }
        _ => (None, None, None),
    };
    // Some endpoints (emulators, EC2-style services) wrap errors in `<Errors>`,
    // which the query-protocol parser does not read: fall back to the raw body.
    let code = err
        .code()
        .map(str::to_string)
        .or(raw_code)
        .or_else(|| (status == Some(403)).then(|| "AccessDenied".to_string()));
    let message = err
        .message()
        .map(str::to_string)
        .or(raw_message)
        .unwrap_or_else(|| root_cause(&err));
    match code {
        Some(c) if DENIED.contains(&c.as_str()) => AwsError::AccessDenied { action, message },
        Some(c) if THROTTLED.contains(&c.as_str()) => AwsError::Throttled { action, message },
        Some(c) if BAD_CREDENTIALS.contains(&c.as_str()) => AwsError::BadCredentials {
            action,
            code: c,
            message,
        },
        Some(code) => AwsError::Api {
            action,
            code,
            message,
        },
        None => {
            let text = DisplayErrorContext(&err).to_string();
            if text.contains("credential") {
                AwsError::NoCredentials(root_cause(&err))
            } else {
                AwsError::Api {
                    action,
                    code: "Error".into(),
                    message: root_cause(&err),
                }
            }
        }
    }
}

/// The text of the first `<tag>…</tag>` in an XML error body.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim().to_string()).filter(|s| !s.is_empty())
}

/// SDK clients made on first use and kept: the collector and the executor each hold one.
pub struct LazyClients {
    settings: AwsSettings,
    clients: Option<AwsClients>,
}

impl LazyClients {
    pub fn new(settings: AwsSettings) -> Self {
        Self {
            settings,
            clients: None,
        }
    }

    pub fn settings(&self) -> &AwsSettings {
        &self.settings
    }

    /// The clients, connecting (credentials, region, endpoint) the first time.
    pub async fn get(&mut self) -> Result<AwsClients, AwsError> {
        if let Some(c) = &self.clients {
            return Ok(c.clone());
        }
        let c = connect(&self.settings).await?;
        self.clients = Some(c.clone());
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_errors_keep_the_iam_action() {
        let e: CollectError = AwsError::AccessDenied {
            action: "elasticloadbalancing:DescribeTargetHealth",
            message: "User x is not authorized".into(),
        }
        .into();
        assert!(e
            .to_string()
            .contains("AccessDenied: elasticloadbalancing:DescribeTargetHealth"));
        assert!(AwsError::NoRegion.is_source_wide());
    }

    #[test]
    fn error_bodies_wrapped_in_errors_are_read() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_text(body, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(xml_text(body, "Message").as_deref(), Some("no"));
        assert_eq!(xml_text("<Code></Code>", "Code"), None);
    }
}
