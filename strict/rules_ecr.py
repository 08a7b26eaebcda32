"""ECR: pull-through cache rules (moto 5.2.5 has none of the API) and what a
task's pull of a private ECR image does with them.

The API (JSON, `AmazonEC2ContainerRegistry_V20150921.<Op>`) is answered here,
per account and region, from the layer's own state (`layer.ptc_rules`, emptied
with moto's reset):
- CreatePullThroughCacheRule checks the prefix as the API reference does
  (2–30 characters, lowercase components, or ROOT), refuses a prefix already
  used (PullThroughCacheRuleAlreadyExistsException), an upstream ECR does not
  support, and an upstream that needs credentials given none
  (UnsupportedUpstreamRegistryException);
- DescribePullThroughCacheRules lists them, filtered by ecrRepositoryPrefixes
  (a named prefix without a rule: PullThroughCacheRuleNotFoundException);
- DeletePullThroughCacheRule removes one (its repositories and images stay);
- ValidatePullThroughCacheRule says whether its secret can be read.
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribePullThroughCacheRules.html
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeletePullThroughCacheRule.html
https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html

The data plane (`pull`, called by tasks.start_failure once the registry can be
reached): an image in the task's own account and region is pulled when moto's
ECR has its repository with that tag. Otherwise, when a rule's prefix matches
the repository, ECR imports the upstream image on the first pull: the pulling
role (the task execution role) needs ecr:BatchImportUpstreamImage, and
ecr:CreateRepository when the repository does not exist yet
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html);
the upstream image must exist (container.py's `does-not-exist` tag); and the
first pull needs a way to the internet even when the ECR and S3 endpoints are
there: "When an image is pulled using a pull through cache rule for the first
time, if you've configured Amazon ECR to use an interface VPC endpoint using AWS
PrivateLink then you need to create a public subnet in the same VPC, with a NAT
gateway, and then route all outbound traffic to the internet from their private
subnet to the NAT gateway in order for the pull to work. Subsequent image pulls
don't require this." (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html,
considerations). An imported image is recorded in moto's ECR (the repository
made if missing), so DescribeImages shows it and later pulls, endpoints only,
succeed.
"""

import hashlib
import json
import re
import time

from moto.ecr.models import ecr_backends
from moto.secretsmanager.models import secretsmanager_backends

import container as C
import perms
from wire import Answer

JSON = "application/x-amz-json-1.1"
API = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/"

# The prefix pattern of the API reference (ecrRepositoryPrefix), as the service
# model has it: lowercase components joined by . _ __ or -, separated by /, an
# optional trailing /, or ROOT.
PREFIX = re.compile(r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*/?|ROOT)$")
# What ECR's error says the pattern is (seen in a CloudFormation failure).
PREFIX_SHOWN = "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
SECRET = re.compile(r"^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache/[a-zA-Z0-9/_+=.@-]+$")
SECRET_SHOWN = r"^arn:aws:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$"

# upstreamRegistryUrl -> (upstreamRegistry, needs a Secrets Manager secret).
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-rule.html
UPSTREAMS = {
    "public.ecr.aws": ("ecr-public", False),
    "registry.k8s.io": ("k8s", False),
    "quay.io": ("quay", False),
    "registry-1.docker.io": ("docker-hub", True),
    "ghcr.io": ("github-container-registry", True),
    "registry.gitlab.com": ("gitlab-container-registry", True),
    "cgr.dev": ("chainguard", True),
}
AZURE = re.compile(r"^[a-z0-9]+\.azurecr\.io$")
ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$")
REGISTRIES = ("ecr", "ecr-public", "quay", "k8s", "docker-hub", "github-container-registry",
              "azure-container-registry", "gitlab-container-registry", "chainguard")

TIMEOUT = "dial tcp {ip}:443: i/o timeout"


