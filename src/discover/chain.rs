//! Follows the chain inside one VPC, from whatever exists: the service's
//! target group leads to the NLB, the NLB to its VPC link and the API that
//! integrates through it; the subnets' route tables tell public from private,
//! and the NAT gateway marks public subnet A. Each link found is one binding.

use super::region::Region;
use super::{Deployment, Maker};
use crate::aws::tags::SESSION_KEY;
use crate::model::OutputKey as K;
use aws_sdk_ec2::types::{NatGateway, RouteTable, Subnet, Vpc};
use aws_sdk_ecs::types::Service;
use aws_sdk_elasticloadbalancingv2::types::LoadBalancer;

/// The route table that applies to a subnet: its explicit association, else
/// the VPC's main table.
pub(super) fn effective_rt<'r>(r: &'r Region, vpc: &str, subnet: &str) -> Option<&'r RouteTable> {
    let in_vpc = || r.route_tables.iter().filter(|t| t.vpc_id() == Some(vpc));
    in_vpc()
        .find(|t| {
            t.associations()
                .iter()
                .any(|a| a.subnet_id() == Some(subnet))
        })
        .or_else(|| in_vpc().find(|t| t.associations().iter().any(|a| a.main() == Some(true))))
}

/// Whether a table sends the internet to an internet gateway.
pub(super) fn reaches_igw(rt: &RouteTable) -> bool {
    rt.routes().iter().any(|x| {
        x.destination_cidr_block() == Some("0.0.0.0/0")
            && x.gateway_id().is_some_and(|g| g.starts_with("igw-"))
    })
}

/// The `gatewalk:session` tag of a VPC, if gatewalk made it.
fn session_of(vpc: &Vpc) -> Option<String> {
    vpc.tags()
        .iter()
        .find(|t| t.key() == Some(SESSION_KEY))
        .and_then(|t| t.value().map(str::to_string))
}

/// Whether a VPC holds anything of this shape (an NLB, a service, gatewalk's
/// tag): the VPCs discovery reports.
pub(super) fn anchored(r: &Region, vpc: &Vpc) -> bool {
    let id = vpc.vpc_id();
    session_of(vpc).is_some()
        || r.nlbs.iter().any(|lb| lb.vpc_id() == id)
        || r.services.iter().any(|s| service_vpc(r, s) == id)
}

/// The VPC a service's tasks run in (by their subnets).
fn service_vpc<'r>(r: &'r Region, s: &Service) -> Option<&'r str> {
    let subnets = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(aws_sdk_ecs::types::AwsVpcConfiguration::subnets)
        .unwrap_or_default();
    r.subnets
        .iter()
        .find(|sn| {
            sn.subnet_id()
                .is_some_and(|id| subnets.iter().any(|x| x == id))
        })
        .and_then(Subnet::vpc_id)
}

/// The target groups a service registers its tasks in.
fn service_tgs(s: &Service) -> Vec<&str> {
    s.load_balancers()
        .iter()
        .filter_map(|l| l.target_group_arn())
        .collect()
}

/// Builds the deployment of one VPC.
pub(super) fn assemble(r: &Region, vpc: &Vpc, region: &str) -> Deployment {
    let vpc_id = vpc.vpc_id().unwrap_or_default().to_string();
    let mut d = Deployment::new(&vpc_id, session_of(vpc).map_or(Maker::You, Maker::Gatewalk));
    d.session_id = vpc
        .tags()
        .iter()
        .find(|t| t.key() == Some(crate::aws::tags::SESSION_ID_KEY))
        .and_then(|t| t.value().map(str::to_string));
    d.vpc_name = super::ec2_name(vpc.tags());
    d.bind(K::Vpc, &vpc_id);
    if let Some(igw) = r
        .igws
        .iter()
        .find(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(&vpc_id)))
    {
        d.bind_opt(K::InternetGateway, igw.internet_gateway_id());
    }
    let service = pick_service(r, &vpc_id);
    let nlb = pick_nlb(r, &vpc_id, service);
    networks(r, &mut d, service, nlb);
    if let Some(lb) = nlb {
        d.bind_opt(K::LoadBalancer, lb.load_balancer_arn());
        d.bind_opt(K::LoadBalancerDns, lb.dns_name());
    }
    if let Some(s) = service {
        super::ecs::bind_service(r, &mut d, s, nlb);
    }
    super::ecs::bind_placeholder(r, &mut d, nlb, service);
    super::api::bind_link_and_api(r, &mut d, nlb, region);
    d
}

/// The service of this VPC: one in a target group of an NLB here first.
fn pick_service<'r>(r: &'r Region, vpc: &str) -> Option<&'r Service> {
    let here: Vec<&Service> = r
        .services
        .iter()
        .filter(|s| service_vpc(r, s) == Some(vpc))
        .collect();
    here.iter()
        .find(|s| !service_tgs(s).is_empty())
        .or(here.first())
        .copied()
}

