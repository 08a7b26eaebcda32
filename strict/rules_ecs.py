"""ECS: what AWS refuses and how long it takes.

Typical times (seconds at `real` pace): a deleted service is DRAINING until its
tasks have stopped — after the target group's deregistration delay — and then
INACTIVE. A service's tasks and deployments are modelled in tasks.py and
deploys.py.
"""

import backends as B
import deploys as D
import rules_iam
import tasks as T


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
        "a deployment (new service, new task definition, forceNewDeployment, new network configuration) is "
        "IN_PROGRESS until its tasks run with healthy targets; a task launched while its execution role is missing, "
        "does not trust ecs-tasks.amazonaws.com or is still propagating fails ('ECS was unable to assume the role', "
        "in the service's events) and is tried again",
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
            # Its tasks have stopped by now; their interfaces linger a while.
            D.stop_all(layer, call, s)

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

    @layer.after("ecs", "CreateService")
    def deploying(layer, call, _data):
        s = B.service_of(call, "serviceName")
        if s is None:
            return
        keep_settings(call, s)
        now = layer.clock.now()
        d = T.new_deployment(layer, call, s, now)
        # ECS starts the first tasks at once.
        D.scale(layer, call, s, T.svc_state(layer, call, s), d, now)
        D.render(s, T.svc_state(layer, call, s))

    @layer.after("ecs", "UpdateService")
    def updated(layer, call, _data):
        s = B.service_of(call, "service")
        if s is None:
            return
        keep_settings(call, s)
        st = T.svc_state(layer, call, s)
        primary = st.deploys[-1] if st.deploys else None
        changed = call.param("taskDefinition") and (primary is None or primary.td != s.task_definition)
        if changed or call.param("forceNewDeployment") or call.param("networkConfiguration"):
            now = layer.clock.now()
            D.scale(layer, call, s, st, T.new_deployment(layer, call, s, now), now)
        D.render(s, st)

    @layer.before("ecs", "ListTasks")
    def list_tasks(layer, call):
        D.list_tasks(layer, call)


def keep_settings(call, s):
    """What moto drops from CreateService (and UpdateService sets under other
    names): the deployment configuration and the health-check grace period."""
    conf = call.param("deploymentConfiguration")
    if conf is not None:
        merged = dict(getattr(s, "deployment_configuration", None) or {"maximumPercent": 200,
                                                                           "minimumHealthyPercent": 100})
        merged.update(conf)
        s.deployment_configuration = merged
    elif getattr(s, "deployment_configuration", None) is None:
        s.deployment_configuration = {"maximumPercent": 200, "minimumHealthyPercent": 100}
    grace = call.param("healthCheckGracePeriodSeconds")
    if grace is not None:
        s.health_check_grace_period_seconds = int(grace)


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
    arns = [lb.get("targetGroupArn", "") for lb in s.load_balancers or []]
    return T.deregistration_delay(call, arns) + T.STOP_SECONDS