def register(layer):
    layer.rule(
        "ecr-pull-through-cache-rules",
        "CreatePullThroughCacheRule, DescribePullThroughCacheRules, DeletePullThroughCacheRule and "
        "ValidatePullThroughCacheRule (moto has none): a prefix of 2-30 lowercase components or ROOT "
        "(InvalidParameterException), one rule per prefix (PullThroughCacheRuleAlreadyExistsException), a supported "
        "upstream, with a credentialArn for those that need authentication (UnsupportedUpstreamRegistryException); "
        "a named prefix without a rule: PullThroughCacheRuleNotFoundException",
        API + "API_CreatePullThroughCacheRule.html",
    )
    layer.rule(
        "ecr-pull-through-import",
        "a task pulling <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>:<tag> that is not cached yet makes "
        "ECR import <upstream>/<path>:<tag>: the execution role needs ecr:BatchImportUpstreamImage (and "
        "ecr:CreateRepository when the repository is missing), the upstream image must exist, and this first pull "
        "needs a way to the internet (a NAT gateway) even with the ECR and S3 endpoints; the image is then in the "
        "repository (DescribeImages) and later pulls need only the endpoints",
        "https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html",
    )

    @layer.before("ecr", "CreatePullThroughCacheRule")
    def create(layer, call):
        prefix = call.param("ecrRepositoryPrefix")
        url = call.param("upstreamRegistryUrl")
        check_prefix(layer, prefix)
        if not url:
            raise invalid(layer, "upstreamRegistryUrl", "Member must not be null")
        registry = call.param("upstreamRegistry")
        if registry is not None and registry not in REGISTRIES:
            raise invalid(layer, "upstreamRegistry", f"Member must satisfy enum value set: [{', '.join(REGISTRIES)}]")
        kind, needs_secret = upstream_kind(url, call.account)
        if kind is None:
            raise layer.refuse("ecr-pull-through-cache-rules", "UnsupportedUpstreamRegistryException",
                               "The specified upstream registry isn't supported.")
        arn = call.param("credentialArn")
        if arn is not None and (not 50 <= len(arn) <= 612 or not SECRET.match(arn)):
            raise invalid(layer, "credentialArn", f"Member must satisfy regular expression pattern: {SECRET_SHOWN}")
        if needs_secret and not arn:
            # The wording users report for Docker Hub, GHCR and others without credentials.
            raise layer.refuse("ecr-pull-through-cache-rules", "UnsupportedUpstreamRegistryException",
                               "The specified upstream registry requires authentication")
        if arn and not secret_exists(call, arn):
            # The error's documented meaning (the API reference); the live wording is not known.
            raise layer.refuse("ecr-pull-through-cache-rules", "SecretNotFoundException",
                               "The ARN of the secret specified in the pull through cache rule was not found. Update "
                               "the pull through cache rule with a valid secret ARN and try again.")
        upstream_prefix = call.param("upstreamRepositoryPrefix")
        if upstream_prefix is not None:
            check_prefix(layer, upstream_prefix, "upstreamRepositoryPrefix")
        rules = rules_of(layer, call.account, call.region)
        if norm(prefix) in {norm(p) for p in rules}:
            raise layer.refuse("ecr-pull-through-cache-rules", "PullThroughCacheRuleAlreadyExistsException",
                               "A pull through cache rule with these settings already exists for the private "
                               "registry.")
        now = round(time.time(), 3)
        rule = {
            "ecrRepositoryPrefix": prefix,
            "upstreamRegistryUrl": url,
            "createdAt": now,
            "registryId": call.account,
            "upstreamRegistry": registry or kind,
            "updatedAt": now,
        }
        for key in ("credentialArn", "customRoleArn", "upstreamRepositoryPrefix"):
            if call.param(key):
                rule[key] = call.param(key)
        rules[prefix] = rule
        answer({k: v for k, v in rule.items() if k != "updatedAt"})

    @layer.before("ecr", "DescribePullThroughCacheRules")
    def describe(layer, call):
        rules = rules_of(layer, call.account, call.region)
        wanted = call.param("ecrRepositoryPrefixes")
        if wanted is not None:
            for p in wanted:
                check_prefix(layer, p, "ecrRepositoryPrefixes")
                if find(rules, p) is None:
                    raise not_found(layer)
            found = [find(rules, p) for p in wanted]
        else:
            found = sorted(rules.values(), key=lambda r: r["createdAt"])
        token = str(call.param("nextToken") or "0")
        start = int(token) if token.isdigit() else 0
        size = int(call.param("maxResults") or 100)
        page = found[start:start + size]
        out = {"pullThroughCacheRules": page}
        if start + size < len(found):
            out["nextToken"] = str(start + size)
        answer(out)

    @layer.before("ecr", "DeletePullThroughCacheRule")
    def delete(layer, call):
        prefix = call.param("ecrRepositoryPrefix")
        check_prefix(layer, prefix)
        rules = rules_of(layer, call.account, call.region)
        rule = find(rules, prefix)
        if rule is None:
            raise not_found(layer)
        del rules[rule["ecrRepositoryPrefix"]]
        keys = ("ecrRepositoryPrefix", "upstreamRegistryUrl", "createdAt", "registryId", "credentialArn",
                "customRoleArn", "upstreamRepositoryPrefix")
        answer({k: rule[k] for k in keys if k in rule})

    @layer.before("ecr", "ValidatePullThroughCacheRule")
    def validate(layer, call):
        prefix = call.param("ecrRepositoryPrefix")
        check_prefix(layer, prefix)
        rule = find(rules_of(layer, call.account, call.region), prefix)
        if rule is None:
            raise not_found(layer)
        arn = rule.get("credentialArn")
        ok = not arn or secret_exists(call, arn)
        out = {k: rule[k] for k in ("ecrRepositoryPrefix", "registryId", "upstreamRegistryUrl", "credentialArn",
                                    "customRoleArn", "upstreamRepositoryPrefix") if k in rule}
        out["isValid"] = ok
        out["failure"] = "" if ok else f"The secret {arn} was not found."
        answer(out)


