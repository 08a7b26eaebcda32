//! Faults put into a deployment on purpose, for a room to diagnose: each is
//! a mistake people make with this architecture (the CDK seed's missing
//! security-group rule among them), with a teaching note that says what
//! breaks, which check catches it and what puts it right. Each is applied
//! with the student's own keys, to resources that carry their session's
//! tags, and each is undone by the student's `gatewalk apply`.

use crate::aws::{AwsContext, CallExt};
use crate::discover::account::AccountSession;
use crate::error::{Error, Result};
use crate::model::{OutputKey, StepId};
use aws_sdk_ecs::types::{ContainerDefinition, PortMapping, TaskDefinition};

/// One exercise of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exercise {
    /// Its name on the command line.
    pub id: &'static str,
    /// What it does, in a line.
    pub title: &'static str,
    /// The step the deployment must have reached.
    pub needs: StepId,
    /// What the learner sees, what catches it, and how it is put right.
    pub note: &'static str,
}

/// Every exercise, in walkthrough order.
pub const CATALOGUE: &[Exercise] = &[
    Exercise {
        id: "igw-route",
        title: "the private subnet's default route points at the internet gateway",
        needs: StepId::NatGateway,
        note: "A subnet whose route goes to an internet gateway is public by definition, yet the \
               tasks have no public IP, so nothing they send comes back: new tasks cannot pull \
               their image (CannotPullContainerError). Step 5's route check names it; apply puts \
               the route back on the NAT gateway.",
    },
    Exercise {
        id: "open-port",
        title: "the task security group loses its inbound rule (the CDK pattern's missing rule)",
        needs: StepId::Service,
        note: "An NLB has no security group of its own here, so the tasks' group must admit the \
               VPC's addresses on the container port. Without the rule the health checks time \
               out, targets turn unhealthy and the API answers 500. Step 6's security-group \
               check names it; apply adds the rule back.",
    },
    Exercise {
        id: "other-zone",
        title: "the tasks move to a subnet in another Availability Zone than the NLB's",
        needs: StepId::Service,
        note: "An NLB sends traffic only to targets in the zones it has a subnet in. With the tasks \
               in another zone, every target is `unused` (Target.NotInUse) — turning on \
               cross-zone load balancing does not change that — and the API answers 500. The \
               checks that tasks run only in the private subnet and that targets are healthy \
               name it; apply puts the tasks back in the private subnet.",
    },
    Exercise {
        id: "container-port",
        title: "a new task definition revision listens on port 8080 and the service runs it",
        needs: StepId::Service,
        note: "The container now expects traffic on 8080 while nginx listens on 80, and the \
               security group admits only the old port: targets fail their health checks. The \
               check that the service registers the container's port with the target group \
               names it (and the targets' health); apply deploys step 1's revision on port 80 \
               again.",
    },
    Exercise {
        id: "missing-image",
        title: "a new revision names an image tag that does not exist",
        needs: StepId::Service,
        note: "Every new task stops with CannotPullContainerError; the deployment circuit \
               breaker fails the deployment and rolls back to the last one that worked. The \
               check on new tasks starting names it, and `gatewalk logs` shows why the tasks \
               stopped; apply starts a new deployment of step 1's revision.",
    },
    Exercise {
        id: "not-redeployed",
        title: "the API's integration is edited but not deployed to the stage",
        needs: StepId::RestApi,
        note: "A REST API serves its stage's deployment, a snapshot: an edit changes nothing for \
               callers until a new deployment. The check that the stage serves the current \
               configuration names it (and the integration check the wrong address); apply \
               puts the integration back and deploys.",
    },
];

/// The exercise named `id`, or a refusal listing the catalogue.
pub fn find(id: &str) -> Result<&'static Exercise> {
    CATALOGUE.iter().find(|e| e.id == id).ok_or_else(|| {
        let ids: Vec<&str> = CATALOGUE.iter().map(|e| e.id).collect();
        Error::Config(format!(
            "no exercise `{}`; the catalogue has: {} (`gatewalk classroom exercises` explains each)",
            crate::text::shown(id),
            ids.join(", ")
        ))
    })
}

fn bound(s: &AccountSession, key: OutputKey) -> Result<&str> {
    s.bound
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, id)| id.as_str())
        .ok_or_else(|| Error::Config(format!("session `{}` has no {} yet", s.name, key.noun())))
}

