"""IAM as a task's start-up meets it: whether ECS may assume a role for a task,
and whether the role's policies allow an action.

Policy evaluation here is the part a task needs: Allow statements of the role's
inline and attached policies, wildcards in actions, an explicit Deny wins.
Conditions and resource scoping are not modelled (a statement with a Condition
is taken as not applying, so the model errs towards "denied", never towards a
start AWS would refuse).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
"""

import fnmatch
import json
from urllib.parse import unquote

import backends as B

TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"

# The managed policy's document, as AWS publishes it (moto does not load AWS's
# managed policies unless told to).
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSTaskExecutionRolePolicy.html
KNOWN_MANAGED = {
    "AmazonECSTaskExecutionRolePolicy": [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ],
}

PULL_ACTIONS = ("ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def _doc(raw):
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(unquote(raw or "{}"))
    except ValueError:
        return {}


def _list(v):
    return v if isinstance(v, list) else [v] if v else []


def role_by_arn(call, arn):
    return B.role(call, (arn or "").split("/")[-1]) if arn else None


def trusts_tasks(role):
    """The role's trust policy lets ECS tasks assume it."""
    for st in _list(_doc(role.assume_role_policy_document).get("Statement")):
        if st.get("Effect") != "Allow" or "sts:AssumeRole" not in _list(st.get("Action")):
            continue
        principal = st.get("Principal") or {}
        services = _list(principal.get("Service")) if isinstance(principal, dict) else []
        if TASKS_PRINCIPAL in services:
            return True
    return False


def _statements(role):
    out = []
    for raw in role.policies.values():
        out += _list(_doc(raw).get("Statement"))
    for policy in role.managed_policies.values():
        known = KNOWN_MANAGED.get(policy.name)
        if known is not None and policy.arn.startswith("arn:aws:iam::aws:"):
            out += known
            continue
        version = next((v for v in policy.versions if v.version_id == policy.default_version_id), None)
        if version is not None:
            out += _list(_doc(version.document).get("Statement"))
    return out


def _matches(st, action):
    return not st.get("Condition") and any(
        fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _list(st.get("Action"))
    )


def allows(role, action):
    sts = _statements(role)
    if any(st.get("Effect") == "Deny" and _matches(st, action) for st in sts):
        return False
    return any(st.get("Effect") == "Allow" and _matches(st, action) for st in sts)


def missing(role, actions):
    """The actions the role does not allow."""
    return [a for a in actions if not allows(role, a)]