def answer(body):
    raise Answer(200, JSON, json.dumps(body))


def invalid(layer, field, why):
    """ECR's answer to a parameter outside its constraints (the wording of a
    refused ecrRepositoryPrefix, as ECR sent it to CloudFormation)."""
    return layer.refuse("ecr-pull-through-cache-rules", "InvalidParameterException",
                        f"Invalid parameter at '{field}' failed to satisfy constraint: '{why}'")


def not_found(layer):
    # The error's documented meaning (the API reference).
    return layer.refuse("ecr-pull-through-cache-rules", "PullThroughCacheRuleNotFoundException",
                        "The pull through cache rule was not found. Specify a valid pull through cache rule and try "
                        "again.")


def check_prefix(layer, prefix, field="ecrRepositoryPrefix"):
    if prefix is None:
        raise invalid(layer, field, "Member must not be null")
    if len(prefix) < 2:
        raise invalid(layer, field, "Member must have length greater than or equal to 2")
    if len(prefix) > 30:
        raise invalid(layer, field, "Member must have length less than or equal to 30")
    if not PREFIX.match(prefix):
        raise invalid(layer, field, f"Member must satisfy regular expression pattern: {PREFIX_SHOWN}")


def norm(prefix):
    """ECR reads a prefix as ending in `/` (`ecr-public` is `ecr-public/`)."""
    return prefix if prefix == "ROOT" else prefix.rstrip("/")


def rules_of(layer, account, region):
    return layer.ptc_rules.setdefault((account, region), {})


def find(rules, prefix):
    return next((r for p, r in rules.items() if norm(p) == norm(prefix or "")), None)


def upstream_kind(url, account):
    """(upstreamRegistry, needs a secret) of a supported upstream URL, else (None, False)."""
    if url in UPSTREAMS:
        return UPSTREAMS[url]
    if AZURE.match(url):
        return "azure-container-registry", True
    if ECR_HOST.match(url):
        # ECR to ECR authenticates with an IAM role (customRoleArn) across
        # accounts; the layer does not check that role.
        return "ecr", False
    return None, False


def secret_exists(call, arn):
    region = arn.split(":")[3] if arn.count(":") >= 6 else call.region
    try:
        return arn in secretsmanager_backends[call.account][region].secrets
    except Exception:  # noqa: BLE001 - an unknown region names no secret
        return False


# ---------------------------------------------------------------- data plane


def own_image(where, image):
    """(repository, tag, digest) of an image in the task's own account and
    region's ECR, else None."""
    ref = C.reference(image)
    host, _, rest = ref.partition("/")
    m = ECR_HOST.match(host)
    if not m or m.group(1) != where.account or m.group(2) != where.region or not rest:
        return None
    if "@" in rest:
        repo, _, digest = rest.partition("@")
        return repo, None, digest
    repo, _, tag = rest.rpartition(":")
    return repo, tag, None


