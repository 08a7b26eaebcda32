"""ECS: the tasks of a Fargate service, as AWS runs them.

moto makes a service but never starts a task. Here a service's deployment
launches its tasks, and each goes PROVISIONING (its network interface is
attached) -> PENDING (the image is pulled, the log driver set up) -> RUNNING,
at the pace setting, and only when AWS would let it:
- ECS must be able to assume the execution role (it exists, trusts
  ecs-tasks.amazonaws.com, has propagated);
- the log driver needs the log group and the role's logs permissions;
- the image must be reachable (a route to a NAT gateway in a public subnet, a
  public IP in a public subnet, or, for a private ECR image, the ecr.api and
  ecr.dkr endpoints with private DNS whose security groups admit HTTPS from
  the task, and the S3 gateway endpoint on the subnet's route table) and must
  exist (see container.py for the `does-not-exist` convention; an image of the
  account's own ECR must be in its repository, or be imported through a
  pull-through cache rule: rules_ecr.py).
A task that cannot start is STOPPED with the stoppedReason AWS writes, and the
service launches another. A running task is registered with the service's
target groups; one the load balancer finds unhealthy is stopped by ECS
("Task failed ELB health checks") once the grace period is over, and replaced.
The deployment is COMPLETED when its tasks run and their targets are healthy;
with the deployment circuit breaker on, enough failed tasks make it FAILED and
(with rollback) ECS rolls back to the last completed deployment.

Everything is recomputed at the start of each request (`reconcile`) from
moto's state and the layer's record of each task; at `instant` pace each phase
still lasts until one request has seen it.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
"""

import math
import uuid

from moto.core.utils import utcnow
from moto.ecs.models import Container, Task, ecs_backends
from moto.moto_api._internal.managed_state_model import ManagedState

import backends as B
import container as C
import health
import net
import perms
import rules_ecr
import rules_iam

PROVISION_SECONDS = 20
PULL_SECONDS = 20
STOP_SECONDS = 10
RETRY_SECONDS = 30
ENI_LINGER_SECONDS = 45
DEFAULT_DEREGISTRATION_DELAY = 300


class Where:
    """An account and region, where backends.py expects a call."""

    def __init__(self, account, region):
        self.account = account
        self.region = region


class Deploy:
    def __init__(self, td_arn, now, desired, net_conf):
        self.id = f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"
        self.td = td_arn
        self.rollout = "IN_PROGRESS"
        self.reason = f"ECS deployment {self.id} in progress."
        self.failed = 0
        self.created = utcnow()
        self.updated = self.created
        self.desired = desired
        self.net = net_conf
        self.since = now


class Life:
    """What the layer knows of one task beyond moto's record of it."""

    def __init__(self, task, deploy, eni, subnet, now):
        self.task = task
        self.deploy = deploy
        self.eni = eni
        self.ip = eni.private_ip_address
        self.subnet = subnet
        self.phase = "PROVISIONING"
        self.since = now
        self.seen = False
        self.targets = []  # (target group arn, port) registered
        self.registered = None
        self.health_seen = False
        self.stop_at = None


class Svc:
    def __init__(self):
        self.deploys = []
        self.tasks = []
        self.next_launch = 0.0


def svc_state(layer, where, s):
    return layer.svcs.setdefault((where.account, where.region, s.arn), Svc())


def new_deployment(layer, where, s, now):
    """A deployment of the service's current task definition (CreateService, a
    new task definition, forceNewDeployment)."""
    st = svc_state(layer, where, s)
    # Deployments with no task left (a failed one) are no longer listed.
    st.deploys = [x for x in st.deploys if any(t.deploy is x and t.stop_at is None for t in st.tasks)]
    d = Deploy(s.task_definition, now, s.desired_count, s.network_configuration)
    st.deploys.append(d)
    st.next_launch = 0.0
    return d


def circuit_breaker(s):
    conf = getattr(s, "deployment_configuration", None) or {}
    cb = conf.get("deploymentCircuitBreaker") or {}
    return bool(cb.get("enable")), bool(cb.get("rollback"))


def failure_threshold(desired):
    """Half the desired count, at least 3 and at most 200."""
    return min(200, max(3, math.ceil(desired * 0.5)))


def event(s, message):
    s.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": f"(service {s.name}) {message}"})
    del s.events[100:]


