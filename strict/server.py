"""Runs moto's server app behind the strict-AWS layer.

    python server.py --host 127.0.0.1 --port 5000 --pace fast [--classroom]

Started by gatewalk's sandbox code (src/sandbox.rs) with the Python of the venv
that has moto installed; the same environment variables configure moto.
"""

import argparse
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from moto.iam.models import get_account_id_from  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple  # noqa: E402

import rules_accounts  # noqa: E402
import rules_acm  # noqa: E402
import rules_apigw  # noqa: E402
import rules_data  # noqa: E402
import rules_ec2  # noqa: E402
import rules_ecr  # noqa: E402
import rules_ecs  # noqa: E402
import rules_elb  # noqa: E402
import rules_iam  # noqa: E402
import rules_route53  # noqa: E402
from app import Layer, StrictApp  # noqa: E402
from classroom import Classroom  # noqa: E402


def build(pace, classroom=None):
    layer = Layer(pace)
    for module in (rules_accounts, rules_ecs, rules_ec2, rules_ecr, rules_elb, rules_apigw, rules_iam,
                   rules_data, rules_route53, rules_acm):
        module.register(layer)
    return StrictApp(DomainDispatcherApplication(create_backend_app), layer, get_account_id_from, classroom)


def main():
    p = argparse.ArgumentParser(description="moto behind gatewalk's strict-AWS layer")
    p.add_argument("-H", "--host", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, default=5000)
    p.add_argument("--pace", default="fast", choices=["instant", "fast", "real"])
    p.add_argument("--classroom", action="store_true",
                   help="shared by a room: each student in an account of their own (classroom.py)")
    args = p.parse_args()
    classroom = Classroom.from_env() if args.classroom else None
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    run_simple(args.host, args.port, build(args.pace, classroom), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
