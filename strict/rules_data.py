"""The data plane: tasks that run (or fail to), targets that turn healthy (or
not), an invoke URL that answers, and container logs. The model is in
tasks.py, deploys.py, health.py, invoke.py and container.py; this registers
its rules and hooks. None of it reads gatewalk's code.
"""

import health
import invoke

RULES = [
    (
        "ecs-task-lifecycle",
        "a service's tasks go PROVISIONING -> PENDING -> RUNNING at the pace setting; DescribeTasks and ListTasks show "
        "them, a stopped one with its stopCode and stoppedReason",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html",
    ),
    (
        "ecs-task-start",
        "a task starts only when its image can be pulled (a route to a NAT gateway in a public subnet, a public IP "
        "in a public subnet, or for a private ECR image the ecr.api and ecr.dkr endpoints with private DNS, whose "
        "security groups admit HTTPS from the task, and the S3 gateway endpoint) and exists (tag does-not-exist: "
        "not found; an image of the account's own ECR must be in its repository or come through a pull-through "
        "cache rule), and its awslogs driver has the log group and the role's logs permissions; otherwise it is "
        "STOPPED with CannotPullContainerError or ResourceInitializationError and the service starts another",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html",
    ),
    (
        "ecs-elb-health-replacement",
        "a running task whose target the load balancer finds unhealthy is stopped by ECS after the health-check "
        "grace period ('Task failed ELB health checks in (target-group …)') and replaced",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html",
    ),
    (
        "ecs-circuit-breaker",
        "with the deployment circuit breaker on, a deployment whose failed tasks reach the threshold (half the "
        "desired count, 3 to 200) is FAILED; with rollback the last COMPLETED deployment becomes primary again",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html",
    ),
    (
        "ecs-list-tasks-filters",
        "ListTasks filters by serviceName, startedBy and family, and by desiredStatus (RUNNING when not given)",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html",
    ),
    (
        "ecs-service-settings-kept",
        "a service keeps its deploymentConfiguration (circuit breaker) and healthCheckGracePeriodSeconds from "
        "CreateService, and DescribeServices returns them (moto drops them)",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html",
    ),
    (
        "elb-target-health",
        "a registered task is initial, then healthy when its security group admits the port from the load "
        "balancer's addresses and the container listens on it, else unhealthy (Target.FailedHealthChecks); unused "
        "(Target.NotInUse) in a zone the load balancer lacks or when no listener uses the group; draining while it "
        "stops",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html",
    ),
    (
        "apigw-stage-deployment",
        "a stage serves the API as it was deployed; resources, methods and integrations changed since are not "
        "served until a new deployment",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html",
    ),
    (
        "apigw-invoke",
        "the invoke URL answers: 403 Forbidden without a deployed stage, 403 Missing Authentication Token without "
        "a route, 500 when the VPC link, listener or a target cannot be reached (a security group that drops the "
        "connection included), else the container's answer",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html",
    ),
    (
        "logs-awslogs",
        "a task's container writes to its awslogs stream <prefix>/<container>/<task-id>: start-up and stop lines, "
        "and for nginx one access-log line per request",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html",
    ),
]


def register(layer):
    for rule in RULES:
        layer.rule(*rule)

    @layer.before("elasticloadbalancing", "DescribeTargetHealth")
    def target_health(layer, call):
        health.describe(layer, call, layer.clock.now())

    @layer.after("apigateway", "CreateDeployment")
    def deployed(layer, call, data):
        invoke.snapshot(layer, call, data)
