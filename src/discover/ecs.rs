//! The ECS and ELB links of the chain: a service leads to its cluster, task
//! definition (and so the execution role), security group, target group and
//! the NLB's listener; the placeholder target group is the one in the VPC no
//! service uses. Clusters and task definitions with no service yet are
//! bound where only one deployment could own them.

use super::region::Region;
use super::{Deployment, Maker};
use crate::aws::tags::SESSION_KEY;
use crate::model::OutputKey as K;
use aws_sdk_ecs::types::{Cluster, Service, TaskDefinition};
use aws_sdk_elasticloadbalancingv2::types::LoadBalancer;

/// Binds what a service leads to.
pub(super) fn bind_service(
    r: &Region,
    d: &mut Deployment,
    s: &Service,
    nlb: Option<&LoadBalancer>,
) {
    d.bind_opt(K::Service, s.service_arn());
    d.bind_opt(K::Cluster, s.cluster_arn());
    d.bind(K::ClusterCreated, "false");
    if let Some(td) = s.task_definition().and_then(|arn| {
        r.task_defs
            .iter()
            .find(|t| t.task_definition_arn() == Some(arn))
    }) {
        bind_task_definition(d, td);
    } else {
        d.bind_opt(K::TaskDefinition, s.task_definition());
    }
    let awsvpc = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    if let Some(sg) = awsvpc.and_then(|a| a.security_groups().first()) {
        d.bind(K::SecurityGroup, sg);
    }
    let tg = s.load_balancers().iter().find_map(|l| l.target_group_arn());
    d.bind_opt(K::ServiceTargetGroup, tg);
    let Some(lb) = nlb.and_then(LoadBalancer::load_balancer_arn) else {
        return;
    };
    let listeners: Vec<_> = r
        .listeners
        .iter()
        .filter(|l| l.load_balancer_arn() == Some(lb))
        .collect();
    let forwarding = listeners.iter().find(|l| {
        l.default_actions()
            .iter()
            .any(|a| a.target_group_arn().is_some() && a.target_group_arn() == tg)
    });
    if let Some(l) = forwarding.or(listeners.first()) {
        d.bind_opt(K::Listener, l.listener_arn());
    }
}

/// Binds a task definition and the execution role it names.
pub(super) fn bind_task_definition(d: &mut Deployment, td: &TaskDefinition) {
    d.bind_opt(K::TaskDefinition, td.task_definition_arn());
    if let Some(role) = td.execution_role_arn() {
        d.bind(K::ExecutionRole, role);
        d.bind(K::ExecutionRoleCreated, "false");
    }
}

/// The placeholder target group: one in the VPC that no service uses,
/// attached to the NLB (step 4 made it so) or to nothing. Once a service
/// runs and none is left, step 7 has nothing to retire.
pub(super) fn bind_placeholder(
    r: &Region,
    d: &mut Deployment,
    nlb: Option<&LoadBalancer>,
    svc: Option<&Service>,
) {
    let used: Vec<&str> = r.used_target_groups().collect();
    let lb = nlb.and_then(LoadBalancer::load_balancer_arn);
    let mut free: Vec<_> = r
        .target_groups
        .iter()
        .filter(|t| t.vpc_id() == Some(d.vpc.as_str()))
        .filter(|t| t.target_group_arn().is_some_and(|a| !used.contains(&a)))
        .filter(|t| {
            let lbs = t.load_balancer_arns();
            lbs.is_empty() || lbs.iter().any(|a| Some(a.as_str()) == lb)
        })
        .collect();
    free.sort_by_key(|t| (t.load_balancer_arns().is_empty(), t.target_group_name()));
    match free.first() {
        Some(t) => d.bind_opt(K::Placeholder, t.target_group_arn()),
        None if svc.is_some() => d.bind(K::RetiredPlaceholder, "none"),
        None => {}
    }
    // Before a service, the console's NLB already has its listener (to the
    // placeholder): bound as yours, step 6 points it at the service.
    if svc.is_none()
        && let Some(lb) = lb
    {
        let ph = d.get(K::Placeholder).map(str::to_string);
        let mut ls: Vec<_> = r
            .listeners
            .iter()
            .filter(|l| l.load_balancer_arn() == Some(lb))
            .collect();
        ls.sort_by_key(|l| {
            let to_ph = l
                .default_actions()
                .iter()
                .any(|a| a.target_group_arn().is_some() && a.target_group_arn() == ph.as_deref());
            (!to_ph, l.port())
        });
        if let Some(l) = ls.first() {
            d.bind_opt(K::Listener, l.listener_arn());
        }
    }
}

/// What has no service yet: clusters with none, and task definitions of
/// families no service runs.
struct Idle<'r> {
    clusters: Vec<&'r Cluster>,
    defs: Vec<&'r TaskDefinition>,
    /// What one deployment took, no other takes.
    taken: Vec<String>,
}

/// Clusters with no service and task definition families no service runs,
/// bound to deployments that have no service: by the session tag for
/// gatewalk's, and for yours by name (see [`by_name`]); anything else is a
/// guess, and is noted.
pub(super) fn bind_idle(r: &Region, deployments: &mut [Deployment]) {
    let run: Vec<&str> = r
        .services
        .iter()
        .filter_map(Service::task_definition)
        .collect();
    let mut idle = Idle {
        clusters: r
            .clusters
            .iter()
            .filter(|c| c.active_services_count() == 0)
            .collect(),
        defs: r
            .task_defs
            .iter()
            .filter(|t| t.task_definition_arn().is_some_and(|a| !run.contains(&a)))
            .filter(|t| {
                let fam = t.family();
                !r.task_defs.iter().any(|o| {
                    o.family() == fam && o.task_definition_arn().is_some_and(|a| run.contains(&a))
                })
            })
            .collect(),
        taken: Vec::new(),
    };
    let waiting: Vec<usize> = (0..deployments.len())
        .filter(|&i| !deployments[i].has(K::Cluster))
        .collect();
    let alone = waiting
        .iter()
        .filter(|&&j| !matches!(deployments[j].maker, Maker::Gatewalk(_)))
        .count()
        == 1;
    for &i in &waiting {
        let d = &mut deployments[i];
        match d.maker.clone() {
            Maker::Gatewalk(session) => idle_of_session(r, d, &idle, &session),
            Maker::You => idle_of_yours(r, d, &mut idle, alone),
        }
    }
}