/// The NLB of this VPC: the service's (its target group's) first, then one
/// a VPC link targets, then the first internal one.
fn pick_nlb<'r>(r: &'r Region, vpc: &str, svc: Option<&Service>) -> Option<&'r LoadBalancer> {
    let here: Vec<&LoadBalancer> = r
        .nlbs
        .iter()
        .filter(|lb| lb.vpc_id() == Some(vpc))
        .collect();
    let of_service = svc.and_then(|s| {
        let tgs = service_tgs(s);
        here.iter().copied().find(|lb| {
            r.target_groups.iter().any(|tg| {
                tg.target_group_arn().is_some_and(|a| tgs.contains(&a))
                    && tg
                        .load_balancer_arns()
                        .iter()
                        .any(|a| Some(a.as_str()) == lb.load_balancer_arn())
            })
        })
    });
    let linked = || {
        here.iter().copied().find(|lb| {
            r.links.iter().any(|l| {
                lb.load_balancer_arn()
                    .is_some_and(|a| l.targets.iter().any(|t| t == a))
            })
        })
    };
    let internal = || {
        here.iter()
            .copied()
            .find(|lb| lb.scheme().is_some_and(|s| s.as_str() == "internal"))
    };
    of_service
        .or_else(linked)
        .or_else(internal)
        .or(here.first().copied())
}

/// The first of `pool` whose id is one of `ids`, not the NAT gateway's.
fn find<'s>(ids: &[&str], pool: &[&'s Subnet], nat: Option<&str>) -> Option<&'s Subnet> {
    pool.iter().copied().find(|s| {
        s.subnet_id()
            .is_some_and(|id| ids.contains(&id) && Some(id) != nat)
    })
}

/// Subnets, route tables, NAT gateway and Elastic IP.
fn networks(r: &Region, d: &mut Deployment, svc: Option<&Service>, nlb: Option<&LoadBalancer>) {
    let vpc = d.vpc.clone();
    let mut subnets: Vec<&Subnet> = r
        .subnets
        .iter()
        .filter(|s| s.vpc_id() == Some(vpc.as_str()))
        .collect();
    subnets.sort_by_key(|s| (s.availability_zone(), s.cidr_block()));
    let public = |s: &&Subnet| {
        s.subnet_id()
            .and_then(|id| effective_rt(r, &vpc, id))
            .is_some_and(reaches_igw)
    };
    let (pubs, privs): (Vec<&Subnet>, Vec<&Subnet>) = subnets.iter().partition(|s| public(s));
    let nat = r
        .nats
        .iter()
        .filter(|n| n.vpc_id() == Some(vpc.as_str()))
        .min_by_key(|n| !pubs.iter().any(|s| s.subnet_id() == n.subnet_id()));
    // The private subnet: the service's, else the NLB's, else the first.
    let svc_subnets: Vec<&str> = svc
        .and_then(|s| s.network_configuration())
        .and_then(|n| n.awsvpc_configuration())
        .map(|a| a.subnets().iter().map(String::as_str).collect())
        .unwrap_or_default();
    let nlb_subnets: Vec<&str> = nlb
        .map(|lb| {
            lb.availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id())
                .collect()
        })
        .unwrap_or_default();
    // The private subnet: the service's, else the NLB's (a private one
    // first), else the first private one. Which it is decides; whether it
    // really is private is for the checks to say.
    let nat_subnet = nat.and_then(NatGateway::subnet_id);
    let private = find(&svc_subnets, &subnets, nat_subnet)
        .or_else(|| find(&nlb_subnets, &privs, nat_subnet))
        .or_else(|| find(&nlb_subnets, &subnets, nat_subnet))
        .or_else(|| privs.first().copied());
    // Public subnet A: the NAT gateway's, else the first public one.
    let a = subnets
        .iter()
        .copied()
        .find(|s| nat_subnet.is_some() && s.subnet_id() == nat_subnet)
        .or_else(|| {
            pubs.iter()
                .copied()
                .find(|s| s.subnet_id() != private.and_then(Subnet::subnet_id))
        });
    if let Some(a) = a {
        d.bind_opt(K::PublicSubnetA, a.subnet_id());
        d.bind_opt(K::AzA, a.availability_zone());
        // Its own table; the VPC's main one is no step's to bind (step 2
        // makes an explicit one, asking before it moves subnet A to it).
        let rt = a.subnet_id().and_then(|id| effective_rt(r, &vpc, id));
        if let Some(rt) = rt.filter(|t| t.associations().iter().all(|x| x.main() != Some(true))) {
            d.bind_opt(K::PublicRouteTable, rt.route_table_id());
        }
    }
    let taken = [a, private].map(|x| x.and_then(Subnet::subnet_id));
    for extra in pubs.iter().filter(|s| !taken.contains(&s.subnet_id())) {
        if private.is_none() && !d.has(K::PublicSubnetB) {
            d.bind_opt(K::PublicSubnetB, extra.subnet_id());
            d.bind_opt(K::AzB, extra.availability_zone());
        } else {
            d.note(format!(
                "public subnet {} is not part of the walkthrough's shape; it is left alone",
                extra.subnet_id().unwrap_or("?")
            ));
        }
    }
    if let Some(p) = private {
        d.bind_opt(K::PrivateSubnet, p.subnet_id());
        d.bind_opt(K::AzB, p.availability_zone());
        // Step 3 replaced public subnet B; none is left to retire.
        d.bind(K::RetiredSubnetB, "none");
        let rt = p.subnet_id().and_then(|id| effective_rt(r, &vpc, id));
        // Its own table: not the VPC's main one, not the public one.
        let own = rt.filter(|t| {
            t.associations().iter().all(|a| a.main() != Some(true))
                && d.get(K::PublicRouteTable) != t.route_table_id()
        });
        if let Some(rt) = own {
            d.bind_opt(K::PrivateRouteTable, rt.route_table_id());
        }
    }
    if let Some(n) = nat {
        d.bind_opt(K::NatGateway, n.nat_gateway_id());
        let alloc = n
            .nat_gateway_addresses()
            .iter()
            .find_map(|a| a.allocation_id());
        d.bind_opt(K::ElasticIp, alloc);
    }
}