/// The resource under `key` that the exercise changes: only one carrying
/// the session's tags (never one of the student's own, bound by `adopt`).
fn owned(s: &AccountSession, key: OutputKey) -> Result<&str> {
    let id = bound(s, key)?;
    if s.resources.iter().any(|t| t.id == id) {
        Ok(id)
    } else {
        Err(Error::Config(format!(
            "the {} of session `{}` ({id}) does not carry the session's tags; exercises change only \
             what gatewalk made",
            key.noun(),
            s.name
        )))
    }
}

/// Puts the fault into session `s`, with the student's keys. Returns what
/// was done, in a line.
pub async fn apply(ex: &Exercise, aws: &AwsContext, s: &AccountSession) -> Result<String> {
    let reached = s.done().contains(&ex.needs);
    if !reached {
        return Err(Error::Config(format!(
            "session `{}` has not finished step {} ({}), which `{}` needs",
            s.name,
            ex.needs.number(),
            ex.needs,
            ex.id
        )));
    }
    match ex.id {
        "igw-route" => igw_route(aws, s).await,
        "open-port" => open_port(aws, s).await,
        "other-zone" => other_zone(aws, s).await,
        "container-port" => new_revision(aws, s, Change::Port(8080)).await,
        "missing-image" => new_revision(aws, s, Change::Image).await,
        "not-redeployed" => not_redeployed(aws, s).await,
        other => Err(Error::Config(format!("no exercise `{other}`"))),
    }
}

async fn igw_route(aws: &AwsContext, s: &AccountSession) -> Result<String> {
    let rt = owned(s, OutputKey::PrivateRouteTable)?;
    let igw = bound(s, OutputKey::InternetGateway)?;
    aws.ec2
        .replace_route()
        .route_table_id(rt)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(igw)
        .send()
        .await
        .ctx("ec2", "ReplaceRoute")?;
    Ok(format!("route 0.0.0.0/0 of {rt} now goes to {igw}"))
}

async fn open_port(aws: &AwsContext, s: &AccountSession) -> Result<String> {
    let sg = owned(s, OutputKey::SecurityGroup)?;
    let d = aws
        .ec2
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
        .ctx("ec2", "DescribeSecurityGroups")?;
    let rules = d
        .security_groups()
        .first()
        .map(|g| g.ip_permissions().to_vec())
        .unwrap_or_default();
    if rules.is_empty() {
        return Ok(format!("{sg} had no inbound rule to remove"));
    }
    let n = rules.len();
    aws.ec2
        .revoke_security_group_ingress()
        .group_id(sg)
        .set_ip_permissions(Some(rules))
        .send()
        .await
        .ctx("ec2", "RevokeSecurityGroupIngress")?;
    Ok(format!("removed {n} inbound rule(s) of {sg}"))
}

/// Moves the service's tasks to public subnet A (another zone than the
/// private subnet's, where the NLB is), still without a public IP.
async fn other_zone(aws: &AwsContext, s: &AccountSession) -> Result<String> {
    let svc = owned(s, OutputKey::Service)?;
    let cluster = bound(s, OutputKey::Cluster)?;
    let private = bound(s, OutputKey::PrivateSubnet)?;
    let elsewhere = bound(s, OutputKey::PublicSubnetA)?;
    let sg = bound(s, OutputKey::SecurityGroup)?;
    let d = aws
        .ec2
        .describe_subnets()
        .subnet_ids(private)
        .subnet_ids(elsewhere)
        .send()
        .await
        .ctx("ec2", "DescribeSubnets")?;
    let zone = |id: &str| {
        d.subnets()
            .iter()
            .find(|x| x.subnet_id() == Some(id))
            .and_then(|x| x.availability_zone())
            .unwrap_or_default()
            .to_string()
    };
    let (from, to) = (zone(private), zone(elsewhere));
    if from == to {
        return Err(Error::Config(format!(
            "session `{}` has no subnet outside {from} to move the tasks to",
            s.name
        )));
    }
    let net = aws_sdk_ecs::types::AwsVpcConfiguration::builder()
        .subnets(elsewhere)
        .security_groups(sg)
        .assign_public_ip(aws_sdk_ecs::types::AssignPublicIp::Disabled)
        .build()
        .map_err(|e| Error::Config(format!("network configuration: {e}")))?;
    aws.ecs
        .update_service()
        .cluster(cluster)
        .service(svc)
        .network_configuration(
            aws_sdk_ecs::types::NetworkConfiguration::builder()
                .awsvpc_configuration(net)
                .build(),
        )
        .send()
        .await
        .ctx("ecs", "UpdateService")?;
    Ok(format!(
        "tasks now start in {elsewhere} ({to}); the NLB is in {from}"
    ))
}

enum Change {
    Port(i32),
    Image,
}

