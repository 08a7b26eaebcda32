//! Step 6, `service`: the task security group (container port from the VPC
//! only), the service's target group (type ip), the NLB listener forwarding to
//! it — created before the service, as AWS requires — and the ECS service on
//! Fargate in the private subnet with no public IP and a circuit breaker.

pub(crate) mod checks;
mod create;
mod ensure;
pub(crate) mod listeners;
mod running;
mod teardown;

use crate::model::OutputKey;
pub(crate) use running::last_stopped_reasons;
use running::wait_steady;

pub use crate::inputs::service::{MAX_DESIRED, ServiceInputs};

use super::cluster_vpc::keys as vpc_keys;
use super::inputs::Inputs;
use super::load_balancer::keys as lb_keys;
use super::private_subnet::PRIVATE_SUBNET_KEY;
use super::{Change, ChangeAction, Check, Resource, Step, StepCx, StepId};
use crate::aws::CallExt;
use crate::aws::tags::{Owner, SESSION_KEY};
use crate::error::{Error, Result};
use crate::inputs::nat_gateway::Egress;
use crate::session::{Session, SessionHandle};
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, Listener};

/// Step 6.
#[derive(Debug, Clone, Copy)]
pub struct Service;

/// Output keys.
pub mod keys {
    use crate::model::OutputKey;

    /// Task security group id.
    pub const SG: OutputKey = OutputKey::SecurityGroup;
    /// Service target group ARN.
    pub const TG: OutputKey = OutputKey::ServiceTargetGroup;
    /// Listener ARN.
    pub const LISTENER: OutputKey = OutputKey::Listener;
    /// The plain TCP listener kept beside the TLS one when asked.
    pub const PLAIN_LISTENER: OutputKey = OutputKey::PlainListener;
    pub use crate::model::keys::SERVICE;
}
use crate::aws::error::returned;
use crate::aws::kind::At;
use crate::steps::resource::Origin;
use keys::*;

/// What step 6 owns besides the service, each declared once for apply, plan
/// and teardown.
pub mod owned {
    use super::keys;
    use crate::aws::ec2::SecurityGroups;
    use crate::aws::ecs::Services;
    use crate::aws::elb::{Listeners, TargetGroups};

    use crate::steps::resource::{Foreign, Owned};

    /// The tasks' security group.
    pub const SG: Owned<SecurityGroups> = Owned::new(
        keys::SG,
        "task-security-group",
        "security group",
        "CreateSecurityGroup",
    );
    /// The service's target group.
    pub const TG: Owned<TargetGroups> = Owned::new(
        keys::TG,
        "service-target-group",
        "target group",
        "CreateTargetGroup",
    )
    .foreign(Foreign::Refuse("service.target_group_name"));
    /// The ECS service.
    pub const SERVICE: Owned<Services> =
        Owned::new(keys::SERVICE, "service", "ECS service", "CreateService")
            .foreign(Foreign::Refuse("service.service_name"));
    /// The NLB's listener API Gateway calls (the container port, or 443
    /// with TLS).
    pub const LISTENER: Owned<Listeners> =
        Owned::new(keys::LISTENER, "listener", "listener", "CreateListener")
            .foreign(Foreign::Refuse("task-definition.container_port"));
    /// With TLS, the plain listener on the container port, kept when asked.
    pub const PLAIN_LISTENER: Owned<Listeners> = Owned::new(
        keys::PLAIN_LISTENER,
        "plain-listener",
        "plain listener",
        "CreateListener",
    )
    .foreign(Foreign::Refuse("task-definition.container_port"));
}

use crate::aws::elb::DEREGISTRATION_DELAY as DEREG_KEY;

pub(crate) use crate::aws::ecs::describe_service;

pub(crate) use crate::aws::elb::listener_on;

