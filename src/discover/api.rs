//! The API Gateway links of the chain: the VPC link that targets the NLB
//! (or another NLB in the VPC), and the REST API whose integrations go
//! through that link (or name the NLB's DNS name), with its stage.

use super::Deployment;
use super::region::{Api, Region};
use crate::model::OutputKey as K;
use aws_sdk_elasticloadbalancingv2::types::LoadBalancer;

/// Binds the VPC link and the REST API of a deployment.
pub(super) fn bind_link_and_api(
    r: &Region,
    d: &mut Deployment,
    nlb: Option<&LoadBalancer>,
    region: &str,
) {
    let lb = nlb.and_then(LoadBalancer::load_balancer_arn);
    let in_vpc: Vec<&str> = r
        .nlbs
        .iter()
        .filter(|x| x.vpc_id() == Some(d.vpc.as_str()))
        .filter_map(LoadBalancer::load_balancer_arn)
        .collect();
    let used = |id: &str| {
        r.apis.iter().any(|a| {
            a.routes
                .iter()
                .any(|x| x.connection_id.as_deref() == Some(id))
        })
    };
    let mut links: Vec<_> = r
        .links
        .iter()
        .filter(|l| l.targets.iter().any(|t| in_vpc.contains(&t.as_str())))
        .collect();
    // The NLB's own link first, then one an API uses.
    links.sort_by_key(|l| {
        (
            !l.targets.iter().any(|t| Some(t.as_str()) == lb),
            !used(&l.id),
        )
    });
    let link = links.first();
    if let Some(l) = link {
        d.bind(K::VpcLink, &l.id);
        if links.len() > 1 {
            d.note(format!(
                "{} VPC links reach this VPC; bound {} ({})",
                links.len(),
                l.id,
                l.name
            ));
        }
    }
    let dns = nlb.and_then(LoadBalancer::dns_name);
    let through_link = |a: &&Api| {
        link.is_some_and(|l| {
            a.routes
                .iter()
                .any(|x| x.connection_id.as_deref() == Some(&l.id))
        })
    };
    let to_nlb = |a: &&Api| {
        dns.is_some_and(|h| {
            a.routes
                .iter()
                .any(|x| uri_host(&x.uri).eq_ignore_ascii_case(h))
        })
    };
    let api = r
        .apis
        .iter()
        .find(through_link)
        .or_else(|| r.apis.iter().find(to_nlb));
    let Some(api) = api else {
        return;
    };
    d.bind(K::RestApi, &api.id);
    let stage = api
        .stages
        .iter()
        .find(|(_, dep)| !dep.is_empty())
        .or(api.stages.iter().next());
    if let Some((name, dep)) = stage {
        d.bind(K::Stage, name);
        if !dep.is_empty() {
            d.bind(K::Deployment, dep);
        }
        d.bind(
            K::InvokeUrl,
            &format!(
                "https://{}.execute-api.{region}.amazonaws.com/{name}/",
                api.id
            ),
        );
    }
}

/// The host of an integration URI (`http://HOST:PORT/path`).
pub(super) fn uri_host(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |x| x.1);
    let authority = rest.split('/').next().unwrap_or_default();
    authority.rsplit_once(':').map_or(authority, |x| x.0)
}

#[cfg(test)]
mod tests {
    use super::uri_host;

    #[test]
    fn hosts_of_integration_uris() {
        assert_eq!(
            uri_host("http://nlb-1.elb.amazonaws.com:8080/{proxy}"),
            "nlb-1.elb.amazonaws.com"
        );
        assert_eq!(uri_host("http://nlb/"), "nlb");
        assert_eq!(uri_host("nlb:80"), "nlb");
    }
}
