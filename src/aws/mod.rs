//! AWS access: one context holding every SDK client, the caller's identity,
//! tagging helpers, error translation, the call log and waiters.

pub mod acm;
pub mod apigateway;
pub mod calls;
pub mod credentials;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elb;
pub mod error;
pub mod find;
pub mod iam;
pub mod kind;
pub mod logs;
pub mod route53;
pub mod tags;
pub mod traffic;
pub mod wait;

use crate::error::{Error, Result};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_types::region::Region;
use calls::{CallLog, CallRecorder};
pub use error::{AwsError, CallExt, Required};
use tokio::sync::OnceCell;

/// How to reach AWS. Every field left `None` falls back to aws-config's default
/// chain, exactly as the AWS CLI resolves it (env, profile files, SSO, IMDS).
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Named profile (`--profile`); `AWS_PROFILE` is honoured by aws-config itself.
    pub profile: Option<String>,
    /// Region (`--region`); otherwise `AWS_REGION` or the profile's region.
    pub region: Option<String>,
    /// Endpoint for every service (`--endpoint-url`); `AWS_ENDPOINT_URL` is
    /// honoured by aws-config itself.
    pub endpoint_url: Option<String>,
    /// Fixed throwaway credentials, used for the local sandbox only.
    pub static_credentials: Option<(String, String)>,
    /// Holds every call back this long before it is sent. Only the test that
    /// proves the TUI stays responsive while AWS is slow sets it.
    pub call_delay: Option<std::time::Duration>,
    /// Named in every call's user agent (`app/NAME`): the classroom board
    /// reads students' accounts as itself, so its reads are not taken for
    /// the student's own activity.
    pub app_name: Option<&'static str>,
}

/// Who the credentials belong to, read once from STS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    /// 12-digit account id.
    pub account: String,
    /// The caller's ARN (user or assumed role).
    pub arn: String,
    /// ARN partition (`aws`, `aws-cn`, `aws-us-gov`), used to build managed policy ARNs.
    pub partition: String,
}

/// Every client gatewalk uses, configured once.
#[derive(Debug, Clone)]
pub struct AwsContext {
    /// EC2: VPC, subnets, gateways, route tables, security groups, addresses.
    pub ec2: aws_sdk_ec2::Client,
    /// ECS: clusters, task definitions, services.
    pub ecs: aws_sdk_ecs::Client,
    /// Elastic Load Balancing v2: the NLB, target groups, listeners.
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    /// API Gateway (REST APIs and v1 VPC links).
    pub apigw: aws_sdk_apigateway::Client,
    /// IAM: the task execution role.
    pub iam: aws_sdk_iam::Client,
    /// STS: caller identity.
    pub sts: aws_sdk_sts::Client,
    /// CloudWatch Logs: the container log group and its lines.
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// ECR: the pull-through cache rule and its repository (egress through endpoints).
    pub ecr: aws_sdk_ecr::Client,
    /// ACM: the certificate of the NLB's TLS listener.
    pub acm: aws_sdk_acm::Client,
    /// Route 53: the NLB's name (a private hosted zone, an alias record).
    pub route53: aws_sdk_route53::Client,
    /// The region every client talks to.
    pub region: String,
    /// The endpoint override, when pointed at an emulator or a proxy.
    pub endpoint_url: Option<String>,
    /// The profile name, when one was chosen explicitly or via `AWS_PROFILE`.
    pub profile: Option<String>,
    /// Every call made through these clients.
    pub calls: CallLog,
    identity: std::sync::Arc<OnceCell<Identity>>,
    /// Whether the endpoint models the data plane (`traffic`), asked once.
    data_plane: std::sync::Arc<OnceCell<bool>>,
}

/// Checks a region name's shape before any call is made with it.
pub fn validate_region(region: &str) -> std::result::Result<(), String> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not an AWS region name (expected something like us-east-1 or eu-west-2)",
            crate::text::shown(region)
        ))
    }
}