/// The target group a listener forwards to.
pub(crate) fn forwards_to(l: &Listener) -> Option<&str> {
    l.default_actions()
        .iter()
        .find(|a| a.r#type() == Some(&ActionTypeEnum::Forward))
        .and_then(|a| a.target_group_arn())
}

fn forward(tg: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build()
}

fn cluster_of(s: &Session) -> Result<String> {
    s.output(vpc_keys::CLUSTER)
        .map(str::to_string)
        .ok_or(Error::NotReady {
            step: StepId::Service,
            needs: StepId::ClusterVpc,
        })
}

impl Service {
    /// ECS needs its service-linked role before `CreateService` can work.
    async fn ensure_service_linked_role(&self, cx: StepCx<'_>) -> Result<()> {
        let r = cx
            .aws
            .iam
            .get_role()
            .role_name("AWSServiceRoleForECS")
            .send()
            .await
            .ctx("iam", "GetRole");
        if crate::aws::error::optional(r)?.is_none() {
            let r = cx
                .aws
                .iam
                .create_service_linked_role()
                .aws_service_name("ecs.amazonaws.com")
                .send()
                .await
                .ctx("iam", "CreateServiceLinkedRole");
            match r {
                Ok(_) => cx
                    .progress
                    .info("created ECS's service-linked role (AWSServiceRoleForECS)"),
                // Another session (or ECS itself) made it since GetRole looked:
                // AWS says "has been taken", the emulator EntityAlreadyExists
                // (it names the role AWSServiceRoleForecs, which GetRole misses).
                Err(Error::Aws(e))
                    if e.code == "EntityAlreadyExists"
                        || (e.code == "InvalidInput" && e.message.contains("has been taken")) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl Step for Service {
    const ID: StepId = StepId::Service;
    type Inputs = crate::inputs::ServiceInputs;

    fn plan(&self, inputs: &Inputs, s: &Session) -> Vec<Change> {
        let i = &inputs.service;
        let td = &inputs.task_definition;
        let port = td.container_port;
        let cidr = &inputs.cluster_vpc.vpc_cidr;
        let out = |k| s.output(k);
        let tag = format!("Key={SESSION_KEY},Value={}", s.name);
        let mut v = vec![
            owned::SG.change(
                s,
                format!(
                    "security group {}-tasks: TCP {port} from {cidr} only",
                    s.name
                ),
                format!(
                    "aws ec2 create-security-group --group-name {}-tasks --description 'gatewalk tasks' --vpc-id $VPC_ID --tag-specifications 'ResourceType=security-group,Tags=[{{{tag}}}]' && aws ec2 authorize-security-group-ingress --group-id $SG_ID --protocol tcp --port {port} --cidr {cidr}",
                    s.name
                ),
            ),
            owned::TG.change(
                s,
                format!(
                    "target group {} (TCP {port}, type ip, health check every {} s, deregistration delay {} s)",
                    i.target_group_name,
                    i.health_check_interval_seconds,
                    i.deregistration_delay_seconds
                ),
                format!(
                    "aws elbv2 create-target-group --name {} --protocol TCP --port {port} --target-type ip --vpc-id $VPC_ID --health-check-interval-seconds {} --tags {tag} && aws elbv2 modify-target-group-attributes --target-group-arn $TG_ARN --attributes Key={DEREG_KEY},Value={}",
                    i.target_group_name,
                    i.health_check_interval_seconds,
                    i.deregistration_delay_seconds
                ),
            ),
            Change::create_or_keep(
                out(SERVICE),
                super::then_if_new(
                    out(SERVICE),
                    format!(
                        "ECS service {} on Fargate: {} task(s) in the private subnet, no public IP, circuit breaker with rollback",
                        i.service_name, i.desired_count
                    ),
                    "then wait for steady state",
                ),
                format!(
                    "aws ecs create-service --cluster {} --service-name {} --task-definition {} --desired-count {} --launch-type FARGATE --network-configuration \"awsvpcConfiguration={{subnets=[$PRIVATE_SUBNET_ID],securityGroups=[$SG_ID],assignPublicIp=DISABLED}}\" --load-balancers targetGroupArn=$TG_ARN,containerName={},containerPort={port} --deployment-configuration 'deploymentCircuitBreaker={{enable=true,rollback=true}}' && aws ecs wait services-stable --cluster {} --services {}",
                    inputs.cluster_vpc.cluster_name,
                    i.service_name,
                    td.family,
                    i.desired_count,
                    td.container_name,
                    inputs.cluster_vpc.cluster_name,
                    i.service_name
                ),
            ),
        ];
        // The listeners go before the service: AWS requires it.
        for (k, l) in listeners::plan(inputs, s).into_iter().enumerate() {
            v.insert(2 + k, l);
        }
        if let Some(l) = out(LISTENER).filter(|_| s.is_yours(LISTENER)) {
            v.push(Change {
                action: ChangeAction::ChangeYours,
                resource: format!(
                    "listener {l} to forward to the service's target group (the walkthrough's step 7), \
                     unless it already does; teardown points it back"
                ),
                cli: format!(
                    "aws elbv2 modify-listener --listener-arn {l} --default-actions Type=forward,TargetGroupArn=$TG_ARN"
                ),
            });
        }
        if inputs.nat_gateway.egress == Egress::Endpoints
            && crate::inputs::nat_gateway::cache_repository(inputs).is_some()
        {
            v.push(Change {
                action: ChangeAction::Delete,
                resource: "once the tasks run (the cache holds the image): the private route table's \
                           default route, the NAT gateway kept for the first pull and its Elastic IP"
                    .into(),
                cli: "aws ec2 delete-route --route-table-id $PRIVATE_RTB_ID --destination-cidr-block 0.0.0.0/0 && aws ec2 delete-nat-gateway --nat-gateway-id $NAT_ID && aws ec2 wait nat-gateway-deleted --nat-gateway-ids $NAT_ID && aws ec2 release-address --allocation-id $EIP_ALLOCATION_ID".into(),
            });
        }
        v
    }

    async fn apply(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        let s = h.session();
        let need = |key: OutputKey| {
            s.output(key).map(str::to_string).ok_or(Error::NotReady {
                step: StepId::Service,
                needs: key.step(),
            })
        };
        let vpc = need(vpc_keys::VPC)?;
        let private = need(PRIVATE_SUBNET_KEY)?;
        let nlb = need(lb_keys::NLB)?;
        let task_def = need(OutputKey::TaskDefinition)?;
        // A way out: the NAT gateway, or the ECR endpoints.
        match cx.inputs.nat_gateway.egress {
            Egress::Nat => need(OutputKey::NatGateway)?,
            Egress::Endpoints => need(OutputKey::EndpointEcrDkr)?,
        };
        let cluster = cluster_of(s)?;
        let session = Owner::of(s);

        let sg = ensure::security_group(cx, h, &vpc).await?;
        let tg = ensure::target_group(cx, h, &vpc).await?;
        listeners::ensure(cx, h, &nlb, &tg).await?;

        let aws = cx.aws;
        let i = &cx.inputs.service;
        let placement = create::Placement {
            cluster: &cluster,
            private: &private,
            sg: &sg,
            tg: &tg,
            task_def: &task_def,
            session: &session,
        };
        let at = At::named(&i.service_name).inside(&cluster);
        let got = owned::SERVICE
            .ensure_prepared(
                cx,
                h,
                at,
                || self.ensure_service_linked_role(cx),
                || async {
                    let out = create::create_service(cx, &placement).await?;
                    returned(out.service(), "ecs", "CreateService", "service")
                },
            )
            .await?;
        let svc = &got.item;
        let drift = create::drift(cx, svc, &placement);
        if got.origin != Origin::Created
            && !drift.is_empty()
            && owned::SERVICE.may_change(cx, h, &got, &drift.join(", "))?
        {
            aws.ecs
                .update_service()
                .cluster(&cluster)
                .service(&i.service_name)
                .task_definition(&task_def)
                .desired_count(crate::model::api_int(i.desired_count))
                .network_configuration(create::network(&private, &sg)?)
                .load_balancers(create::load_balancer(cx, &tg))
                .send()
                .await
                .ctx("ecs", "UpdateService")?;
            cx.progress
                .info(format!("service updated: {}", drift.join(", ")));
        } else if got.origin != Origin::Created
            && let Some(why) = stuck(aws, svc, &cluster, &i.service_name).await?
            && owned::SERVICE.may_change(cx, h, &got, &format!("start new tasks ({why})"))?
        {
            // Nothing would start a new task by itself (older tasks still
            // run, or the circuit breaker stopped the deployment): a new
            // deployment shows whether what stopped it is repaired.
            cx.progress
                .info(format!("starting a new deployment: {why}"));
            aws.ecs
                .update_service()
                .cluster(&cluster)
                .service(&i.service_name)
                .force_new_deployment(true)
                .send()
                .await
                .ctx("ecs", "UpdateService")?;
        }
        wait_steady(cx, &cluster, &i.service_name).await?;
        // Certificates step 4 requested that the TLS listener no longer
        // uses (TLS off, an earlier name, your certificate named instead)
        // can go now, unless ELB still counts them in use for a moment.
        if cx.inputs.load_balancer.tls || h.session().output(OutputKey::Certificate).is_some() {
            crate::steps::load_balancer::tls::retire_unused(cx, h).await?;
        }
        crate::steps::nat_gateway::retire_first_pull_nat(cx, h).await
    }

    async fn validate(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Check>> {
        checks::validate(cx, s).await
    }

    async fn inspect(&self, cx: StepCx<'_>, s: &Session) -> Result<Vec<Resource>> {
        checks::inspect(cx, s).await
    }

    async fn teardown(&self, cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
        teardown::run(cx, h).await
    }
}

/// Why the service needs a new deployment to start tasks again, if it does:
/// its deployment failed (the circuit breaker), or the newest task failed to
/// start while older ones still run.
async fn stuck(
    aws: &crate::aws::AwsContext,
    svc: &aws_sdk_ecs::types::Service,
    cluster: &str,
    name: &str,
) -> Result<Option<String>> {
    if running::failed_deployment(svc).is_some() {
        return Ok(Some("its last deployment failed".into()));
    }
    Ok(running::start_failing(aws, cluster, name)
        .await?
        .map(|why| {
            format!(
                "the newest task failed to start: {}",
                why.split(':').next().unwrap_or(&why)
            )
        }))
}
