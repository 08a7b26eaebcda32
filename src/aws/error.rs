//! Turning SDK errors into messages a person can act on.
//!
//! Every AWS call in gatewalk goes through [`CallExt::ctx`], which names the
//! service and operation. The result is an [`AwsError`] carrying what the user
//! needs: service, operation, error code, AWS's own message, request id and a hint.
//! The `(service, operation)` pairs named at call sites are also what the
//! least-privilege policy in `assets/iam-policy.json` is checked against.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use std::fmt;

/// A failed AWS call, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwsError {
    /// Short service name as gatewalk uses it (`ec2`, `ecs`, `elbv2`, `iam`, ...).
    pub service: &'static str,
    /// The API operation, spelled as in the AWS API reference (`CreateVpc`).
    pub operation: &'static str,
    /// AWS's error code (`InvalidParameterValue`), or a transport category
    /// (`ConnectionError`, `Timeout`, `NoCredentials`) when no response came back.
    pub code: String,
    /// AWS's own message, or the transport error's description.
    pub message: String,
    /// The request id to quote to AWS support, when there was a response.
    pub request_id: Option<String>,
    /// What the user can do about it.
    pub hint: String,
}

impl std::error::Error for AwsError {}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed: {}: {}",
            self.service, self.operation, self.code, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        write!(f, "\n  hint: {}", self.hint)
    }
}

impl AwsError {
    /// True when AWS says the thing asked about does not exist. Used by lookups
    /// that treat "not found" as an answer rather than a failure.
    pub fn is_not_found(&self) -> bool {
        let c = self.code.as_str();
        c.contains("NotFound")
            || c == "NoSuchEntity"
            || c == "NoSuchHostedZone"
            || c == "NoSuchChange"
            || c == "ClusterNotFoundException"
            || c == "ResourceNotFoundException"
    }

    /// True when AWS refuses because a new IAM role (or service-linked role) has
    /// not propagated yet: the same call works a little later.
    pub fn is_propagation(&self) -> bool {
        self.message
            .to_ascii_lowercase()
            .contains("unable to assume the service linked role")
    }

    /// True when AWS refuses because another resource still depends on this one
    /// (ENIs lingering after a NAT gateway or task is gone, for example).
    pub fn is_dependency(&self) -> bool {
        self.code == "DependencyViolation"
            || self.code == "ResourceInUse"
            || self.code == "ResourceInUseException"
            || self.code.ends_with(".InUse")
    }
}

/// The IAM action prefix for a gatewalk service name.
pub fn iam_prefix(service: &str) -> &str {
    match service {
        "elbv2" => "elasticloadbalancing",
        other => other,
    }
}

/// The IAM action that authorises an operation. API Gateway's control plane is
/// authorised by HTTP verb (`apigateway:POST` for every Create…), not by name.
pub fn iam_action(service: &str, operation: &str) -> String {
    if service == "apigateway" {
        let verb = if operation.starts_with("Get") {
            "GET"
        } else if operation.starts_with("Create") {
            "POST"
        } else if operation.starts_with("Delete") {
            "DELETE"
        } else if operation.starts_with("Put") || operation.starts_with("Tag") {
            "PUT"
        } else {
            "PATCH"
        };
        return format!("apigateway:{verb}");
    }
    format!("{}:{}", iam_prefix(service), operation)
}

/// AWS answers some timing problems with codes that usually mean a bad value
/// (`InvalidParameterException`). Their messages tell them apart, and the hint
/// must name the real cause: a delay inside AWS, not the user's input.
pub fn timing_hint(message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    if m.contains("unable to assume the service linked role") {
        return Some(
            "ECS's service-linked role (AWSServiceRoleForECS) is new and has not reached every part \
             of AWS yet (IAM changes take a little while to propagate). Nothing is wrong with your \
             inputs: wait a minute and run the same command again."
                .into(),
        );
    }
    if m.contains("creation of service was not idempotent") {
        return Some(
            "a service of this name is still being deleted (DRAINING until its tasks have stopped). \
             Wait until it is INACTIVE — a few minutes — and run the same command again."
                .into(),
        );
    }
    None
}

