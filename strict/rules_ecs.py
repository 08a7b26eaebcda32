"""ECS: what AWS refuses and how long it takes.

Typical times (seconds at `real` pace):
- a new deployment reaches steady state after its tasks are provisioned, pull the
  image and pass the load balancer's health checks: about a minute;
- a deleted service is DRAINING until its tasks have stopped — after the target
  group's deregistration delay — and then INACTIVE;
- a stopped Fargate task's network interface is released a while after the task.
"""

from moto.core.utils import utcnow

import backends as B
import rules_iam

DEPLOY_SECONDS = 60
TASK_STOP_SECONDS = 10
TASK_ENI_LINGER_SECONDS = 45
DEFAULT_DEREGISTRATION_DELAY = 300

# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}

ECS_SLR = "AWSServiceRoleForECS"


def register(layer):
    layer.rule(
        "ecs-delete-cluster-with-services",
        "DeleteCluster while the cluster has ACTIVE or DRAINING services: ClusterContainsServicesException",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html",
    )
    layer.rule(
        "ecs-delete-service-scaled",
        "DeleteService of a service with a desired count above 0 without force: InvalidParameterException; "
        "DeleteService or UpdateService of a service that is not ACTIVE: ServiceNotActiveException",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html",
    )
    layer.rule(
        "ecs-service-draining",
        "a deleted service is DRAINING until its tasks stop (the target group's deregistration delay), then INACTIVE; "
        "its task network interfaces are released after that",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html",
    )
    layer.rule(
        "ecs-deployment-takes-time",
        "a deployment (new service, new task definition, more tasks) is IN_PROGRESS until its new tasks run; a "
        "task started while its execution role is still propagating fails ('ECS was unable to assume the role', "
        "in the service's events) and costs the deployment another round",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html",
    )
    layer.rule(
        "ecs-service-linked-role",
        "ECS makes its service-linked role on CreateCluster or CreateService when the account has none; until "
        "the role has propagated CreateService fails: InvalidParameterException 'Unable to assume the service "
        "linked role'",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html",
    )
    layer.rule(
        "ecs-create-service-load-balancer",
        "CreateService with a target group that no listener uses, of target type other than ip for awsvpc, or a "
        "container name/port not in the task definition: InvalidParameterException",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html",
    )
    layer.rule(
        "ecs-create-service-inactive",
        "CreateService in an INACTIVE cluster (ClusterNotFoundException) or with the name of a DRAINING service "
        "(InvalidParameterException 'Creation of service was not idempotent')",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
    )
    layer.rule(
        "ecs-client-token",
        "CreateService with a clientToken longer than 36 characters: InvalidParameterException",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
    )
    layer.rule(
        "ecs-fargate-sizes",
        "RegisterTaskDefinition for Fargate with a cpu/memory pair Fargate does not offer, or a network mode other "
        "than awsvpc: ClientException",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size",
    )

    layer.rule(
        "ecs-describe-family-active",
        "a task definition named by family alone (DescribeTaskDefinition, CreateService, UpdateService) is its "
        "latest ACTIVE revision, never a deregistered one; a family with no ACTIVE revision: ClientException",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html",
    )

    @layer.before("ecs", "DescribeTaskDefinition")
    def latest_active(layer, call):
        latest_active_revision(layer, call)

    @layer.before("ecs", "DeleteCluster")
    def delete_cluster(layer, call):
        c = B.cluster(call, call.param("cluster"))
        if c is None:
            return
        busy = [s for s in B.services_in(call, c.name) if s.status in ("ACTIVE", "DRAINING")]
        if busy:
            raise layer.refuse(
                "ecs-delete-cluster-with-services",
                "ClusterContainsServicesException",
                "The Cluster cannot be deleted while Services are active.",
            )

    @layer.before("ecs", "DeleteService")
    def delete_service(layer, call):
        s = B.service_of(call, "service")
        if s is None:
            return
        if s.status != "ACTIVE":
            raise layer.refuse("ecs-delete-service-scaled", "ServiceNotActiveException", "Service was not ACTIVE.")
        if s.desired_count > 0 and not call.param("force"):
            raise layer.refuse(
                "ecs-delete-service-scaled",
                "InvalidParameterException",
                "The service cannot be stopped while it is scaled above 0.",
            )

    @layer.after("ecs", "DeleteService")
    def drain(layer, call, _data):
        s = B.service_of(call, "service")
        if s is None:
            return
        s.status = "DRAINING"
        stop = drain_seconds(call, s)

        def inactive():
            s.status = "INACTIVE"
            s.running_count = 0
            s.pending_count = 0
            # The tasks' interfaces go only after the service is INACTIVE.
            release_task_enis(layer, call, s, 0, 0)

        layer.timeline.schedule(("ecs-service", s.arn), stop, inactive)

    @layer.before("ecs", "RegisterTaskDefinition")
    def fargate_sizes(layer, call):
        if "FARGATE" not in (call.param("requiresCompatibilities") or []):
            return
        if call.param("networkMode") != "awsvpc":
            raise layer.refuse(
                "ecs-fargate-sizes", "ClientException", "Fargate only supports network mode 'awsvpc'."
            )
        cpu, mem = str(call.param("cpu") or ""), str(call.param("memory") or "")
        if not (cpu.isdigit() and mem.isdigit()):
            return
        if int(mem) not in FARGATE_SIZES.get(int(cpu), []):
            raise layer.refuse(
                "ecs-fargate-sizes",
                "ClientException",
                f"No Fargate configuration exists for given values: {cpu} CPU, {mem} memory. "
                "See the Amazon ECS documentation for the valid values.",
            )

    @layer.before("ecs", "CreateService")
    def create_service(layer, call):
        c = B.cluster(call, call.param("cluster"))
        if c is not None and c.status != "ACTIVE":
            raise layer.refuse(
                "ecs-create-service-inactive", "ClusterNotFoundException", "The referenced cluster was inactive."
            )
        if c is not None:
            old = B.service(call, c.name, call.param("serviceName"))
            if old is not None and old.status == "DRAINING":
                raise layer.refuse(
                    "ecs-create-service-inactive",
                    "InvalidParameterException",
                    "Creation of service was not idempotent.",
                )
        if len(call.param("clientToken") or "") > 36:
            raise layer.refuse(
                "ecs-client-token",
                "InvalidParameterException",
                "clientToken must be at most 36 characters.",
            )
        rules_iam.ensure_ecs_slr(layer, call)
        if not rules_iam.usable(layer, call.account, ECS_SLR):
            raise layer.refuse(
                "ecs-service-linked-role",
                "InvalidParameterException",
                "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
            )
        latest_active_revision(layer, call)
        td = B.task_definition(call, call.param("taskDefinition"))
        if td is None:
            return
        for lb in call.param("loadBalancers") or []:
            check_load_balancer(layer, call, td, lb)

    @layer.after("ecs", "CreateCluster")
    def cluster_made(layer, call, _data):
        rules_iam.ensure_ecs_slr(layer, call)

    @layer.before("ecs", "UpdateService")
    def update_service(layer, call):
        s = B.service_of(call, "service")
        if s is None:
            return
        if s.status != "ACTIVE":
            raise layer.refuse("ecs-delete-service-scaled", "ServiceNotActiveException", "Service was not ACTIVE.")
        latest_active_revision(layer, call)
        # moto sets the running count to the new desired count at once.
        call.stash = s.running_count

    @layer.after("ecs", "CreateService")
    def deploying(layer, call, _data):
        s = B.service_of(call, "serviceName")
        if s is None:
            return
        start_deployment(layer, call, s)
        sync_task_enis(layer, call, s, s.desired_count)

    @layer.after("ecs", "UpdateService")
    def updated(layer, call, _data):
        s = B.service_of(call, "service")
        if s is None:
            return
        before = call.stash if call.stash is not None else s.running_count
        if call.param("desiredCount") is not None:
            n = int(call.param("desiredCount"))
            release_task_enis(layer, call, s, n, drain_seconds(call, s))
            sync_task_enis(layer, call, s, n)
        if call.param("taskDefinition") or call.param("forceNewDeployment") or s.desired_count > before:
            # New tasks start only after a deployment; the old ones keep running.
            start_deployment(layer, call, s, running=min(before, s.desired_count))


