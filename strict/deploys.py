"""ECS: a service's deployments, driven at the start of every request.

A deployment launches tasks until its desired count run; it is COMPLETED when
they run with healthy targets, and then the tasks of older deployments are
stopped. With the deployment circuit breaker on, `failure_threshold` failed
tasks make it FAILED; with rollback, ECS rolls back to the last COMPLETED
deployment. Without the breaker, ECS keeps replacing failed tasks forever.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html
"""

import json
import sys
import traceback

from moto.core.utils import utcnow
from moto.ecs.models import ecs_backends

import backends as B
import health
import tasks as T
from wire import Answer


def reconcile(layer, now):
    """Moves every service's tasks and deployments on by one step."""
    for (account, region, arn), st in list(layer.svcs.items()):
        where = T.Where(account, region)
        s = next((x for x in ecs_backends[account][region].services.values() if x.arn == arn), None)
        if s is None:
            # The service is gone from moto: its tasks stop now.
            for life in st.tasks:
                if life.phase != "STOPPED":
                    T.finish_stop(layer, where, life)
            layer.svcs.pop((account, region, arn), None)
            continue
        try:
            drive(layer, where, s, st, now)
        except Exception:  # noqa: BLE001
            # One service's fault must not stop the others; the control
            # endpoint counts it and the test harness fails on it.
            layer.internal_errors += 1
            print(f"strict-aws: INTERNAL ERROR driving {arn}:\n{traceback.format_exc()}", file=sys.stderr, flush=True)


def drive(layer, where, s, st, now):
    for life in list(st.tasks):
        T.advance(layer, where, s, life, now)
    if s.status != "ACTIVE":
        for life in st.tasks:
            T.begin_stop(layer, where, life, "ServiceSchedulerInitiated", "Service deleted", now)
        render(s, st)
        return
    primary = st.deploys[-1] if st.deploys else None
    if primary is None:
        return
    settle(layer, where, s, st, primary, now)
    scale(layer, where, s, st, primary, now)
    # AWS shows a stopped task for at least an hour; the model keeps the last
    # few (moto's record of the others goes with them).
    stopped = [x for x in st.tasks if x.phase == "STOPPED"]
    for gone in stopped[:-20]:
        ecs_backends[where.account][where.region].tasks.get(s.cluster_name, {}).pop(gone.task.task_arn, None)
    st.tasks = [x for x in st.tasks if x.phase != "STOPPED"] + stopped[-20:]
    render(s, st)


def stop_all(layer, where, s):
    """The service is INACTIVE: every task of it has stopped."""
    st = layer.svcs.get((where.account, where.region, s.arn))
    for life in st.tasks if st else []:
        if life.phase != "STOPPED":
            T.finish_stop(layer, where, life)
    if st:
        render(s, st)


def healthy(layer, where, life, now):
    if life.phase != "RUNNING" or life.stop_at is not None:
        return False
    return all(health.of(layer, where, arn, life, port, now)[0] == "healthy" for arn, port in life.targets)


def settle(layer, where, s, st, d, now):
    """COMPLETED, FAILED (and rolled back), or still in progress."""
    mine = [x for x in st.tasks if x.deploy is d and x.stop_at is None]
    if d.rollout == "IN_PROGRESS":
        ok = [x for x in mine if healthy(layer, where, x, now)]
        if ok:
            d.failed = 0  # a task that turned healthy resets the breaker's count (resetOnHealthyTask)
        enabled, rollback = T.circuit_breaker(s)
        if len(ok) >= s.desired_count and all(x.stop_at is not None for x in st.tasks if x.deploy is not d):
            d.rollout, d.updated = "COMPLETED", utcnow()
            d.reason = f"ECS deployment {d.id} completed."
            T.event(s, "has reached a steady state.")
        elif enabled and d.failed >= T.failure_threshold(s.desired_count):
            fail(layer, where, s, st, d, rollback, now)
            return
    if d.rollout == "COMPLETED" or len([x for x in mine if healthy(layer, where, x, now)]) >= s.desired_count:
        for x in st.tasks:
            if x.deploy is not d and x.stop_at is None:
                T.begin_stop(layer, where, x, "ServiceSchedulerInitiated",
                             f"Scaling activity initiated by (deployment {d.id})", now)
        st.deploys = [x for x in st.deploys if x is d or any(t.deploy is x and t.phase != "STOPPED"
                                                                for t in st.tasks)]