/// Hints for Route 53, ACM and TLS-listener refusals (the NLB's name and TLS).
fn service_hint(code: &str) -> Option<String> {
    Some(
        match code {
            "HostedZoneNotEmpty" => {
                "the hosted zone still holds records that are not gatewalk's \
             (someone added them to the zone gatewalk made). Delete them, or keep the zone; \
             `aws route53 list-resource-record-sets --hosted-zone-id ZONE` lists them."
            }
            "InvalidChangeBatch" => {
                "Route 53 refused the record change: the message says why (an \
             alias target that is not there, a record that already exists or differs). \
             `gatewalk validate` shows what the zone holds now."
            }
            "ConflictingDomainExists" => {
                "the VPC is already associated with another private hosted \
             zone for this domain; Route 53 allows one. Use that zone (--set \
             load-balancer.hosted_zone=ZONE) or disassociate it from the VPC."
            }
            "UnsupportedCertificate" => "ELB takes only an ISSUED certificate with a supported \
             key: wait until ACM has validated it (`gatewalk validate load-balancer`), or name another.",
            "CertificateNotFound" => "the certificate is not in this account and region; \
             `aws acm list-certificates` lists yours (set load-balancer.certificate_arn).",
            "SSLPolicyNotFound" => "the load balancer does not know that TLS policy in this \
             region; `aws elbv2 describe-ssl-policies` lists the ones it has.",
            "ResourceInUseException" => "a load balancer listener still uses the certificate \
             (`aws acm describe-certificate --query Certificate.InUseBy`); ELB lets go of it a \
             few seconds after the listener changes. Run the same command again shortly.",
            "LastVPCAssociation" => {
                "a private hosted zone must stay associated with at least one \
             VPC; gatewalk leaves this association for the zone's owner to remove."
            }
            _ => return None,
        }
        .into(),
    )
}

/// Hint text for an error code. Kept as a plain function so it can be tested
/// without building SDK errors.
pub fn hint_for(service: &str, operation: &str, code: &str) -> String {
    let action = iam_action(service, operation);
    if let Some(h) = service_hint(code) {
        return h;
    }
    match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedAccess"
        | "AuthFailure" => format!(
            "your AWS identity is not allowed to call {action}. Add it to your IAM policy \
             (assets/iam-policy.json lists every action gatewalk needs), then run the command again."
        ),
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            "your credentials have expired. Refresh them (for SSO: `aws sso login`) and run again."
                .into()
        }
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "InvalidAccessKeyId" => "AWS does not recognise these credentials. Check the profile \
             (--profile / AWS_PROFILE) or the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY pair."
            .into(),
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "SlowDown" => "AWS is rate-limiting this account; gatewalk \
             already retried with backoff. Wait a minute and run the same command again — \
             nothing already created is lost."
            .into(),
        "ClusterContainsServicesException" => "the cluster still has services (a DRAINING one \
             counts until it is INACTIVE, a few minutes after it was deleted). Wait, or delete \
             the services that are not gatewalk's, then run the same command again."
            .into(),
        "DependencyViolation" | "ResourceInUse" => "another resource still uses this one. \
             AWS releases network interfaces a few minutes after NAT gateways, load balancers \
             and tasks are deleted; run the command again shortly."
            .into(),
        "NoCredentials" => "no AWS credentials were found. Configure a profile (`aws configure` \
             or `aws sso login`) or try everything locally with `gatewalk --sandbox`."
            .into(),
        "UnrecognizedResponse" => "whatever answered is not speaking the AWS API. Check \
             --endpoint-url / AWS_ENDPOINT_URL (or the session's saved endpoint): it should be \
             AWS, the sandbox, or an emulator or proxy of AWS — not another web server."
            .into(),
        "ConnectionError" | "Timeout" => "the AWS endpoint could not be reached. Check your \
             network, --endpoint-url / AWS_ENDPOINT_URL, or that the sandbox is running \
             (`gatewalk sandbox status`)."
            .into(),
        c if c.contains("LimitExceeded")
            || c.contains("QuotaExceeded")
            || c == "TooManyTargetGroups"
            || c == "TooManyLoadBalancers"
            || c == "AddressLimitExceeded" =>
        {
            "an account quota is \
             reached. Delete unused resources of this kind, or request an increase in the \
             Service Quotas console."
                .into()
        }
        c if c.starts_with("InvalidParameter")
            || c == "ValidationError"
            || c == "ValidationException"
            || c == "BadRequestException"
            || c == "InvalidConfigurationRequest"
            || c == "ClientException" =>
        {
            format!(
                "AWS rejected a value gatewalk sent. Check this step's inputs with \
             `gatewalk inputs`; the message above names the value. ({action})"
            )
        }
        c if c.ends_with("NotFound") || c.ends_with("NotFoundException") || c == "NoSuchEntity" => {
            "the resource no longer exists — it may have been deleted outside gatewalk. \
             `gatewalk validate` shows which step it belongs to; `gatewalk apply` recreates it."
                .into()
        }
        c if c.contains("Duplicate")
            || c.contains("AlreadyExists")
            || c == "EntityAlreadyExists" =>
        {
            "a resource with this name already exists. If it is not from this session, \
             choose another name with `--set STEP.FIELD=...`."
                .into()
        }
        "InternalError" | "InternalFailure" | "ServiceUnavailable" | "ServerException"
        | "Unavailable" => "AWS had an internal error; gatewalk already retried. Run the same \
             command again in a minute."
            .into(),
        _ => format!(
            "see the AWS documentation for {action}; `gatewalk validate` shows what is live."
        ),
    }
}

