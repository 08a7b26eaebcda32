//! The inputs that describe a deployment as it is: its names, blocks, ports
//! and routes read back from the resources bound, as `step.field=value`, so
//! the steps' checks judge it against itself and apply finds nothing to
//! change that already matches.

use super::Deployment;
use super::region::Region;
use crate::inputs::cidr::{overlaps, parse_cidr};
use crate::model::OutputKey as K;

/// The last part of an ARN's resource path (`cluster/NAME` → `NAME`).
fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Every input that can be read from what is bound.
pub(super) fn read_back(r: &Region, d: &Deployment) -> Vec<String> {
    let mut out = Vec::new();
    let mut set = |k: &str, v: &str| {
        if !v.is_empty() {
            out.push(format!("{k}={v}"));
        }
    };
    task_definition(r, d, &mut set);
    network(r, d, &mut set);
    if let Some(lb) = d
        .get(K::LoadBalancer)
        .and_then(|a| r.nlbs.iter().find(|x| x.load_balancer_arn() == Some(a)))
    {
        set(
            "load-balancer.nlb_name",
            lb.load_balancer_name().unwrap_or_default(),
        );
    }
    let tg = |key| {
        d.get(key).and_then(|a| {
            r.target_groups
                .iter()
                .find(|t| t.target_group_arn() == Some(a))
        })
    };
    if let Some(t) = tg(K::Placeholder) {
        set(
            "load-balancer.placeholder_target_group_name",
            t.target_group_name().unwrap_or_default(),
        );
    }
    if let Some(svc) = d
        .get(K::Service)
        .and_then(|a| r.services.iter().find(|s| s.service_arn() == Some(a)))
    {
        set(
            "service.service_name",
            svc.service_name().unwrap_or_default(),
        );
        set("service.desired_count", &svc.desired_count().to_string());
    }
    if let Some(t) = tg(K::ServiceTargetGroup) {
        set(
            "service.target_group_name",
            t.target_group_name().unwrap_or_default(),
        );
        if let Some(i) = t.health_check_interval_seconds() {
            set("service.health_check_interval_seconds", &i.to_string());
        }
        if let Some(v) = t.target_group_arn().and_then(|a| r.tg_dereg.get(a)) {
            set("service.deregistration_delay_seconds", v);
        }
    }
    if let Some(l) = d
        .get(K::VpcLink)
        .and_then(|id| r.links.iter().find(|l| l.id == id))
    {
        set("vpc-link.vpc_link_name", &l.name);
    }
    if let Some(a) = d
        .get(K::RestApi)
        .and_then(|id| r.apis.iter().find(|a| a.id == id))
    {
        set("rest-api.api_name", &a.name);
        let routes: Vec<&str> = a.routes.iter().map(|x| x.route.as_str()).collect();
        set("rest-api.routes", &routes.join(","));
    }
    if let Some(stage) = d.get(K::Stage) {
        set("rest-api.stage_name", stage);
    }
    out
}

fn task_definition(r: &Region, d: &Deployment, set: &mut impl FnMut(&str, &str)) {
    if let Some(td) = d.get(K::TaskDefinition).and_then(|a| {
        r.task_defs
            .iter()
            .find(|t| t.task_definition_arn() == Some(a))
    }) {
        set("task-definition.family", td.family().unwrap_or_default());
        set("task-definition.cpu", td.cpu().unwrap_or_default());
        set("task-definition.memory", td.memory().unwrap_or_default());
        if let Some(c) = td.container_definitions().first() {
            set(
                "task-definition.container_name",
                c.name().unwrap_or_default(),
            );
            set("task-definition.image", c.image().unwrap_or_default());
            // The console's task definitions send logs with awslogs: the
            // group they name is where `gatewalk logs` reads.
            if let Some(g) = c
                .log_configuration()
                .filter(|l| l.log_driver() == &aws_sdk_ecs::types::LogDriver::Awslogs)
                .and_then(|l| l.options())
                .and_then(|o| o.get("awslogs-group"))
            {
                set("task-definition.log_group", g);
            }
            if let Some(p) = c
                .port_mappings()
                .first()
                .and_then(aws_sdk_ecs::types::PortMapping::container_port)
            {
                set("task-definition.container_port", &p.to_string());
            }
        }
    }
    if let Some(role) = d.get(K::ExecutionRole) {
        set("task-definition.execution_role", arn_name(role));
    }
    if let Some(c) = d.get(K::Cluster) {
        set("cluster-vpc.cluster_name", arn_name(c));
    }
}

fn network(r: &Region, d: &Deployment, set: &mut impl FnMut(&str, &str)) {
    let cidr_of = |key| {
        d.get(key)
            .and_then(|id| r.subnets.iter().find(|s| s.subnet_id() == Some(id)))
            .and_then(|s| s.cidr_block())
    };
    let vpc_cidr = r
        .vpcs
        .iter()
        .find(|v| v.vpc_id() == Some(d.vpc.as_str()))
        .and_then(|v| v.cidr_block());
    set("cluster-vpc.vpc_cidr", vpc_cidr.unwrap_or_default());
    let a = cidr_of(K::PublicSubnetA);
    set("cluster-vpc.public_subnet_a_cidr", a.unwrap_or_default());
    match cidr_of(K::PublicSubnetB) {
        Some(b) => set("cluster-vpc.public_subnet_b_cidr", b),
        None => {
            // Subnet B is gone (step 3 replaced it): any free block of the
            // same size keeps the inputs valid; nothing is made from it.
            let taken: Vec<&str> = r
                .subnets
                .iter()
                .filter(|s| s.vpc_id() == Some(d.vpc.as_str()))
                .filter_map(|s| s.cidr_block())
                .collect();
            if let Some(free) = free_block(vpc_cidr, a, &taken) {
                set("cluster-vpc.public_subnet_b_cidr", &free);
            }
        }
    }
    if let (Some(za), Some(zb)) = (d.get(K::AzA), d.get(K::AzB)) {
        set("cluster-vpc.availability_zones", &format!("{za},{zb}"));
    }
    if let Some(p) = cidr_of(K::PrivateSubnet) {
        set("private-subnet.private_subnet_cidr", p);
    }
}

/// The first block of `like`'s size inside `vpc` that overlaps none taken.
fn free_block(vpc: Option<&str>, like: Option<&str>, taken: &[&str]) -> Option<String> {
    let vpc = parse_cidr(vpc?).ok()?;
    let size = like
        .and_then(|l| parse_cidr(l).ok())
        .map_or(24, |n| n.prefix_len());
    let taken: Vec<_> = taken.iter().filter_map(|t| t.parse().ok()).collect();
    vpc.subnets(size)
        .ok()?
        .find(|n| !taken.iter().any(|t| overlaps(n, t)))
        .map(|n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_block_of_the_same_size() {
        let taken = ["10.0.0.0/24", "10.0.1.0/24", "10.0.3.0/24"];
        assert_eq!(
            free_block(Some("10.0.0.0/16"), Some("10.0.0.0/24"), &taken).as_deref(),
            Some("10.0.2.0/24")
        );
        assert_eq!(free_block(None, None, &taken), None);
        assert_eq!(
            arn_name("arn:aws:ecs:us-east-1:1:cluster/pubquiz"),
            "pubquiz"
        );
    }
}