def cached(repo_obj, tag, digest):
    for img in repo_obj.images if repo_obj is not None else []:
        if (tag and tag in (img.image_tags or [])) or (digest and img.image_digest == digest):
            return True
    return False


def matching_rule(layer, where, repo):
    """The rule whose prefix the repository name starts with (the longest), and
    the rest of the name after it."""
    best = None
    for prefix, rule in rules_of(layer, where.account, where.region).items():
        p = norm(prefix)
        if p == "ROOT":
            cand = (0, rule, repo)
        elif repo.startswith(p + "/") and len(repo) > len(p) + 1:
            cand = (len(p), rule, repo[len(p) + 1:])
        else:
            continue
        if best is None or cand[0] > best[0]:
            best = cand
    return (best[1], best[2]) if best else (None, None)


def upstream_of(rule, rest, tag):
    up = rule.get("upstreamRepositoryPrefix")
    path = rest if up in (None, "ROOT") else f"{norm(up)}/{rest}"
    return f"{rule['upstreamRegistryUrl']}/{path}:{tag}"


def pull(layer, where, role, image, task_id, way_out):
    """None when the task's pull of its own account's ECR image succeeds (after
    importing it through a pull-through cache rule if need be), else the
    stoppedReason; None also for an image of another account or region (not
    judged here)."""
    own = own_image(where, image)
    if own is None:
        return None
    repo, tag, digest = own
    ref = C.reference(image)
    missing = (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
               f"{ref}: {ref}: not found")
    b = ecr_backends[where.account][where.region]
    repo_obj = b.repositories.get(repo)
    if cached(repo_obj, tag, digest):
        return None
    rule, rest = matching_rule(layer, where, repo)
    if rule is None or tag is None:
        # No rule, or a digest not cached yet: ECR imports by tag only.
        return missing
    needed = ["ecr:BatchImportUpstreamImage"] + ([] if repo_obj is not None else ["ecr:CreateRepository"])
    denied = next((a for a in needed if not perms.allows(role, a)), None)
    if denied:
        host = ref.split("/", 1)[0]
        # Fargate's form for a refused manifest request (403) followed by the
        # denial ECR's registry writes for a missing permission; the exact text
        # for ecr:BatchImportUpstreamImage is not documented, this is the closest.
        return (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
                f"{ref}: pulling from host {host} failed with status code [manifests {tag}]: 403 Forbidden: denied: "
                f"User: arn:aws:sts::{where.account}:assumed-role/{role.name}/{task_id} is not authorized to perform: "
                f"{denied} on resource: arn:aws:ecr:{where.region}:{where.account}:repository/{repo} because no "
                f"identity-based policy allows the {denied} action")
    upstream = upstream_of(rule, rest, tag)
    if not C.exists(upstream):
        return missing
    if not way_out:
        # The first pull through the cache needs the internet (see the module's
        # docstring); Fargate then fails fetching the image's layers. The form is
        # containerd's for a layer it cannot fetch; the exact text is not documented.
        blob = hashlib.sha256(f"{upstream}#layer0".encode()).hexdigest()
        up_host, _, up_path = upstream.partition("/")
        return (f"CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: "
                f"failed open: failed to do request: Get \"https://{up_host}/v2/{up_path.rpartition(':')[0]}/blobs/"
                f"sha256:{blob}\": " + TIMEOUT.format(ip="99.83.145.10"))
    record(b, repo_obj, repo, tag, upstream)
    return None


def record(b, repo_obj, repo, tag, upstream):
    """ECR has imported the upstream image: its repository (made as a pull
    through the cache makes it, untagged) holds it under the tag."""
    if repo_obj is None:
        b.create_repository(repository_name=repo, registry_id=None, encryption_config=None, image_scan_config=None,
                            image_tag_mutability=None, tags=[])
    h = lambda s: "sha256:" + hashlib.sha256(f"{upstream}#{s}".encode()).hexdigest()  # noqa: E731
    media = "application/vnd.docker.distribution.manifest.v2+json"
    manifest = {
        "schemaVersion": 2,
        "mediaType": media,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": h("config")},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 29126484,
                    "digest": h("layer0")}],
    }
    b.put_image(repo, json.dumps(manifest), tag, media)
