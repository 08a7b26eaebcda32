"""IAM: roles are eventually consistent, and ECS's service-linked role has one name.

Typical times (seconds at `real` pace): a new role can be refused by the service
that is to assume it for about ten seconds, a new service-linked role for about
fifteen.
"""

import backends as B

ROLE_PROPAGATION_SECONDS = 10
SLR_PROPAGATION_SECONDS = 15
ECS_SLR = "AWSServiceRoleForECS"


def register(layer):
    layer.rule(
        "iam-propagation",
        "a new IAM role, and a new service-linked role, cannot be used for a while (ECS refuses CreateService "
        "until its service-linked role has propagated; tasks cannot start with a brand-new execution role)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency",
    )
    layer.rule(
        "iam-ecs-slr-taken",
        "CreateServiceLinkedRole for ECS when AWSServiceRoleForECS exists: InvalidInput '… has been taken'",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html",
    )

    @layer.before("iam", "CreateServiceLinkedRole")
    def taken(layer, call):
        if call.param("AWSServiceName") == "ecs.amazonaws.com" and B.role(call, ECS_SLR) is not None:
            raise layer.refuse(
                "iam-ecs-slr-taken",
                "InvalidInput",
                f"Service role name {ECS_SLR} has been taken in this account, please try a different suffix.",
            )

    @layer.after("iam", "CreateServiceLinkedRole")
    def slr_made(layer, call, _data):
        if call.param("AWSServiceName") != "ecs.amazonaws.com":
            return
        aws_name(call)
        propagating(layer, call.account, ECS_SLR, SLR_PROPAGATION_SECONDS)

    @layer.after("iam", "CreateRole")
    def role_made(layer, call, _data):
        propagating(layer, call.account, call.param("RoleName"), ROLE_PROPAGATION_SECONDS)


def aws_name(call):
    """moto names ECS's role AWSServiceRoleForecs; AWS's name is AWSServiceRoleForECS."""
    r = B.role(call, "AWSServiceRoleForecs")
    if r is not None:
        r.name = ECS_SLR  # the ARN is made from the name


def ensure_ecs_slr(layer, call):
    """ECS makes its service-linked role itself on CreateCluster or CreateService
    when the account has none; like any new role it then propagates."""
    if B.role(call, ECS_SLR) is None:
        B.iam(call).create_service_linked_role("ecs.amazonaws.com", "", "")
        aws_name(call)
        propagating(layer, call.account, ECS_SLR, SLR_PROPAGATION_SECONDS)


def propagating(layer, account, name, typical_seconds):
    """The role exists but services cannot use it until this change is done
    (at instant pace: until one later request has seen it unusable)."""
    layer.timeline.schedule(("role", account, name), typical_seconds, lambda: None)


def usable(layer, account, name):
    return not layer.timeline.pending(("role", account, name))