/// Checks an endpoint URL before the SDK sees it (the SDK's own refusal is a
/// debug dump, and a bad port is retried for seconds): http or https, a host,
/// a port in range, no user:password (gatewalk signs requests with AWS
/// credentials and would otherwise save the password in the session file), no
/// query or fragment. `source` names where it came from.
pub fn validate_endpoint(e: &str, source: &str) -> std::result::Result<(), String> {
    let shown = crate::text::shown(e);
    let example = "such as http://127.0.0.1:5000 or https://ec2.us-east-1.amazonaws.com";
    crate::text::printable(e).map_err(|m| format!("{source}: {m}"))?;
    let u = url::Url::parse(e)
        .map_err(|why| format!("{source} `{shown}` is not a URL ({why}); use one {example}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "{source} `{shown}` must start with http:// or https://, {example}"
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("{source} `{shown}` has no host; use one {example}"));
    }
    if u.port() == Some(0) {
        return Err(format!("{source} `{shown}`: port 0 cannot be connected to"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!(
            "{source} must not carry a user name or password (`user:password@`): AWS requests are \
             signed with your AWS credentials, and gatewalk would otherwise store the password"
        ));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(format!(
            "{source} `{shown}` must not have a query (?…) or fragment (#…)"
        ));
    }
    Ok(())
}

/// Checks the AWS environment variables gatewalk's SDK reads for endpoints
/// and region, so a bad one is refused by name before any call. Endpoint
/// variables are skipped when an explicit endpoint (or the sandbox) wins.
pub fn check_environment(endpoint_given: bool) -> std::result::Result<(), String> {
    for (k, v) in std::env::vars_os() {
        let Some(k) = k.to_str() else { continue };
        let v = v.to_string_lossy();
        if !endpoint_given && (k == "AWS_ENDPOINT_URL" || k.starts_with("AWS_ENDPOINT_URL_")) {
            validate_endpoint(&v, &format!("the environment variable {k}"))?;
        }
        if (k == "AWS_REGION" || k == "AWS_DEFAULT_REGION") && !v.is_empty() {
            validate_region(&v).map_err(|m| format!("the environment variable {k}: {m}"))?;
        }
    }
    Ok(())
}

impl AwsContext {
    /// Resolves configuration and builds the clients. Makes no API call.
    #[expect(
        clippy::too_many_lines,
        reason = "credential, region and endpoint resolution in order; to be split with the per-service AWS files (issue 12)"
    )]
    pub async fn load(opts: &AwsOptions) -> Result<Self> {
        if let Some(r) = &opts.region {
            validate_region(r).map_err(Error::Config)?;
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            // Standard retry mode with backoff; API Gateway's control plane in
            // particular throttles hard, so allow more than the default 3
            // attempts, but cap each pause so a wrong endpoint fails in seconds.
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(6)
                    .with_max_backoff(std::time::Duration::from_secs(5)),
            );
        // An endpoint that accepts connections but never answers must not hang
        // the user: every attempt and every whole call is bounded.
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(5))
                .operation_attempt_timeout(std::time::Duration::from_secs(30))
                .operation_timeout(std::time::Duration::from_secs(90))
                .build(),
        );
        let profile = credentials::chosen_profile(opts.profile.as_deref());
        if opts.static_credentials.is_none()
            && let Some((p, source)) = &profile
        {
            credentials::check_profile_exists(p, source)
                .await
                .map_err(Error::Config)?;
            loader = loader.profile_name(p);
            if opts.profile.is_some() {
                // The flag beats keys in the environment, as with the AWS CLI.
                loader = loader.credentials_provider(
                    aws_config::profile::ProfileFileCredentialsProvider::builder()
                        .profile_name(p)
                        .build(),
                );
            }
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        if let Some(name) = opts.app_name
            && let Ok(app) = aws_config::AppName::new(name)
        {
            loader = loader.app_name(app);
        }
        if let Some((key, secret)) = &opts.static_credentials {
            loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
                key,
                secret,
                None,
                None,
                "gatewalk-sandbox",
            ));
        }
        let sdk = loader.load().await;
        let sdk = match sdk.credentials_provider() {
            Some(inner) => sdk
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(
                        credentials::Registering(inner),
                    ),
                )
                .build(),
            None => sdk,
        };
        let region = sdk
            .region()
            .map(std::string::ToString::to_string)
            .ok_or_else(|| {
                Error::Config(
                "no AWS region is set: pass --region, set AWS_REGION, or give your profile a region"
                    .into(),
            )
            })?;
        validate_region(&region).map_err(Error::Config)?;
        let endpoint_url = sdk.endpoint_url().map(str::to_string);
        // An endpoint may also come from the profile's `endpoint_url`: the
        // same rules, so no password is ever saved with a session.
        if opts.endpoint_url.is_none()
            && let Some(e) = &endpoint_url
        {
            validate_endpoint(e, "the endpoint_url of your AWS profile or environment")
                .map_err(Error::Config)?;
        }
        let calls = CallLog::default();
        let recorder = CallRecorder::new(calls.clone());

        macro_rules! client {
            ($krate:ident) => {{
                let mut conf = $krate::config::Builder::from(&sdk).interceptor(recorder.clone());
                if let Some(d) = opts.call_delay {
                    conf = conf.interceptor(calls::Delay(d));
                }
                let conf = conf.build();
                $krate::Client::from_conf(conf)
            }};
        }

        Ok(Self {
            ec2: client!(aws_sdk_ec2),
            ecs: client!(aws_sdk_ecs),
            elb: client!(aws_sdk_elasticloadbalancingv2),
            apigw: client!(aws_sdk_apigateway),
            iam: client!(aws_sdk_iam),
            sts: client!(aws_sdk_sts),
            logs: client!(aws_sdk_cloudwatchlogs),
            ecr: client!(aws_sdk_ecr),
            route53: client!(aws_sdk_route53),
            acm: client!(aws_sdk_acm),
            region,
            endpoint_url,
            profile: match opts.static_credentials {
                Some(_) => None,
                None => profile.map(|(p, _)| p),
            },
            calls,
            identity: std::sync::Arc::new(OnceCell::new()),
            data_plane: std::sync::Arc::new(OnceCell::new()),
        })
    }

    /// The caller's account and ARN, fetched from STS on first use.
    pub async fn identity(&self) -> Result<&Identity> {
        self.identity
            .get_or_try_init(|| async {
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .ctx("sts", "GetCallerIdentity")?;
                let arn = out.arn().required("sts", "GetCallerIdentity", "Arn")?;
                let partition = arn.split(':').nth(1).unwrap_or("aws").to_string();
                Ok::<_, Error>(Identity {
                    account: out
                        .account()
                        .required("sts", "GetCallerIdentity", "Account")?,
                    arn,
                    partition: if partition.is_empty() {
                        "aws".into()
                    } else {
                        partition
                    },
                })
            })
            .await
    }

    /// True when every client talks to an endpoint override (emulator or proxy)
    /// rather than AWS itself; console links mean nothing there.
    pub fn is_emulated(&self) -> bool {
        self.endpoint_url.is_some()
    }

    /// A link to the AWS console page for a resource, or `None` against an emulator.
    pub fn console_url(&self, fragment: &str) -> Option<String> {
        if self.is_emulated() {
            return None;
        }
        Some(format!(
            "https://{r}.console.aws.amazon.com/{fragment}",
            r = self.region,
            fragment = fragment.replace("{region}", &self.region)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::validate_region;

    #[test]
    fn region_shapes() {
        for ok in ["us-east-1", "eu-west-2", "ap-southeast-3", "us-gov-west-1"] {
            assert!(validate_region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "useast1", "US-EAST-1", "us-east-1a", "us--1"] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }
}
