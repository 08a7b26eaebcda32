//! One read-only pass over the region: everything a deployment of this shape
//! can be made of, whoever made it. Discovery works from this snapshot, so
//! it makes each list call once, however many deployments it finds.

use crate::aws::tags::SESSION_KEY;
use crate::aws::{AwsContext, CallExt, Required};
use crate::error::Result;
use aws_sdk_ec2::types::{
    Filter, InternetGateway, NatGateway, NatGatewayState, RouteTable, Subnet, Vpc,
};
use aws_sdk_ecs::types::{Cluster, ClusterField, Service, ServiceField, TaskDefinition};
use aws_sdk_elasticloadbalancingv2::types::{Listener, LoadBalancer, TargetGroup};
use std::collections::BTreeMap;

/// One integration of a REST API method, as discovery needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    /// `ANY /{proxy+}`.
    pub route: String,
    /// `VPC_LINK` or `INTERNET`.
    pub connection_type: String,
    /// The VPC link's id, for `VPC_LINK`.
    pub connection_id: Option<String>,
    /// The backend URI.
    pub uri: String,
}

/// A REST API with its routes and stages.
#[derive(Debug, Clone)]
pub struct Api {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// Every method, with its integration if it has one.
    pub routes: Vec<ApiRoute>,
    /// Stage name → deployment id.
    pub stages: BTreeMap<String, String>,
}

/// A VPC link (REST API flavour).
#[derive(Debug, Clone)]
pub struct Link {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The load balancers it targets.
    pub targets: Vec<String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// Everything read.
#[derive(Debug, Clone, Default)]
pub struct Region {
    /// VPCs.
    pub vpcs: Vec<Vpc>,
    /// Subnets.
    pub subnets: Vec<Subnet>,
    /// Route tables.
    pub route_tables: Vec<RouteTable>,
    /// Internet gateways.
    pub igws: Vec<InternetGateway>,
    /// NAT gateways that are pending or available.
    pub nats: Vec<NatGateway>,
    /// Network load balancers.
    pub nlbs: Vec<LoadBalancer>,
    /// Their listeners.
    pub listeners: Vec<Listener>,
    /// Target groups.
    pub target_groups: Vec<TargetGroup>,
    /// Target group ARN → its deregistration delay (for those a service uses).
    pub tg_dereg: BTreeMap<String, String>,
    /// ACTIVE clusters, with tags.
    pub clusters: Vec<Cluster>,
    /// Services that are not INACTIVE, with tags, in every cluster.
    pub services: Vec<Service>,
    /// The task definitions services run, and the latest ACTIVE revision of
    /// every family.
    pub task_defs: Vec<TaskDefinition>,
    /// Task definition ARN → the gatewalk session its tags name.
    pub def_sessions: BTreeMap<String, String>,
    /// VPC links.
    pub links: Vec<Link>,
    /// REST APIs.
    pub apis: Vec<Api>,
}

/// Every item of a paginated call, each page's error named.
macro_rules! all_items {
    ($req:expr, $svc:literal, $op:literal) => {{
        let mut out = Vec::new();
        let mut pages = $req.into_paginator().items().send();
        while let Some(x) = pages.next().await {
            out.push(x.ctx($svc, $op)?);
        }
        out
    }};
}

impl Region {
    /// Reads the region (list and describe calls only).
    pub async fn read(aws: &AwsContext) -> Result<Self> {
        let mut r = Region::default();
        r.read_ec2(aws).await?;
        r.read_elb(aws).await?;
        r.read_ecs(aws).await?;
        r.read_services(aws).await?;
        r.read_tg_attributes(aws).await?;
        r.read_task_defs(aws).await?;
        r.read_apigateway(aws).await?;
        Ok(r)
    }

