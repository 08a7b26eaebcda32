#!/usr/bin/env bash
# The real-terminal run, at the smallest size gatewalk draws in (80×24):
# `gatewalk --sandbox` under tmux, driven with send-keys — five steps, quit,
# resume (the re-check says what it found), a drift made outside (the
# private route pointed at the internet gateway with boto3) that shows by
# itself and is repaired by the step that owns it, the other five steps, the
# done screen scrolled to its end, teardown, quit. Needs tmux (installed
# here when missing and possible) and GATEWALK_MOTO (scripts/test sets it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${GATEWALK_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/gatewalk}"

if ! command -v tmux >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "tui-e2e: installing tmux" >&2
    (apt-get update -qq && apt-get install -y -qq tmux) >/dev/null
  else
    echo "tui-e2e: tmux is required (apt-get install tmux)" >&2
    exit 1
  fi
fi

home="$(mktemp -d)"
sock="gatewalk-e2e-$$"
t() { tmux -L "$sock" "$@"; }
cleanup() {
  t kill-server 2>/dev/null || true
  GATEWALK_HOME="$home" "$bin" sandbox stop >/dev/null 2>&1 || true
  rm -rf "$home"
}
trap cleanup EXIT

screen() { t capture-pane -p -t e2e; }
wait_for() { # TEXT SECONDS
  local deadline=$((SECONDS + $2))
  while ! screen | grep -qF -- "$1"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "tui-e2e: no \"$1\" after $2 s; the screen was:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.2
  done
}

# Stumbles the walkthrough must never show again (issue 14).
never() { # TEXT
  if screen | grep -qF -- "$1"; then
    echo "tui-e2e: the screen shows \"$1\":" >&2
    screen >&2
    exit 1
  fi
}
launch() { # ARGS…
  t respawn-pane -k -t e2e \
    "GATEWALK_HOME='$home' GATEWALK_MOTO='${GATEWALK_MOTO:-}' '$bin' $*; echo GATEWALK-EXIT=\$?; sleep 600"
}
apply_until() { # N: apply the selected step, wait for N of 10 done
  t send-keys -t e2e a
  wait_for "Steps $1/10" 180
  never "more above"
}

t new-session -d -s e2e -x 80 -y 24 "sleep 600"
launch --sandbox
wait_for "No sessions yet" 90
t send-keys -t e2e n
t send-keys -t e2e -l e2e
t send-keys -t e2e Enter
wait_for "Steps 0/10" 60
for n in 1 2 3 4 5; do apply_until "$n"; done
wait_for "step 5 done — created" 10
never "more above"
t send-keys -t e2e q
wait_for "GATEWALK-EXIT=0" 20
# Back in the shell, it says how to come back.
wait_for "gatewalk --session e2e\` carries on" 5

# Resume: the re-check reports what it found instead of "re-checking…".
launch --session e2e
wait_for "all 5 applied steps pass their checks; step 6" 90
never "re-checking"

# A drift made outside: the private route sent to the internet gateway.
py="$(dirname "${GATEWALK_MOTO:?}")/python"
"$py" - "$home" <<'PY'
import json, sys, boto3
home = sys.argv[1]
port = json.load(open(f"{home}/sandbox/state.json"))["port"]
s = json.load(open(f"{home}/sessions/e2e.json"))
out = {k: v for st in s["steps"].values() for k, v in (st.get("outputs") or {}).items()}
ec2 = boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
rt = next(v for k, v in out.items() if k == "private_route_table_id")
igw = next(v for k, v in out.items() if k == "internet_gateway_id")
ec2.replace_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
PY
# Nobody presses anything: the idle re-check (every 30 s) finds it.
wait_for "fail their checks now" 75
echo "tui-e2e: the drift, found by itself:"
screen
# Step 5 owns the route: it may be applied while 3 and 4 fail, and says
# what it changed; 3 and 4 turn green again.
t send-keys -t e2e k
t send-keys -t e2e a
wait_for "step 5 done — changed" 120
wait_for "Steps 5/10" 60
for n in 6 7 8 9; do apply_until "$n"; done
t send-keys -t e2e a
wait_for "Invoke URL  https://" 120
echo "tui-e2e: the done screen:"
screen
screen | grep -qE "https://[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com/prod/"
# It does not fit 80×24: it says so, and End shows its last line.
wait_for "PgUp/PgDn scroll" 5
t send-keys -t e2e End
wait_for "REST API" 5
screen | grep -qF "per million calls"

t send-keys -t e2e T
t send-keys -t e2e -l e2e
t send-keys -t e2e Enter
wait_for "nothing tagged gatewalk:session=e2e remains" 180
t send-keys -t e2e q
wait_for "GATEWALK-EXIT=0" 20
echo "tui-e2e: at 80×24: five steps, quit, resume, a drift found and repaired, ten steps, done screen scrolled, torn down, terminal restored"
