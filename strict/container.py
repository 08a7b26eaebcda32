"""What a container does in the sandbox: which images exist, which port it
listens on, what it answers, and the lines it writes to CloudWatch Logs through
the `awslogs` driver.

No container runs. The default image (any nginx image) behaves as nginx does:
it listens on port 80, answers `/` with its welcome page and anything else with
404, and writes its start-up lines and one access-log line per request. Any
other image is a stand-in: it listens on the container port of its task
definition and answers every request with a short text naming the image.

Convention for breaking a deployment on purpose: an image whose tag is
`does-not-exist` (e.g. `public.ecr.aws/nginx/nginx:does-not-exist`) cannot be
pulled, as a missing tag cannot on AWS.

An image pulled through an ECR pull-through cache
(`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/nginx/nginx:latest`, see
rules_ecr.py) is its upstream image (`public.ecr.aws/nginx/nginx:latest`) and
behaves as it does: the cache keeps the upstream path, so the last element of
the repository (`nginx`) is the same and everything here, read from it, agrees.

awslogs: the stream of a task's container is `<prefix>/<container>/<task-id>`
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
"""

import time

from moto.logs.models import logs_backends

MISSING_TAG = "does-not-exist"

NGINX_PAGE = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n"
    "<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\n"
    "working. Further configuration is required.</p>\n<p><em>Thank you for using nginx.</em></p>\n"
    "</body>\n</html>\n"
)
NGINX_404 = (
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n"
    "<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n"
)


def reference(image):
    """The full reference a pull resolves (`nginx` is docker.io/library/nginx:latest)."""
    name, tag = image, "latest"
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return image
    if ":" in last:
        name, tag = image.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}" if "/" in name else f"docker.io/library/{name}"
    return f"{name}:{tag}"


def registry(image):
    return reference(image).split("/", 1)[0]


def private_ecr(image):
    """`<account>.dkr.ecr.<region>.amazonaws.com/…`: pulled with the execution role."""
    return ".dkr.ecr." in registry(image)


def exists(image):
    return reference(image).rsplit(":", 1)[-1] != MISSING_TAG


def is_nginx(image):
    return "nginx" in reference(image).rsplit(":", 1)[0].rsplit("/", 1)[-1]


def listens_on(image, container_ports):
    """The ports the container accepts connections on."""
    return {80} if is_nginx(image) else set(container_ports)


def answer(image, method, path):
    """(status, content type, body) the container answers a request with."""
    if is_nginx(image):
        if method not in ("GET", "HEAD"):
            return 405, "text/html", NGINX_404.replace("404 Not Found", "405 Not Allowed")
        if path in ("/", "/index.html"):
            return 200, "text/html", NGINX_PAGE
        return 404, "text/html", NGINX_404
    return 200, "text/plain", f"gatewalk sandbox: a stand-in for {image} answered {method} {path}\n"


def startup_lines(image):
    if is_nginx(image):
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
        return [
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
            "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
            "/docker-entrypoint.sh: Configuration complete; ready for start up",
            f"{stamp} [notice] 1#1: nginx/1.27.3",
            f"{stamp} [notice] 1#1: start worker processes",
        ]
    return [f"gatewalk sandbox: stand-in for {image} started"]


def stop_lines(image):
    if is_nginx(image):
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
        return [f"{stamp} [notice] 1#1: signal 15 (SIGTERM) received, exiting"]
    return [f"gatewalk sandbox: stand-in for {image} received SIGTERM"]


def access_line(client, method, path, status, size, agent):
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    return f'{client} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}" "-"'


def first(td):
    """(image, container ports) of the task definition's first container."""
    cd = td.container_definitions[0] if td and td.container_definitions else {}
    return cd.get("image") or "", [m.get("containerPort") for m in cd.get("portMappings") or []]


def awslogs(td, container):
    """(group, region, stream prefix) of the container's awslogs driver, or None."""
    conf = container.get("logConfiguration") or {}
    if conf.get("logDriver") != "awslogs":
        return None
    opts = conf.get("options") or {}
    return opts.get("awslogs-group"), opts.get("awslogs-region"), opts.get("awslogs-stream-prefix")


def log_group(account, region, name):
    return logs_backends[account][region].groups.get(name)


def write(account, region, task_id, td, lines):
    """Appends lines to the task's awslogs stream (made on first use, as the
    driver does); quietly nothing when the group is gone."""
    if not lines:
        return
    for container in td.container_definitions:
        where = awslogs(td, container)
        if not where or not where[0]:
            continue
        group_name, log_region, prefix = where
        group = log_group(account, log_region or region, group_name)
        if group is None:
            continue
        stream = f"{prefix}/{container.get('name')}/{task_id}" if prefix else task_id
        if stream not in group.streams:
            group.create_log_stream(stream)
        now = int(time.time() * 1000)
        group.put_log_events(stream, [{"timestamp": now, "message": line} for line in lines])