    async fn read_ec2(&mut self, aws: &AwsContext) -> Result<()> {
        let e = &aws.ec2;
        self.vpcs = all_items!(e.describe_vpcs(), "ec2", "DescribeVpcs");
        self.subnets = all_items!(e.describe_subnets(), "ec2", "DescribeSubnets");
        self.route_tables = all_items!(e.describe_route_tables(), "ec2", "DescribeRouteTables");
        self.igws = all_items!(
            e.describe_internet_gateways(),
            "ec2",
            "DescribeInternetGateways"
        );
        let live = Filter::builder()
            .name("state")
            .values("pending")
            .values("available")
            .build();
        let nats: Vec<NatGateway> = all_items!(
            e.describe_nat_gateways().filter(live),
            "ec2",
            "DescribeNatGateways"
        );
        // Emulators ignore some filters: judge the state here too.
        self.nats = nats
            .into_iter()
            .filter(|n| {
                matches!(
                    n.state(),
                    Some(NatGatewayState::Pending | NatGatewayState::Available)
                )
            })
            .collect();
        Ok(())
    }

    async fn read_elb(&mut self, aws: &AwsContext) -> Result<()> {
        self.nlbs = crate::aws::elb::all_load_balancers(aws)
            .await?
            .into_iter()
            .filter(|lb| lb.r#type().is_some_and(|t| t.as_str() == "network"))
            .collect();
        for lb in &self.nlbs {
            let arn = lb.load_balancer_arn().required(
                "elbv2",
                "DescribeLoadBalancers",
                "LoadBalancerArn",
            )?;
            let out = aws
                .elb
                .describe_listeners()
                .load_balancer_arn(arn)
                .send()
                .await
                .ctx("elbv2", "DescribeListeners")?;
            self.listeners.extend(out.listeners().iter().cloned());
        }
        self.target_groups = crate::aws::elb::all_target_groups(aws).await?;
        Ok(())
    }

    async fn read_ecs(&mut self, aws: &AwsContext) -> Result<()> {
        let arns: Vec<String> = all_items!(aws.ecs.list_clusters(), "ecs", "ListClusters");
        for chunk in arns.chunks(100) {
            let d = aws
                .ecs
                .describe_clusters()
                .set_clusters(Some(chunk.to_vec()))
                .include(ClusterField::Tags)
                .send()
                .await
                .ctx("ecs", "DescribeClusters")?;
            let active = d.clusters().iter().filter(|c| c.status() == Some("ACTIVE"));
            self.clusters.extend(active.cloned());
        }
        Ok(())
    }

    async fn read_tg_attributes(&mut self, aws: &AwsContext) -> Result<()> {
        let used: Vec<String> = self.used_target_groups().map(str::to_string).collect();
        for arn in used {
            if let Some(v) = crate::aws::elb::deregistration_delay(aws, &arn).await? {
                self.tg_dereg.insert(arn, v);
            }
        }
        Ok(())
    }

    /// The target groups ECS services register their tasks in.
    pub fn used_target_groups(&self) -> impl Iterator<Item = &str> {
        self.services.iter().flat_map(|s| {
            s.load_balancers()
                .iter()
                .filter_map(|l| l.target_group_arn())
        })
    }

    async fn read_services(&mut self, aws: &AwsContext) -> Result<()> {
        for c in &self.clusters {
            let arn = c
                .cluster_arn()
                .required("ecs", "DescribeClusters", "clusterArn")?;
            let names: Vec<String> =
                all_items!(aws.ecs.list_services().cluster(&arn), "ecs", "ListServices");
            for chunk in names.chunks(10) {
                let d = aws
                    .ecs
                    .describe_services()
                    .cluster(&arn)
                    .set_services(Some(chunk.to_vec()))
                    .include(ServiceField::Tags)
                    .send()
                    .await
                    .ctx("ecs", "DescribeServices")?;
                let live = d
                    .services()
                    .iter()
                    .filter(|s| s.status() != Some("INACTIVE"));
                self.services.extend(live.cloned());
            }
        }
        Ok(())
    }

    async fn read_task_defs(&mut self, aws: &AwsContext) -> Result<()> {
        let mut wanted: Vec<String> = self
            .services
            .iter()
            .filter_map(|s| s.task_definition().map(str::to_string))
            .collect();
        let families: Vec<String> = all_items!(
            aws.ecs
                .list_task_definition_families()
                .status(aws_sdk_ecs::types::TaskDefinitionFamilyStatus::Active),
            "ecs",
            "ListTaskDefinitionFamilies"
        );
        wanted.extend(families);
        wanted.sort();
        wanted.dedup();
        for td in wanted {
            if let Some(rev) = crate::aws::ecs::latest_revision(aws, &td).await?
                && !self
                    .task_defs
                    .iter()
                    .any(|t| t.task_definition_arn() == rev.def.task_definition_arn())
            {
                let session = rev.tags.iter().find(|t| t.key() == Some(SESSION_KEY));
                if let (Some(arn), Some(v)) = (
                    rev.def.task_definition_arn(),
                    session.and_then(|t| t.value()),
                ) {
                    self.def_sessions.insert(arn.to_string(), v.to_string());
                }
                self.task_defs.push(rev.def);
            }
        }
        Ok(())
    }

    async fn read_apigateway(&mut self, aws: &AwsContext) -> Result<()> {
        for l in crate::aws::apigateway::vpc_links(aws).await? {
            self.links.push(Link {
                id: l.id().required("apigateway", "GetVpcLinks", "id")?,
                name: l.name().unwrap_or_default().to_string(),
                targets: l.target_arns().to_vec(),
                tags: l.tags().cloned().unwrap_or_default().into_iter().collect(),
            });
        }
        for a in crate::aws::apigateway::rest_apis(aws).await? {
            let id = a.id().required("apigateway", "GetRestApis", "id")?;
            let routes = api_routes(aws, &id).await?;
            let out = aws
                .apigw
                .get_stages()
                .rest_api_id(&id)
                .send()
                .await
                .ctx("apigateway", "GetStages")?;
            let stages = out
                .item()
                .iter()
                .filter_map(|s| {
                    let name = s.stage_name()?.to_string();
                    Some((name, s.deployment_id().unwrap_or_default().to_string()))
                })
                .collect();
            self.apis.push(Api {
                id,
                name: a.name().unwrap_or_default().to_string(),
                tags: a.tags().cloned().unwrap_or_default().into_iter().collect(),
                routes,
                stages,
            });
        }
        Ok(())
    }
}

/// A REST API's methods that have an integration, as routes.
async fn api_routes(aws: &AwsContext, api: &str) -> Result<Vec<ApiRoute>> {
    let mut routes = Vec::new();
    let mut position = None;
    loop {
        let r = aws
            .apigw
            .get_resources()
            .rest_api_id(api)
            .embed("methods")
            .limit(500)
            .set_position(position)
            .send()
            .await
            .ctx("apigateway", "GetResources")?;
        for res in r.items() {
            let path = res.path().unwrap_or("/");
            // Every method is a route, with an integration or not (one
            // without is what apply must complete, not remove).
            for (verb, m) in res.resource_methods().into_iter().flatten() {
                let i = m.method_integration();
                routes.push(ApiRoute {
                    route: format!("{} {path}", m.http_method().unwrap_or(verb)),
                    connection_type: i
                        .and_then(|i| i.connection_type())
                        .map_or_else(|| "INTERNET".into(), |t| t.as_str().to_string()),
                    connection_id: i.and_then(|i| i.connection_id()).map(str::to_string),
                    uri: i.and_then(|i| i.uri()).unwrap_or_default().to_string(),
                });
            }
        }
        position = r.position().map(str::to_string);
        if position.is_none() || r.items().is_empty() {
            break;
        }
    }
    routes.sort_by(|a, b| a.route.cmp(&b.route));
    Ok(routes)
}
