"""Accounts are apart: an ARN names the account that owns the resource, and
another account's ARN names nothing to the caller. moto looks ECS resources
up by name alone, so one account reached another's cluster of the same name
through its ARN; AWS does not (ECS has no resource-based policies to share a
cluster, a service or a task definition with another account)."""

import json
import re

from wire import Answer

ECS_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:[^:]*:(\d{12}):")
CROSS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html"


def foreign(call, value):
    m = ECS_ARN.match(value or "") if isinstance(value, str) else None
    return bool(m) and m.group(1) != call.account


def register(layer):
    layer.rule(
        "ecs-arn-other-account",
        "an ECS ARN of another account names nothing: DescribeClusters and DescribeServices list it under failures "
        "as MISSING, a cluster parameter is ClusterNotFoundException, a task definition ClientException",
        CROSS,
    )

    @layer.before("ecs", *OPS)
    def other_account(layer, call):
        if call.op in LISTS:
            missing(layer, call, *LISTS[call.op])
        if foreign(call, call.param("cluster")):
            raise layer.refuse("ecs-arn-other-account", "ClusterNotFoundException", "Cluster not found.")
        for key in ("taskDefinition", "service"):
            if foreign(call, call.param(key)):
                code = "ClientException" if key == "taskDefinition" else "ServiceNotFoundException"
                msg = "Unable to describe task definition." if key == "taskDefinition" else "Service not found."
                raise layer.refuse("ecs-arn-other-account", code, msg)


# Operations that take a list of ARNs and answer each one missing as a failure.
LISTS = {"DescribeClusters": ("clusters", "clusters"), "DescribeServices": ("services", "services")}


def missing(layer, call, param, answer_key):
    """AWS's answer when every ARN of the list is another account's: none
    found, each a MISSING failure."""
    names = call.param(param) or []
    gone = [n for n in names if foreign(call, n)]
    if gone and len(gone) == len(names):
        layer.counts["ecs-arn-other-account"] = layer.counts.get("ecs-arn-other-account", 0) + 1
        body = {answer_key: [], "failures": [{"arn": n, "reason": "MISSING"} for n in gone]}
        raise Answer(200, "application/x-amz-json-1.1", json.dumps(body))


OPS = (
    "DescribeClusters", "DeleteCluster", "ListServices", "DescribeServices", "CreateService", "UpdateService",
    "DeleteService", "ListTasks", "DescribeTasks", "RunTask", "StopTask", "DescribeTaskDefinition",
    "DeregisterTaskDefinition", "PutClusterCapacityProviders",
)