/// Builds an [`AwsError`] from any SDK error.
pub fn from_sdk<E>(
    service: &'static str,
    operation: &'static str,
    err: &SdkError<E, HttpResponse>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message, request_id) = match err {
        SdkError::ServiceError(se)
            if se.err().meta().code().is_none() && se.err().meta().message().is_none() =>
        {
            (
                "UnrecognizedResponse".to_string(),
                format!(
                    "the endpoint answered HTTP {} with something that is not an AWS {service} response",
                    se.raw().status().as_u16()
                ),
                None,
            )
        }
        SdkError::ServiceError(se) => {
            let meta = se.err().meta();
            let code = meta.code().unwrap_or("Unknown").to_string();
            let message = meta
                .message()
                .unwrap_or("(AWS sent no message)")
                .to_string();
            let rid = err
                .request_id()
                .or_else(|| meta.request_id())
                .map(str::to_string);
            (code, message, rid)
        }
        SdkError::TimeoutError(_) => (
            "Timeout".to_string(),
            "the request timed out".to_string(),
            None,
        ),
        SdkError::DispatchFailure(df) => {
            let text = describe_chain(&err);
            // The SDK resolves credentials lazily, so "no credentials" arrives
            // as a dispatch failure; tell it apart from an unreachable endpoint.
            if text.contains("credentials") {
                (
                    "NoCredentials".to_string(),
                    format!("no usable AWS credentials ({text})"),
                    None,
                )
            } else if df
                .as_connector_error()
                .is_some_and(aws_sdk_ec2::error::ConnectorError::is_timeout)
            {
                ("Timeout".to_string(), text, None)
            } else {
                ("ConnectionError".to_string(), text, None)
            }
        }
        SdkError::ConstructionFailure(_) => {
            let text = describe_chain(&err);
            let code = if text.contains("credentials") {
                "NoCredentials"
            } else {
                "RequestNotBuilt"
            };
            (code.to_string(), text, None)
        }
        _ => (
            "UnrecognizedResponse".to_string(),
            describe_chain(&err),
            None,
        ),
    };
    let hint = timing_hint(&message).unwrap_or_else(|| hint_for(service, operation, &code));
    AwsError {
        service,
        operation,
        code,
        message,
        request_id,
        hint,
    }
}

