//! VPC endpoints as a [`Kind`]: the interface endpoints (`ecr.api`,
//! `ecr.dkr`, `logs`) and the S3 gateway endpoint that replace the NAT
//! gateway when step 5's egress is `endpoints`.

use crate::aws::kind::{Kind, Lookup};
use crate::aws::tags::ResourceTags;
use crate::aws::wait::{Poll, wait_for};
use crate::aws::{AwsContext, CallExt};
use crate::error::Result;
use crate::progress::Progress;
use aws_sdk_ec2::types::VpcEndpoint;
use std::time::Duration;

/// VPC endpoints.
#[derive(Debug, Clone, Copy)]
pub struct VpcEndpoints;

/// Its state in lowercase, as EC2 sends it (`available`, `pending`,
/// `deleted`, …). The SDK's `State` enum spells its values capitalised,
/// so EC2's actual answers arrive as unknown variants: compared as text.
pub fn endpoint_state(e: &VpcEndpoint) -> String {
    e.state()
        .map_or_else(|| "unknown".into(), |s| s.as_str().to_ascii_lowercase())
}

/// Whether AWS still has it (anything but deleted: a failed endpoint
/// still exists, and teardown must delete it).
fn live(e: &VpcEndpoint) -> bool {
    endpoint_state(e) != "deleted"
}

/// A VPC endpoint by id, whatever its state.
pub async fn describe_endpoint(aws: &AwsContext, id: &str) -> Result<Option<VpcEndpoint>> {
    let r = aws
        .ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await
        .ctx("ec2", "DescribeVpcEndpoints");
    Ok(crate::aws::error::optional(r)?.and_then(|o| o.vpc_endpoints().first().cloned()))
}

/// VPC endpoints carrying these tags, not deleted.
pub async fn vpc_endpoints(aws: &AwsContext, t: &ResourceTags<'_>) -> Result<Vec<VpcEndpoint>> {
    let out = aws
        .ec2
        .describe_vpc_endpoints()
        .set_filters(Some(t.ec2_filters()))
        .send()
        .await
        .ctx("ec2", "DescribeVpcEndpoints")?;
    Ok(out
        .vpc_endpoints()
        .iter()
        .filter(|e| t.ec2_matches(e.tags()) && live(e))
        .cloned()
        .collect())
}

/// `com.amazonaws.<region>.<service>`: the service name an endpoint names.
pub fn service_name(region: &str, service: &str) -> String {
    format!("com.amazonaws.{region}.{service}")
}

impl Kind for VpcEndpoints {
    type Item = VpcEndpoint;
    const SERVICE: &'static str = "ec2";
    const LIST_OP: &'static str = "DescribeVpcEndpoints";
    const ID_FIELD: &'static str = "VpcEndpointId";
    fn id(item: &VpcEndpoint) -> Option<&str> {
        item.vpc_endpoint_id()
    }
    async fn get(aws: &AwsContext, id: &str) -> Result<Option<VpcEndpoint>> {
        Ok(describe_endpoint(aws, id).await?.filter(live))
    }
    async fn find(aws: &AwsContext, l: &Lookup<'_>) -> Result<Vec<VpcEndpoint>> {
        vpc_endpoints(aws, &l.tags).await
    }
    /// A failed, rejected or expired endpoint is replaced (and deleted with
    /// the rest at teardown); one being deleted is not used either.
    fn usable(item: &VpcEndpoint) -> bool {
        matches!(
            endpoint_state(item).as_str(),
            "available" | "pending" | "pendingacceptance" | "unknown"
        )
    }
    /// Deletes it and waits until AWS reports it gone: an interface
    /// endpoint's network interfaces hold the subnet and its security group
    /// until then.
    async fn delete(aws: &AwsContext, p: &Progress, item: &VpcEndpoint, noun: &str) -> Result<()> {
        let id = &Self::required_id(item, Self::LIST_OP)?;
        let r = aws
            .ec2
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await
            .ctx("ec2", "DeleteVpcEndpoints");
        // EC2 reports an endpoint it would not delete in the answer, not
        // as an error.
        if let Some(failed) = crate::aws::error::optional(r)?
            .and_then(|o| o.unsuccessful().first().and_then(|u| u.error().cloned()))
            .filter(|e| !e.code().unwrap_or_default().contains("NotFound"))
        {
            return Err(crate::aws::error::reported(
                "ec2",
                "DeleteVpcEndpoints",
                failed.code().unwrap_or("Unsuccessful"),
                failed
                    .message()
                    .unwrap_or("EC2 did not delete the endpoint"),
            ));
        }
        wait_for(
            p,
            &format!("the {noun} to be deleted"),
            Duration::from_secs(10 * 60),
            || async move {
                Ok(match describe_endpoint(aws, id).await? {
                    None => Poll::Ready(()),
                    Some(e) => match endpoint_state(&e).as_str() {
                        "deleted" => Poll::Ready(()),
                        other => Poll::Pending(other.to_string()),
                    },
                })
            },
        )
        .await
    }
}