def make_task(where, s, d, eni, subnet):
    b = ecs_backends[where.account][where.region]
    td = B.task_definition(where, d.td)
    cluster = b.clusters[s.cluster_name]
    t = Task.__new__(Task)
    # A state the layer sets itself: moto's own transitions would move it on
    # every describe.
    ManagedState.__init__(t, "gatewalk::task", [("PROVISIONING", "PROVISIONING")])
    t.id = str(uuid.uuid4()).replace("-", "")
    t.cluster_name, t.cluster_arn = cluster.name, cluster.arn
    t.container_instance_arn = None
    t.desired_status = "RUNNING"
    t.last_status = "PROVISIONING"
    t.task_definition_arn = td.arn
    t.overrides = {}
    t.containers = [Container(td)]
    t.started_by = d.id
    t.tags = []
    t.launch_type = "FARGATE"
    t.capacity_provider_name = None
    t.platform_version = "1.4.0"
    t.stopped_reason = ""
    t.resource_requirements = None
    t.region_name = where.region
    t._account_id = where.account
    t._backend = b
    t.group = f"service:{s.name}"
    t.availability_zone = subnet.availability_zone
    t.created_at = utcnow()
    t.cpu, t.memory = td.cpu, td.memory
    t.attachments = [{
        "id": str(uuid.uuid4()),
        "type": "ElasticNetworkInterface",
        "status": "ATTACHED",
        "details": [
            {"name": "subnetId", "value": subnet.id},
            {"name": "networkInterfaceId", "value": eni.id},
            {"name": "macAddress", "value": eni.mac_address},
            {"name": "privateIPv4Address", "value": eni.private_ip_address},
        ],
    }]
    b.tasks.setdefault(cluster.name, {})[t.task_arn] = t
    return t, td


def launch(layer, where, s, st, d, now):
    """One task of deployment `d`, or a service event saying why none could start."""
    td = B.task_definition(where, d.td)
    conf = (d.net or {}).get("awsvpcConfiguration") or {}
    subnets = conf.get("subnets") or []
    if td is None or not subnets:
        return None
    role_arn = getattr(td, "execution_role_arn", None)
    if role_arn:
        role = perms.role_by_arn(where, role_arn)
        name = role_arn.split("/")[-1]
        if role is None or not perms.trusts_tasks(role) or not rules_iam.usable(layer, where.account, name):
            event(s, f"failed to launch a task: ECS was unable to assume the role '{role_arn}' that was provided "
                  "for this task. Please verify that the role being passed has the proper trust relationship and "
                  "permissions and that your IAM user has permissions to pass this role.")
            d.failed += 1
            st.next_launch = now + layer.clock.scale(RETRY_SECONDS)
            return None
    live = [x for x in st.tasks if x.stop_at is None]
    subnet = B.subnet(where, subnets[len(live) % len(subnets)])
    if subnet is None:
        return None
    ec2 = B.ec2(where)
    taken = {e.private_ip_address for e in ec2.enis.values()}
    for _ in range(20):
        eni = ec2.create_network_interface(
            subnet, None, group_ids=conf.get("securityGroups") or [],
            description=f"arn:aws:ecs:{where.region}:{where.account}:attachment/{uuid.uuid4()}",
        )
        if eni.private_ip_address not in taken:
            break
        # moto picks addresses at random: one in use is given back and drawn again.
        ec2.enis.pop(eni.id, None)
    eni.requester_managed = True
    eni.status = "in-use"
    task, _ = make_task(where, s, d, eni, subnet)
    life = Life(task, d, eni, subnet, now)
    life.public_ip = conf.get("assignPublicIp") == "ENABLED"
    st.tasks.append(life)
    layer.by_ip[(where.account, where.region, life.ip)] = life
    event(s, f"has started 1 tasks: (task {task.id}).")
    return life