def latest_active_revision(layer, call):
    """A family alone names its latest ACTIVE revision (moto: its latest, even a
    deregistered one); the request goes on naming that revision."""
    ref = (call.param("taskDefinition") or "").split("/")[-1]
    if not ref or ":" in ref:
        return
    revs = B.ecs(call).task_definitions.get(ref, {})
    if not revs:
        return
    active = [t for t in revs.values() if t.status == "ACTIVE"]
    if not active:
        raise layer.refuse("ecs-describe-family-active", "ClientException", "Unable to describe task definition.")
    call.params["taskDefinition"] = f"{ref}:{max(active, key=lambda t: t.revision).revision}"
    call.rewritten = True


def check_load_balancer(layer, call, td, lb):
    arn = lb.get("targetGroupArn")
    if not arn:
        return
    tg = B.target_group(call, arn)
    if tg is None:
        raise layer.refuse(
            "ecs-create-service-load-balancer",
            "InvalidParameterException",
            f"Unable to find target group {arn}.",
        )
    if td.network_mode == "awsvpc" and tg.target_type != "ip":
        raise layer.refuse(
            "ecs-create-service-load-balancer",
            "InvalidParameterException",
            f"The provided target group {arn} has target type {tg.target_type}, which is incompatible with the "
            "awsvpc network mode specified in the task definition.",
        )
    if not B.elbv2(call)._any_listener_using(arn):
        raise layer.refuse(
            "ecs-create-service-load-balancer",
            "InvalidParameterException",
            f"The target group with targetGroupArn {arn} does not have an associated load balancer.",
        )
    name, port = lb.get("containerName"), lb.get("containerPort")
    containers = {cd.get("name"): cd for cd in td.container_definitions}
    if name not in containers:
        raise layer.refuse(
            "ecs-create-service-load-balancer",
            "InvalidParameterException",
            f"The container {name} does not exist in the task definition.",
        )
    ports = {m.get("containerPort") for m in containers[name].get("portMappings") or []}
    if port is not None and int(port) not in ports:
        raise layer.refuse(
            "ecs-create-service-load-balancer",
            "InvalidParameterException",
            f"The container {name} did not have a container port {port} defined.",
        )


