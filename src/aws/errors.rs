//! AWS errors as one readable line: `ecs CreateCluster: AccessDenied: ...`.
//! The SDK's Debug output is a page of nested structs; nobody should see it.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug)]
pub struct AwsError {
    pub what: String,
    pub code: Option<String>,
    pub message: String,
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{}: {}: {}", self.what, code, self.message),
            None => write!(f, "{}: {}", self.what, self.message),
        }
    }
}

impl std::error::Error for AwsError {}

pub fn code_of<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

pub fn describe<E, R>(what: &str, err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(e) => AwsError {
            what: what.to_string(),
            code: e.err().code().map(str::to_string),
            // An error without a message (an HTML error page, an unknown
            // shape) has only the HTTP status to say: never the Debug dump.
            message: e.err().message().map(str::to_string).unwrap_or_else(|| {
                "the service answered with an error it did not explain (an error page instead of an AWS error); try again, or check AWS_ENDPOINT_URL".to_string()
            }),
        },
        _ if causes(&err).contains("credentials") =>
        {
            AwsError {
                what: what.to_string(),
                code: None,
                message: format!(
                    "no usable AWS credentials ({}); pass --profile, set AWS_PROFILE, or run `aws sso login`",
                    causes(&err)
                ),
            }
        }
        SdkError::TimeoutError(_) => AwsError {
            what: what.to_string(),
            code: None,
            message: "no answer in time: the endpoint accepted the connection but did not respond (FARGATE_STACK_CALL_TIMEOUT and FARGATE_STACK_CONNECT_TIMEOUT set the limits, in seconds)".to_string(),
        },
        SdkError::DispatchFailure(d) if d.is_timeout() => AwsError {
            what: what.to_string(),
            code: None,
            message: format!(
                "timed out ({}); check your network, region and AWS_ENDPOINT_URL (FARGATE_STACK_CONNECT_TIMEOUT and FARGATE_STACK_CALL_TIMEOUT set the limits)",
                causes(&err)
            ),
        },
        SdkError::DispatchFailure(_) => AwsError {
            what: what.to_string(),
            code: None,
            message: format!(
                "could not reach AWS ({}); check your network, region and AWS_ENDPOINT_URL",
                causes(&err)
            ),
        },
        _ => AwsError {
            what: what.to_string(),
            code: None,
            message: causes(&err),
        },
    }
}

/// The error's chain of causes by their Display text, without the Debug
/// dumps `DisplayErrorContext` includes.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = one_line(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    let joined = parts.join(": ");
    if joined.len() > 300 {
        format!("{}...", &joined[..300])
    } else {
        joined
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub trait AwsResultExt<T> {
    /// Names the call (`"ecs CreateCluster"`) and flattens the error.
    fn ctx(self, what: &str) -> Result<T, AwsError>;
}

impl<T, E, R> AwsResultExt<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn ctx(self, what: &str) -> Result<T, AwsError> {
        self.map_err(|e| describe(what, e))
    }
}
