//! One AWS context per run: a single `SdkConfig` load, one client per
//! service, and an interceptor that counts every API call so the summary
//! can say how many calls a command made and whether any of them mutated.
//!
//! `AWS_ENDPOINT_URL` needs no code here: aws-config reads it for every
//! client, which is how the tests point the binary at the emulator.

pub mod errors;

use std::sync::Mutex;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::Serialize;

pub use errors::{AwsResultExt, code_of};

/// Where credentials and region come from, already resolved by precedence.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub route53_profile: Option<String>,
}

#[derive(Clone)]
pub struct Aws {
    pub region: String,
    pub profile: Option<String>,
    pub env_profile: Option<String>,
    pub sts: aws_sdk_sts::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub efs: aws_sdk_efs::Client,
    pub s3: aws_sdk_s3::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub acm: aws_sdk_acm::Client,
    pub scaling: aws_sdk_applicationautoscaling::Client,
    pub waf: aws_sdk_wafv2::Client,
    /// Built from the Route 53 profile when one is given.
    pub route53: aws_sdk_route53::Client,
}

/// How long a connection and a call may take before the command says which
/// call hung. Overridable for slow links and for tests.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    let secs = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| *v > 0.0)
            .map(std::time::Duration::from_secs_f64)
            .unwrap_or(std::time::Duration::from_secs(default))
    };
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(secs("FARGATE_STACK_CONNECT_TIMEOUT", 5))
        .read_timeout(secs("FARGATE_STACK_CALL_TIMEOUT", 30))
        .operation_attempt_timeout(secs("FARGATE_STACK_CALL_TIMEOUT", 30))
        .build()
}

async fn load(profile: Option<&str>, region: Option<&str>) -> SdkConfig {
    // The tool names itself in every request's User-Agent (CloudTrail's
    // `userAgent` shows which calls it made).
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts())
        .app_name(aws_config::AppName::new("fargate-stack").expect("a valid app name"));
    // AWS_PROFILE, when nothing named a profile, is honoured the same way.
    let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    if let Some(p) = profile.or(env_profile.as_deref()) {
        // A named profile's own credentials, not the environment's: the
        // default chain reads AWS_ACCESS_KEY_ID first, which would silently
        // act on another account than the one the profile names.
        loader = loader.profile_name(p).credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .build(),
        );
    }
    let region_chain = aws_config::meta::region::RegionProviderChain::first_try(
        region.map(|r| Region::new(r.to_string())),
    )
    .or_default_provider()
    .or_else(Region::from_static("us-east-1"));
    loader.region(region_chain).load().await
}

macro_rules! client {
    ($krate:ident, $sdk:expr) => {
        $krate::Client::from_conf(
            $krate::config::Builder::from($sdk)
                .interceptor(CallCounter)
                .build(),
        )
    };
}

impl Aws {
    pub async fn connect(opts: &AwsOptions) -> Aws {
        let sdk = load(opts.profile.as_deref(), opts.region.as_deref()).await;
        let dns_sdk = match &opts.route53_profile {
            Some(p) if Some(p) != opts.profile.as_ref() => {
                load(Some(p), opts.region.as_deref()).await
            }
            _ => sdk.clone(),
        };
        Aws {
            region: sdk
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
            // AWS_PROFILE when nothing else named one: shown, never written back.
            profile: opts.profile.clone(),
            env_profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
            sts: client!(aws_sdk_sts, &sdk),
            ec2: client!(aws_sdk_ec2, &sdk),
            ecr: client!(aws_sdk_ecr, &sdk),
            ecs: client!(aws_sdk_ecs, &sdk),
            iam: client!(aws_sdk_iam, &sdk),
            logs: client!(aws_sdk_cloudwatchlogs, &sdk),
            cloudwatch: client!(aws_sdk_cloudwatch, &sdk),
            events: client!(aws_sdk_eventbridge, &sdk),
            sqs: client!(aws_sdk_sqs, &sdk),
            secrets: client!(aws_sdk_secretsmanager, &sdk),
            ssm: client!(aws_sdk_ssm, &sdk),
            efs: client!(aws_sdk_efs, &sdk),
            cloudtrail: client!(aws_sdk_cloudtrail, &sdk),
            tagging: client!(aws_sdk_resourcegroupstagging, &sdk),
            elb: client!(aws_sdk_elasticloadbalancingv2, &sdk),
            acm: client!(aws_sdk_acm, &sdk),
            scaling: client!(aws_sdk_applicationautoscaling, &sdk),
            waf: client!(aws_sdk_wafv2, &sdk),
            // Another endpoint (an emulator, a gateway) serves buckets by
            // path, not by virtual host.
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&sdk)
                    .force_path_style(std::env::var_os("AWS_ENDPOINT_URL").is_some())
                    .interceptor(CallCounter)
                    .build(),
            ),
            route53: client!(aws_sdk_route53, &dns_sdk),
        }
    }
}