/// Registers a revision of the running task definition with `change`
/// (tagged as the session's, so its teardown deregisters it) and deploys it.
async fn new_revision(aws: &AwsContext, s: &AccountSession, change: Change) -> Result<String> {
    let svc_arn = owned(s, OutputKey::Service)?;
    let cluster = bound(s, OutputKey::Cluster)?;
    let d = aws
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(svc_arn)
        .send()
        .await
        .ctx("ecs", "DescribeServices")?;
    let svc = d
        .services()
        .first()
        .ok_or_else(|| Error::Config(format!("service {svc_arn} is gone")))?;
    let running = svc.task_definition().unwrap_or_default().to_string();
    let td = aws
        .ecs
        .describe_task_definition()
        .task_definition(&running)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .ctx("ecs", "DescribeTaskDefinition")?;
    let tags = td.tags().to_vec();
    let def = td
        .task_definition()
        .ok_or_else(|| Error::Config(format!("task definition {running} is gone")))?;
    let containers = changed(def, &change);
    let mut reg = aws
        .ecs
        .register_task_definition()
        .family(def.family().unwrap_or_default())
        .set_container_definitions(Some(containers))
        .set_requires_compatibilities(Some(def.requires_compatibilities().to_vec()))
        .set_network_mode(def.network_mode().cloned())
        .set_cpu(def.cpu().map(str::to_string))
        .set_memory(def.memory().map(str::to_string))
        .set_execution_role_arn(def.execution_role_arn().map(str::to_string));
    if !tags.is_empty() {
        reg = reg.set_tags(Some(tags));
    }
    let new = reg.send().await.ctx("ecs", "RegisterTaskDefinition")?;
    let arn = new
        .task_definition()
        .and_then(TaskDefinition::task_definition_arn)
        .unwrap_or_default()
        .to_string();
    let mut up = aws
        .ecs
        .update_service()
        .cluster(cluster)
        .service(svc_arn)
        .task_definition(&arn);
    if let Change::Port(p) = change {
        // The load balancer is told the new port too, as a console user
        // changing the port in both places would.
        let lbs = svc
            .load_balancers()
            .iter()
            .map(|lb| {
                let mut lb = lb.clone();
                lb.container_port = Some(p);
                lb
            })
            .collect();
        up = up.set_load_balancers(Some(lbs));
    }
    up.send().await.ctx("ecs", "UpdateService")?;
    Ok(format!("service runs {arn} now"))
}

fn changed(def: &TaskDefinition, change: &Change) -> Vec<ContainerDefinition> {
    def.container_definitions()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.clone();
            if i == 0 {
                match change {
                    Change::Port(p) => {
                        c.port_mappings = Some(vec![
                            PortMapping::builder()
                                .container_port(*p)
                                .protocol(aws_sdk_ecs::types::TransportProtocol::Tcp)
                                .build(),
                        ]);
                    }
                    Change::Image => {
                        let image = c.image().unwrap_or_default();
                        let repo = image.rsplit_once(':').map_or(image, |(r, _)| r);
                        c.image = Some(format!("{repo}:does-not-exist"));
                    }
                }
            }
            c
        })
        .collect()
}

async fn not_redeployed(aws: &AwsContext, s: &AccountSession) -> Result<String> {
    let api = owned(s, OutputKey::RestApi)?;
    let r = aws
        .apigw
        .get_resources()
        .rest_api_id(api)
        .embed("methods")
        .send()
        .await
        .ctx("apigateway", "GetResources")?;
    for res in r.items() {
        for (method, m) in res.resource_methods().into_iter().flatten() {
            let Some((i, uri)) = m.method_integration().and_then(|i| i.uri().map(|u| (i, u)))
            else {
                continue;
            };
            // The console's "Edit integration" replaces it whole: the same
            // integration, another address.
            let edited = format!("{}/v2", uri.trim_end_matches('/'));
            aws.apigw
                .put_integration()
                .rest_api_id(api)
                .resource_id(res.id().unwrap_or_default())
                .http_method(method)
                .set_type(i.r#type().cloned())
                .set_integration_http_method(i.http_method().map(str::to_string))
                .uri(&edited)
                .set_connection_type(i.connection_type().cloned())
                .set_connection_id(i.connection_id().map(str::to_string))
                .set_request_parameters(i.request_parameters().cloned())
                .send()
                .await
                .ctx("apigateway", "PutIntegration")?;
            return Ok(format!(
                "integration of {method} {} now calls {edited}; no deployment made",
                res.path().unwrap_or_default()
            ));
        }
    }
    Err(Error::Config(format!(
        "REST API {api} of session `{}` has no integration to edit",
        s.name
    )))
}