def fail(layer, where, s, st, d, rollback, now):
    d.rollout, d.updated = "FAILED", utcnow()
    d.reason = "ECS deployment circuit breaker: tasks failed to start."
    T.event(s, f"(deployment {d.id}) deployment failed: tasks failed to start.")
    for x in st.tasks:
        if x.deploy is d and x.stop_at is None:
            T.begin_stop(layer, where, x, "ServiceSchedulerInitiated", f"Deployment {d.id} failed", now)
    done = [x for x in st.deploys if x.rollout == "COMPLETED"]
    if rollback and done:
        back = done[-1]
        # The last completed deployment becomes the primary again, IN_PROGRESS
        # until its tasks are back; the failed one stays listed until then.
        st.deploys.remove(back)
        st.deploys.append(back)
        back.rollout, back.updated = "IN_PROGRESS", utcnow()
        back.reason = f"ECS deployment circuit breaker: rolling back to deploymentId {back.id}."
        back.failed = 0
        s.task_definition = back.td
        T.event(s, f"(deployment {d.id}) rolling back to deployment {back.id}.")


def scale(layer, where, s, st, d, now):
    """Launches tasks the primary deployment lacks; stops ones beyond the desired count."""
    if d.rollout == "FAILED" or now < st.next_launch:
        return
    mine = [x for x in st.tasks if x.deploy is d and x.stop_at is None]
    for x in mine[s.desired_count:]:
        T.begin_stop(layer, where, x, "ServiceSchedulerInitiated", f"Scaling activity initiated by (deployment {d.id})",
                     now)
    for _ in range(s.desired_count - len(mine)):
        if T.launch(layer, where, s, st, d, now) is None:
            break


def render(s, st):
    """What DescribeServices shows: counts and deployments from the tasks."""
    live = [x for x in st.tasks if x.stop_at is None]
    s.running_count = len([x for x in live if x.phase == "RUNNING"])
    s.pending_count = len([x for x in live if x.phase in ("PROVISIONING", "PENDING")])
    out = []
    for i, d in enumerate(reversed(st.deploys)):
        mine = [x for x in live if x.deploy is d]
        out.append({
            "id": d.id,
            "status": "PRIMARY" if i == 0 else "ACTIVE",
            "taskDefinition": d.td,
            "desiredCount": s.desired_count if i == 0 else len(mine),
            "pendingCount": len([x for x in mine if x.phase in ("PROVISIONING", "PENDING")]),
            "runningCount": len([x for x in mine if x.phase == "RUNNING"]),
            "failedTasks": d.failed,
            "createdAt": d.created,
            "updatedAt": d.updated,
            "launchType": "FARGATE",
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "networkConfiguration": d.net,
            "rolloutState": d.rollout,
            "rolloutStateReason": d.reason,
        })
    s.deployments = out


def list_tasks(layer, call):
    """ListTasks with AWS's filters (moto ignores serviceName; the desired
    status defaults to RUNNING)."""
    b = B.ecs(call)
    c = B.cluster(call, call.param("cluster"))
    if c is None:
        return
    want = call.param("desiredStatus") or "RUNNING"
    svc = call.param("serviceName")
    family = call.param("family")
    started = call.param("startedBy")
    arns = []
    newest_first = sorted(b.tasks.get(c.name, {}).values(), key=lambda t: getattr(t, "created_at", 0), reverse=True)
    for t in newest_first:
        if t.desired_status != want:
            continue
        if svc and t.group != f"service:{svc.split('/')[-1]}":
            continue
        if started and t.started_by != started:
            continue
        if family and t.task_definition_arn.split("/")[-1].split(":")[0] != family:
            continue
        arns.append(t.task_arn)
    raise Answer(200, "application/x-amz-json-1.1", json.dumps({"taskArns": arns}))
