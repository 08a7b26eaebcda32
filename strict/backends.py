"""moto's backends for the account and region of a call, and small readers of them.
Only moto's state is read here; nothing of gatewalk's."""

from moto.apigateway.models import apigateway_backends
from moto.ec2.models import ec2_backends
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.iam.models import iam_backends


def ec2(call):
    return ec2_backends[call.account][call.region]


def ecs(call):
    return ecs_backends[call.account][call.region]


def elbv2(call):
    return elbv2_backends[call.account][call.region]


def apigw(call):
    return apigateway_backends[call.account][call.region]


def iam(call):
    return iam_backends[call.account]["aws"]


def role(call, name):
    for r in iam(call).roles.values():
        if r.name == name:
            return r
    return None


def cluster(call, name_or_arn):
    name = (name_or_arn or "default").split("/")[-1]
    return ecs(call).clusters.get(name)


def services_in(call, cluster_name):
    return [s for s in ecs(call).services.values() if s.cluster_name == cluster_name]


def service(call, cluster_name, name_or_arn):
    name = (name_or_arn or "").split("/")[-1]
    return ecs(call).services.get(f"{cluster_name}:{name}")


def service_of(call, key="service"):
    """The service an ECS call names (`service` or `serviceName`) in its cluster."""
    c = cluster(call, call.param("cluster"))
    return c and service(call, c.name, call.param(key))


def task_definition(call, ref):
    """A task definition by family, family:revision or ARN (latest ACTIVE for a family)."""
    b = ecs(call)
    ref = (ref or "").split("/")[-1]
    family, _, rev = ref.partition(":")
    revs = b.task_definitions.get(family, {})
    if rev:
        return revs.get(int(rev)) if rev.isdigit() else None
    active = [t for t in revs.values() if getattr(t, "status", "ACTIVE") == "ACTIVE"]
    return max(active, key=lambda t: t.revision) if active else None


def enis(call):
    return list(ec2(call).enis.values())


def eni_groups(eni):
    return {g.id for g in eni.group_set}


def subnet(call, subnet_id):
    for subnets in ec2(call).subnets.values():
        if subnet_id in subnets:
            return subnets[subnet_id]
    return None


def load_balancer(call, arn):
    return elbv2(call).load_balancers.get(arn)


def target_group(call, arn):
    return elbv2(call).target_groups.get(arn)