static CALLS: Mutex<Vec<ApiCall>> = Mutex::new(Vec::new());

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ApiCall {
    pub service: String,
    pub operation: String,
    #[serde(skip)]
    pub started: std::time::Instant,
    #[serde(skip)]
    pub ended: Option<std::time::Instant>,
}

/// Which call a request is, carried through the SDK's config bag from the
/// interceptor hook that starts it to the one that ends it.
#[derive(Debug, Clone, Copy)]
struct CallIndex(usize);

impl aws_smithy_types::config_bag::Storable for CallIndex {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl ApiCall {
    /// Read-only calls by AWS's naming convention; everything else changes
    /// something.
    pub fn is_mutating(&self) -> bool {
        ![
            "Describe", "List", "Get", "Head", "Filter", "Lookup", "BatchGet",
        ]
        .iter()
        .any(|p| self.operation.starts_with(p))
    }
}

/// Sequential rounds of calls: a new round starts when a call starts after
/// every call before it has ended (nothing was in flight: the command was
/// waiting on the previous answers). Overlapping calls are one round.
pub fn rounds(calls: &[ApiCall]) -> usize {
    let mut sorted: Vec<&ApiCall> = calls.iter().collect();
    sorted.sort_by_key(|c| c.started);
    let mut rounds = 0;
    let mut in_flight_until: Option<std::time::Instant> = None;
    for c in sorted {
        match in_flight_until {
            Some(end) if c.started < end => {}
            _ => rounds += 1,
        }
        let end = c.ended.unwrap_or(c.started);
        in_flight_until = Some(in_flight_until.map_or(end, |e| e.max(end)));
    }
    rounds
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct CallStats {
    pub total: usize,
    pub mutating: Vec<String>,
    /// Sequential rounds of calls (see `rounds`).
    pub rounds: usize,
}

pub fn call_stats() -> CallStats {
    let calls = CALLS.lock().expect("call log lock");
    CallStats {
        total: calls.len(),
        rounds: rounds(&calls),
        mutating: calls
            .iter()
            .filter(|c| c.is_mutating())
            .map(|c| format!("{}:{}", c.service, c.operation))
            .collect(),
    }
}

#[derive(Debug)]
struct CallCounter;

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Not `read_before_execution`: for client-level interceptors that runs
    // before the operation's config (and so its `Metadata`) is layered in.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            let call = ApiCall {
                service: meta.service().to_string(),
                operation: meta.name().to_string(),
                started: std::time::Instant::now(),
                ended: None,
            };
            tracing::debug!(service = %call.service, operation = %call.operation, "aws call");
            let mut calls = CALLS.lock().expect("call log lock");
            calls.push(call);
            cfg.interceptor_state()
                .store_put(CallIndex(calls.len() - 1));
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(CallIndex(i)) = cfg.load::<CallIndex>().copied()
            && let Some(call) = CALLS.lock().expect("call log lock").get_mut(i)
        {
            call.ended = Some(std::time::Instant::now());
        }
        Ok(())
    }
}
