"""Elastic Load Balancing: the health of the targets ECS registers.

A registered task is `initial` until the health checks have run
`healthy threshold` times (interval x threshold), then `healthy` when the load
balancer can open a TCP connection to it: the task's security group admits the
port from the load balancer's addresses and the container listens on it;
otherwise `unhealthy` (Target.FailedHealthChecks). A target in an Availability
Zone the load balancer has no subnet in, or in a target group no listener
forwards to, is `unused` (Target.NotInUse) whatever it answers. A stopping task
is `draining`. The reason codes and descriptions are AWS's:
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
"""

import uuid

import backends as B
import container as C
import net
from wire import Answer, _xml_escape

NOT_IN_ZONE = ("unused", "Target.NotInUse", "Target is in an Availability Zone that is not enabled for the load balancer")
NO_LISTENER = ("unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer")
INITIAL = ("initial", "Elb.InitialHealthChecking", "Initial health checks in progress")
FAILED = ("unhealthy", "Target.FailedHealthChecks", "Health checks failed")
DRAINING = ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
HEALTHY = ("healthy", None, None)


def reachable(where, life, port, lbs):
    """The load balancers can connect to the task on `port`."""
    if life.phase != "RUNNING":
        return False
    image, ports = C.first(B.task_definition(where, life.task.task_definition_arn))
    if port not in C.listens_on(image, ports):
        return False
    sources, groups = [], []
    for lb in lbs:
        sources += net.lb_addresses(where, lb)
        groups += list(lb.security_groups or [])
    groups_of_task = [g.id for g in life.eni.group_set]
    return net.admits(where, groups_of_task, port, sources, groups)


def of(layer, where, tg_arn, life, port, now, look=False):
    """(state, reason, description) of one task's target, as of now. `look`:
    this evaluation counts as the request that has seen `initial`."""
    if life.stop_at is not None:
        return DRAINING
    forwarding = net.listeners_forwarding_to(where, tg_arn)
    if not forwarding:
        return NO_LISTENER
    lbs = [lb for lb, _ in forwarding]
    if all(life.subnet.availability_zone not in net.lb_zones(where, lb) for lb in lbs):
        return NOT_IN_ZONE
    tg = B.target_group(where, tg_arn)
    interval = int(tg.health_check_interval_seconds or 30)
    needed = int(tg.healthy_threshold_count or 5) if reachable(where, life, port, lbs) else int(
        tg.unhealthy_threshold_count or 2
    )
    if not life.health_seen:
        if look:
            life.health_seen = True
        return INITIAL
    if now < life.registered + layer.clock.scale(interval * needed):
        return INITIAL
    return HEALTHY if reachable(where, life, port, lbs) else FAILED


def describe(layer, call, now):
    """DescribeTargetHealth, answered from the model (moto calls every target healthy)."""
    arn = call.param("TargetGroupArn")
    tg = B.target_group(call, arn)
    if tg is None:
        return  # moto answers TargetGroupNotFound
    asked = {call.params[k] for k in call.params if k.startswith("Targets.member.") and k.endswith(".Id")}
    rows = []
    for tid, t in tg.targets.items():
        if asked and tid not in asked:
            continue
        port = int(t.get("Port") or tg.port or 0)
        life = layer.by_ip.get((call.account, call.region, tid))
        state = of(layer, call, arn, life, port, now, look=True) if life is not None else FAILED
        rows.append((tid, port, t.get("AvailabilityZone"), state))
    raise Answer(200, "text/xml", _xml(tg, rows))


def _xml(tg, rows):
    members = []
    for tid, port, az, (state, reason, desc) in rows:
        zone = f"<AvailabilityZone>{az}</AvailabilityZone>" if az else ""
        extra = ""
        if reason:
            extra = f"<Reason>{reason}</Reason><Description>{_xml_escape(desc)}</Description>"
        hc_port = tg.health_check_port if tg.health_check_port not in (None, "traffic-port") else port
        members.append(
            f"<member><HealthCheckPort>{hc_port}</HealthCheckPort><Target><Id>{tid}</Id><Port>{port}</Port>{zone}"
            f"</Target><TargetHealth><State>{state}</State>{extra}</TargetHealth></member>"
        )
    return (
        '<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
        f"<DescribeTargetHealthResult><TargetHealthDescriptions>{''.join(members)}</TargetHealthDescriptions>"
        f"</DescribeTargetHealthResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</DescribeTargetHealthResponse>"
    )