def drain_seconds(call, s):
    """Tasks stop after the longest deregistration delay of the service's target groups."""
    delay = 0
    for lb in s.load_balancers or []:
        tg = B.target_group(call, lb.get("targetGroupArn", ""))
        if tg is not None:
            raw = tg.attributes.get("deregistration_delay.timeout_seconds", DEFAULT_DEREGISTRATION_DELAY)
            delay = max(delay, int(raw))
    return delay + TASK_STOP_SECONDS


def start_deployment(layer, call, s, running=0):
    """The new tasks run only once the deployment is done. A task started while
    its execution role is still propagating stops ("ECS was unable to assume the
    role") and ECS starts another: one more round of the deployment."""
    s.running_count = running
    s.pending_count = s.desired_count - running
    for d in s.deployments:
        d.update(rolloutState="IN_PROGRESS", runningCount=running, pendingCount=s.pending_count)
        d["rolloutStateReason"] = f"ECS deployment {d['id']} in progress."
    td = B.task_definition(call, s.task_definition)
    role = (getattr(td, "execution_role_arn", None) or "").split("/")[-1]
    key = ("ecs-deploy", s.arn)
    failed_once = [bool(role) and not rules_iam.usable(layer, call.account, role)]

    def steady():
        if s.status != "ACTIVE":
            return
        if failed_once[0] or (role and not rules_iam.usable(layer, call.account, role)):
            failed_once[0] = False
            s.events.insert(0, {
                "id": f"{s.name}-{len(s.events)}",
                "createdAt": utcnow(),
                "message": f"(service {s.name}) failed to launch a task: ECS was unable to assume the role "
                f"'{td.execution_role_arn}' that was provided for this task.",
            })
            layer.timeline.schedule(key, DEPLOY_SECONDS / 2, steady)
            return
        s.running_count = s.desired_count
        s.pending_count = 0
        for d in s.deployments:
            d.update(rolloutState="COMPLETED", runningCount=s.desired_count, pendingCount=0, updatedAt=utcnow())
            d["rolloutStateReason"] = f"ECS deployment {d['id']} completed."

    layer.timeline.schedule(key, DEPLOY_SECONDS, steady)


def _key(call, s):
    return ("task", call.account, call.region, s.arn)


def sync_task_enis(layer, call, s, count):
    """One network interface per task, in the service's subnets with its security groups."""
    conf = (s.network_configuration or {}).get("awsvpcConfiguration") or {}
    subnets = conf.get("subnets") or []
    groups = conf.get("securityGroups") or []
    have = layer.enis.setdefault(_key(call, s), [])
    ec2 = B.ec2(call)
    while len(have) < count and subnets:
        sn = B.subnet(call, subnets[len(have) % len(subnets)])
        if sn is None:
            break
        eni = ec2.create_network_interface(
            sn, None, group_ids=groups, description=f"arn:aws:ecs:{call.region}:{call.account}:attachment/{s.name}"
        )
        eni.requester_managed = True
        eni.status = "in-use"
        have.append(eni.id)


def release_task_enis(layer, call, s, keep, after_seconds):
    have = layer.enis.get(_key(call, s), [])
    gone, have[:] = have[keep:], have[:keep]
    ec2 = B.ec2(call)
    for eni_id in gone:
        layer.timeline.schedule(
            ("eni", eni_id), after_seconds + TASK_ENI_LINGER_SECONDS, lambda i=eni_id: ec2.enis.pop(i, None)
        )