def start_failure(layer, where, life):
    """Why the task cannot start (the stoppedReason AWS writes), or None."""
    td = B.task_definition(where, life.task.task_definition_arn)
    role = perms.role_by_arn(where, getattr(td, "execution_role_arn", None))
    out = net.way_out(where, life.subnet.id, life.public_ip)
    endpoints = net.endpoint_services(where, life.subnet.vpc_id, life.subnet.id, life.ip, B.eni_groups(life.eni))
    timeout = "dial tcp {ip}:443: i/o timeout"
    for cd in td.container_definitions:
        image = cd.get("image") or ""
        ref = C.reference(image)
        own = C.private_ecr(image) and rules_ecr.own_image(where, image) is not None
        if C.private_ecr(image):
            if role is None or perms.missing(role, perms.PULL_ACTIONS):
                return ("ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                        "retrieval failed: unable to retrieve ecr registry auth: AccessDeniedException: the task "
                        "execution role is not authorized to perform ecr:GetAuthorizationToken")
            if out:
                why = ecr_unreachable(where, ref, endpoints)
                if why:
                    return why
            why = rules_ecr.pull(layer, where, role, image, life.task.id, way_out=out is None)
            if why:
                return why
        if not C.private_ecr(image) and out:
            reg = C.registry(image)
            reg = "registry-1.docker.io" if reg == "docker.io" else reg
            repo, _, tag = ref.split("/", 1)[1].rpartition(":")
            return (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve "
                    f"ref {ref}: failed to do request: Head \"https://{reg}/v2/{repo}/manifests/{tag}\": "
                    + timeout.format(ip="99.83.145.10"))
        if not own and not C.exists(image):
            return (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve "
                    f"ref {ref}: {ref}: not found")
        logs = C.awslogs(td, cd)
        if logs:
            group, region = logs[0], logs[1] or where.region
            why = None
            if role is None:
                why = "NoCredentialProviders: no valid providers in chain (the task definition has no execution role)"
            elif perms.missing(role, perms.LOG_ACTIONS):
                why = (f"AccessDeniedException: User: arn:aws:sts::{where.account}:assumed-role/{role.name}/"
                       f"{life.task.id} is not authorized to perform: logs:CreateLogStream")
            elif out and "logs" not in endpoints:
                why = (f"RequestError: send request failed caused by: Post \"https://logs.{region}.amazonaws.com/\": "
                       + timeout.format(ip="10.0.0.2"))
            elif C.log_group(where.account, region, group or "") is None:
                why = "ResourceNotFoundException: The specified log group does not exist."
            if why:
                return ("ResourceInitializationError: failed to validate logger args: create stream has been "
                        f"retried 1 times: failed to create Cloudwatch log stream: {why} : exit status 1")
    return None


def ecr_unreachable(where, ref, endpoints):
    """Without a way to the internet, a private ECR image is pulled through the
    ecr.api endpoint (registry auth), the ecr.dkr endpoint (the manifest) and the
    S3 gateway endpoint (the layers, in ECR's S3 bucket); the stoppedReason of
    the first one missing, or None.
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html"""
    timeout = "dial tcp {ip}:443: i/o timeout"
    if "ecr.api" not in endpoints:
        return ("ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                "retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 "
                f"time(s): RequestError: send request failed caused by: Post \"https://api.ecr."
                f"{where.region}.amazonaws.com/\": {timeout.format(ip='10.0.0.1')}. Please check your task "
                "network configuration.")
    host, _, rest = ref.partition("/")
    repo, _, tag = rest.rpartition(":")
    if "ecr.dkr" not in endpoints:
        return (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
                f"{ref}: failed to do request: Head \"https://{host}/v2/{repo}/manifests/{tag}\": "
                + timeout.format(ip="52.46.140.10"))
    if "s3" not in endpoints:
        # ECR keeps the layers in S3; without the gateway endpoint their download times out.
        key = uuid.uuid5(uuid.NAMESPACE_URL, ref)
        return (f"CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: "
                f"failed open: failed to do request: Get \"https://prod-{where.region}-starport-layer-bucket.s3."
                f"{where.region}.amazonaws.com/{key.hex[:4]}-{where.account}-{key}/{uuid.uuid5(key, 'layer')}\": "
                + timeout.format(ip="52.217.0.10"))
    return None


def register_targets(where, s, life, now):
    td = B.task_definition(where, life.task.task_definition_arn)
    elb = B.elbv2(where)
    for lb in s.load_balancers or []:
        tg = elb.target_groups.get(lb.get("targetGroupArn", ""))
        if tg is None:
            continue
        port = int(lb.get("containerPort") or tg.port or 80)
        tg.targets[life.ip] = {"Id": life.ip, "Port": port, "AvailabilityZone": life.subnet.availability_zone}
        life.targets.append((tg.arn, port))
    life.registered = now
    C.write(where.account, where.region, life.task.id, td, C.startup_lines(_image(td)))


def _image(td):
    return C.first(td)[0]


def begin_stop(layer, where, life, code, reason, now, drain=True):
    """The task is told to stop: it leaves its target groups (draining for the
    deregistration delay) and stops."""
    if life.stop_at is not None:
        return
    t = life.task
    t.desired_status = "STOPPED"
    t.stop_code = code
    t.stopped_reason = reason
    draining = drain and life.phase == "RUNNING"
    delay = deregistration_delay(where, [arn for arn, _port in life.targets]) if draining else 0
    life.draining = delay > 0
    if life.phase == "RUNNING":
        t.last_status = "DEACTIVATING" if delay else "STOPPING"
    life.stop_at = now + layer.clock.scale(delay + STOP_SECONDS)
    life.stop_seen = False