/// Joins an error and its sources into one line, without debug formatting.
fn describe_chain(err: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cur {
        // Some SDK errors print the whole request in debug form: drop that part.
        let s = e.to_string();
        let s = match s.find(" Request {").or_else(|| s.find("SdkBody")) {
            Some(i) => s[..i].trim_end().to_string(),
            None => s,
        };
        if !s.is_empty() && !parts.iter().any(|p| p == &s) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// Attaches service and operation names to an SDK result.
pub trait CallExt<T> {
    /// Converts the SDK error into an [`AwsError`] naming `service` and `operation`.
    fn ctx(self, service: &'static str, operation: &'static str) -> Result<T, crate::Error>;
}

impl<T, E> CallExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn ctx(self, service: &'static str, operation: &'static str) -> Result<T, crate::Error> {
        self.map_err(|e| from_sdk(service, operation, &e).into())
    }
}

/// Turns a "not found" error into `Ok(None)`, keeping every other error.
pub fn optional<T>(r: Result<T, crate::Error>) -> Result<Option<T>, crate::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.as_aws().is_some_and(AwsError::is_not_found) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A field AWS's answer must carry (an id, an ARN), as an owned string.
///
/// AWS always fills these in; an answer without one is not AWS's (or is broken),
/// and recording `""` as an id would make a later delete or describe aim at
/// nothing. So a missing field is an error naming the call and the field.
pub trait Required {
    /// The value, or an `IncompleteResponse` error for `service` `operation`
    /// that names the missing `field` as AWS spells it (`VpcId`).
    fn required(
        self,
        service: &'static str,
        operation: &'static str,
        field: &'static str,
    ) -> Result<String, crate::Error>;
}

impl Required for Option<&str> {
    fn required(
        self,
        service: &'static str,
        operation: &'static str,
        field: &'static str,
    ) -> Result<String, crate::Error> {
        match self {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(incomplete(service, operation, field)),
        }
    }
}

/// An error AWS reported inside a successful answer (EC2's `Unsuccessful`
/// lists), with the usual hint for its code.
pub fn reported(
    service: &'static str,
    operation: &'static str,
    code: &str,
    message: &str,
) -> crate::Error {
    crate::Error::Aws(Box::new(AwsError {
        service,
        operation,
        code: code.to_string(),
        message: message.to_string(),
        request_id: None,
        hint: timing_hint(message).unwrap_or_else(|| hint_for(service, operation, code)),
    }))
}

/// The error for an answer of `service` `operation` that left out `field`,
/// which AWS always sends.
pub fn incomplete(
    service: &'static str,
    operation: &'static str,
    field: &'static str,
) -> crate::Error {
    crate::Error::Aws(Box::new(AwsError {
        service,
        operation,
        code: "IncompleteResponse".into(),
        message: format!("the answer carried no {field}"),
        request_id: None,
        hint: "AWS always sends this field, so whatever answered is not behaving \
               like AWS: check --endpoint-url (or the sandbox), then try again"
            .into(),
    }))
}

/// The part of an answer AWS always sends (the created VPC, the new
/// target group), or the same error as [`Required`] when it is missing.
pub fn returned<T: Clone>(
    v: Option<&T>,
    service: &'static str,
    operation: &'static str,
    field: &'static str,
) -> Result<T, crate::Error> {
    v.cloned()
        .ok_or_else(|| incomplete(service, operation, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_action() {
        let h = hint_for("elbv2", "CreateLoadBalancer", "AccessDenied");
        assert!(h.contains("elasticloadbalancing:CreateLoadBalancer"), "{h}");
    }

    #[test]
    fn common_codes_get_specific_hints() {
        assert!(hint_for("ec2", "CreateVpc", "VpcLimitExceeded").contains("quota"));
        assert!(
            hint_for("apigateway", "CreateVpcLink", "TooManyRequestsException")
                .contains("rate-limiting")
        );
        assert!(
            hint_for("ec2", "CreateSubnet", "InvalidParameterValue").contains("gatewalk inputs")
        );
        assert!(hint_for("ec2", "DeleteSubnet", "DependencyViolation").contains("again"));
        assert!(hint_for("sts", "GetCallerIdentity", "ExpiredToken").contains("expired"));
        let slr = timing_hint(
            "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
        )
        .unwrap();
        assert!(slr.contains("propagate") && !slr.contains("gatewalk inputs"));
        assert!(timing_hint("The container web does not exist in the task definition.").is_none());
    }

    #[test]
    fn a_missing_id_is_an_error_naming_call_and_field() {
        assert_eq!(
            Some("vpc-1").required("ec2", "CreateVpc", "VpcId").unwrap(),
            "vpc-1"
        );
        for missing in [None, Some("")] {
            let e = missing.required("ec2", "CreateVpc", "VpcId").unwrap_err();
            let s = e.to_string();
            assert!(s.contains("CreateVpc") && s.contains("VpcId"), "{s}");
        }
    }

    #[test]
    fn display_has_all_parts() {
        let e = AwsError {
            service: "ec2",
            operation: "CreateVpc",
            code: "VpcLimitExceeded".into(),
            message: "The maximum number of VPCs has been reached.".into(),
            request_id: Some("abc-123".into()),
            hint: hint_for("ec2", "CreateVpc", "VpcLimitExceeded"),
        };
        let s = e.to_string();
        for part in [
            "ec2",
            "CreateVpc",
            "VpcLimitExceeded",
            "maximum number",
            "abc-123",
            "hint:",
        ] {
            assert!(s.contains(part), "{part} missing from {s}");
        }
    }
}
