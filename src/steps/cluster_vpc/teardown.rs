//! Teardown of step 2: route table, subnets, internet gateway, VPC, cluster —
//! the order AWS accepts, waiting out lingering network interfaces.

use super::describe_cluster;
use super::keys::*;
use crate::aws::CallExt;
use crate::aws::Required;
use crate::aws::find;
use crate::aws::tags::Owner;
use crate::aws::wait::delete_when_free;
use crate::error::Result;
use crate::session::SessionHandle;
use crate::steps::net::{delete_route_table, delete_subnet};
use crate::steps::{StepCx, StepId};

#[expect(
    clippy::too_many_lines,
    reason = "a hand-written resource life cycle or check list; split by the resource kit (issue 12)"
)]
pub(super) async fn run(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let aws = cx.aws;
    let p = cx.progress;
    let session = Owner::of(h.session());
    let sid = StepId::ClusterVpc;
    let t = session.tags("public-route-table");
    for rt in find::route_tables(aws, &t).await? {
        delete_route_table(aws, p, &rt, "public route table").await?;
    }
    h.forget(sid, ROUTE_TABLE)?;
    for (role, key) in [("public-subnet-a", SUBNET_A), ("public-subnet-b", SUBNET_B)] {
        for sn in find::subnets(aws, &session.tags(role)).await? {
            delete_subnet(
                aws,
                p,
                &sn.subnet_id()
                    .required("ec2", "DescribeSubnets", "SubnetId")?,
                "public subnet",
            )
            .await?;
        }
        h.forget(sid, key)?;
    }
    for g in find::internet_gateways(aws, &session.tags("internet-gateway")).await? {
        let id = g.internet_gateway_id().required(
            "ec2",
            "DescribeInternetGateways",
            "InternetGatewayId",
        )?;
        let id = id.as_str();
        for a in g.attachments() {
            if let Some(vpc) = a.vpc_id() {
                delete_when_free(
                    p,
                    &format!("internet gateway {id} to detach"),
                    || async move {
                        aws.ec2
                            .detach_internet_gateway()
                            .internet_gateway_id(id)
                            .vpc_id(vpc)
                            .send()
                            .await
                            .ctx("ec2", "DetachInternetGateway")
                            .map(|_| ())
                    },
                )
                .await?;
            }
        }
        let r = aws
            .ec2
            .delete_internet_gateway()
            .internet_gateway_id(id)
            .send()
            .await
            .ctx("ec2", "DeleteInternetGateway");
        crate::aws::error::optional(r)?;
        p.deleted("internet gateway", id);
    }
    h.forget(sid, IGW)?;
    for v in find::vpcs(aws, &session.tags("vpc")).await? {
        let id = v.vpc_id().required("ec2", "DescribeVpcs", "VpcId")?;
        let id = id.as_str();
        delete_when_free(p, &format!("VPC {id} to be empty"), || async move {
            aws.ec2
                .delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .ctx("ec2", "DeleteVpc")
                .map(|_| ())
        })
        .await?;
        p.deleted("VPC", id);
    }
    h.forget(sid, VPC)?;
    let i = &cx.inputs.cluster_vpc;
    if let Some(c) = describe_cluster(aws, &i.cluster_name).await? {
        let ours = session.owns(c.tags().iter().map(|t| (t.key(), t.value())));
        if ours {
            aws.ecs
                .delete_cluster()
                .cluster(&i.cluster_name)
                .send()
                .await
                .ctx("ecs", "DeleteCluster")?;
            p.deleted(
                "ECS cluster",
                &c.cluster_arn()
                    .required("ecs", "DescribeClusters", "clusterArn")?,
            );
        } else {
            p.info(format!(
                "keeping cluster {}: gatewalk did not create it",
                i.cluster_name
            ));
        }
    }
    for k in [CLUSTER, CLUSTER_CREATED, AZ_A, AZ_B] {
        h.forget(sid, k)?;
    }
    Ok(())
}