def deregistration_delay(where, tg_arns):
    """The longest deregistration delay of the target groups: how long a
    target drains before its task is stopped."""
    delay = 0
    for arn in tg_arns:
        tg = B.target_group(where, arn)
        if tg is not None:
            raw = tg.attributes.get("deregistration_delay.timeout_seconds", DEFAULT_DEREGISTRATION_DELAY)
            delay = max(delay, int(raw))
    return delay


def finish_stop(layer, where, life):
    t = life.task
    td = B.task_definition(where, t.task_definition_arn)
    if life.phase == "RUNNING":
        C.write(where.account, where.region, t.id, td, C.stop_lines(_image(td)))
    life.phase = "STOPPED"
    t.last_status = "STOPPED"
    t.stopped_at = utcnow()
    for c in t.containers:
        c.last_status = "STOPPED"
    elb = B.elbv2(where)
    for arn, _port in life.targets:
        tg = elb.target_groups.get(arn)
        if tg is not None:
            tg.targets.pop(life.ip, None)
    life.targets = []
    layer.by_ip.pop((where.account, where.region, life.ip), None)
    ec2 = B.ec2(where)
    layer.timeline.schedule(
        ("eni", life.eni.id), ENI_LINGER_SECONDS, lambda i=life.eni.id: ec2.enis.pop(i, None)
    )


def due(layer, life, seconds, now):
    """When the phase ends, if it has: its time is up and (at instant pace)
    one request has seen it. None while it lasts."""
    if not life.seen and layer.clock.pace == "instant":
        life.seen = True
        return None
    end = life.since + layer.clock.scale(seconds)
    return end if now >= end else None


def enter(life, phase, now):
    life.phase = phase
    life.since = now
    life.seen = True
    life.task.last_status = phase
    for c in life.task.containers:
        c.last_status = phase


def advance(layer, where, s, life, now):
    """Moves one task on by the phases whose time has passed since the last
    request (at instant pace: one, so each is seen)."""
    for _ in range(4):
        before = (life.phase, life.stop_at)
        step(layer, where, s, life, now)
        if layer.clock.pace == "instant" or (life.phase, life.stop_at) == before:
            return


def step(layer, where, s, life, now):
    """Moves one task on by at most one phase."""
    if life.stop_at is not None:
        if not life.stop_seen and layer.clock.pace == "instant":
            life.stop_seen = True
        elif now >= life.stop_at and life.phase != "STOPPED":
            finish_stop(layer, where, life)
        return
    if life.phase == "PROVISIONING":
        ended = due(layer, life, PROVISION_SECONDS, now)
        if ended is not None:
            enter(life, "PENDING", ended)
    elif life.phase == "PENDING":
        ended = due(layer, life, PULL_SECONDS, now)
        if ended is None:
            return
        why = start_failure(layer, where, life)
        if why:
            life.deploy.failed += 1
            begin_stop(layer, where, life, "TaskFailedToStart", why, ended, drain=False)
            life.task.containers[0].reason = why.split(":")[0]
            svc_state(layer, where, s).next_launch = ended + layer.clock.scale(RETRY_SECONDS)
            return
        enter(life, "RUNNING", ended)
        life.task.started_at = utcnow()
        register_targets(where, s, life, ended)
    elif life.phase == "RUNNING" and life.targets:
        grace = getattr(s, "health_check_grace_period_seconds", None) or 0
        for arn, port in life.targets:
            state, _reason, _desc = health.of(layer, where, arn, life, port, now, look=True)
            if state != "unhealthy":
                life.unhealthy_seen = False
                continue
            if not getattr(life, "unhealthy_seen", False):
                life.unhealthy_seen = True  # ECS acts on what the load balancer has reported
                continue
            if now >= life.registered + layer.clock.scale(grace):
                if life.deploy.rollout == "IN_PROGRESS":
                    life.deploy.failed += 1
                begin_stop(layer, where, life, "ServiceSchedulerInitiated",
                           f"Task failed ELB health checks in (target-group {arn})", now)
                event(s, f"has stopped 1 running tasks: (task {life.task.id}).")
                event(s, f"(task {life.task.id}) failed ELB health checks in (target-group {arn})")
                return