/// For gatewalk's deployment: what carries its session's tag.
fn idle_of_session(r: &Region, d: &mut Deployment, idle: &Idle<'_>, session: &str) {
    let tagged = |c: &&&Cluster| {
        c.tags()
            .iter()
            .any(|t| t.key() == Some(SESSION_KEY) && t.value() == Some(session))
    };
    if let Some(c) = idle.clusters.iter().find(tagged) {
        d.bind_opt(K::Cluster, c.cluster_arn());
    }
    let ours = |t: &&&TaskDefinition| {
        t.task_definition_arn()
            .and_then(|a| r.def_sessions.get(a))
            .is_some_and(|s| s == session)
    };
    if let Some(t) = idle.defs.iter().find(ours) {
        bind_task_definition(d, t);
    }
}

/// For yours: what no session tags, named like the deployment.
fn idle_of_yours(r: &Region, d: &mut Deployment, idle: &mut Idle<'_>, alone: bool) {
    let mut names = vec![d.vpc_name.clone()];
    if let Some(lb) = d
        .get(K::LoadBalancer)
        .and_then(|a| r.nlbs.iter().find(|x| x.load_balancer_arn() == Some(a)))
    {
        names.push(lb.load_balancer_name().unwrap_or_default().to_string());
    }
    let taken = |arn: Option<&str>| idle.taken.iter().any(|t| Some(t.as_str()) == arn);
    let clusters: Vec<_> = idle
        .clusters
        .iter()
        .copied()
        .filter(|c| !c.tags().iter().any(|t| t.key() == Some(SESSION_KEY)))
        .filter(|c| !taken(c.cluster_arn()))
        .collect();
    // The revisions gatewalk's sessions made are theirs alone.
    let defs: Vec<_> = idle
        .defs
        .iter()
        .copied()
        .filter(|t| {
            t.task_definition_arn()
                .is_some_and(|a| !r.def_sessions.contains_key(a) && !taken(Some(a)))
        })
        .collect();
    match by_name(
        &names,
        &clusters,
        |c| c.cluster_name().unwrap_or_default(),
        alone,
    ) {
        Some(c) => {
            d.bind_opt(K::Cluster, c.cluster_arn());
            d.bind(K::ClusterCreated, "false");
            idle.taken
                .push(c.cluster_arn().unwrap_or_default().to_string());
        }
        None if clusters.is_empty() => {}
        None => d.note(format!(
            "{} ECS clusters have no service yet and none is clearly this deployment's; \
             bind yours with `gatewalk adopt --bind cluster_arn=ARN`",
            clusters.len()
        )),
    }
    match by_name(&names, &defs, |t| t.family().unwrap_or_default(), alone) {
        Some(t) => {
            bind_task_definition(d, t);
            idle.taken
                .push(t.task_definition_arn().unwrap_or_default().to_string());
        }
        None if defs.is_empty() => {}
        None => d.note(format!(
            "{} task definition families have no service yet and none is clearly this \
             deployment's; bind yours with `gatewalk adopt --bind task_definition_arn=ARN`",
            defs.len()
        )),
    }
}

/// The candidate whose name starts the most like one of `names` (the VPC's
/// and the NLB's: `pubquiz-vpc`, `pubquiz-nlb` go with `pubquiz-cluster`),
/// if one does so alone by at least three characters; else the only
/// candidate when this is the only deployment that could take it.
fn by_name<'c, T>(
    names: &[String],
    cands: &[&'c T],
    name_of: impl Fn(&T) -> &str,
    alone: bool,
) -> Option<&'c T> {
    let shared = |a: &str, b: &str| {
        a.chars()
            .zip(b.chars())
            .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
            .count()
    };
    let score = |c: &T| {
        names
            .iter()
            .map(|n| shared(n, name_of(c)))
            .max()
            .unwrap_or(0)
    };
    let best = cands.iter().map(|c| score(c)).max().unwrap_or(0);
    let top: Vec<_> = cands.iter().filter(|c| score(c) == best).collect();
    match (top.as_slice(), cands) {
        ([one], _) if best >= 3 => Some(one),
        (_, [only]) if alone => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::by_name;

    #[test]
    fn idle_resources_go_with_the_deployment_they_are_named_like() {
        let names = ["pubquiz-vpc".to_string(), "pubquiz-nlb".to_string()];
        let c = ["other-cluster", "pubquiz-cluster"];
        let refs: Vec<&&str> = c.iter().collect();
        assert_eq!(
            by_name(&names, &refs, |x| x, false),
            Some(&"pubquiz-cluster")
        );
        let one = ["default"];
        let one: Vec<&&str> = one.iter().collect();
        assert_eq!(by_name(&names, &one, |x| x, true), Some(&"default"));
        assert_eq!(by_name(&names, &one, |x| x, false), None);
        let tie = ["pub-a", "pub-b"];
        let tie: Vec<&&str> = tie.iter().collect();
        assert_eq!(by_name(&names, &tie, |x| x, false), None);
    }
}
