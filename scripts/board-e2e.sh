#!/usr/bin/env bash
# The instructor board in a real terminal (100×30, under tmux): a classroom
# with two students (one all done, one at step 3), the board read live,
# a student's checks and resources on Enter, the sort changed, an exercise
# applied from a second shell that the board shows red, quit — and the
# terminal restored; then a student's wizard, whose header names the
# classroom and the student. Needs tmux (tui-e2e.sh installs it) and GATEWALK_MOTO.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${GATEWALK_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/gatewalk}"
command -v tmux >/dev/null || { echo "board-e2e: tmux is required" >&2; exit 1; }

inst="$(mktemp -d)"; ann="$(mktemp -d)"; bob="$(mktemp -d)"
sock="gatewalk-board-$$"
t() { tmux -L "$sock" "$@"; }
gw() { local home="$1"; shift; env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE GATEWALK_HOME="$home" "$bin" "$@"; }
cleanup() {
  t kill-server 2>/dev/null || true
  gw "$inst" classroom stop >/dev/null 2>&1 || true
  rm -rf "$inst" "$ann" "$bob"
}
trap cleanup EXIT

screen() { t capture-pane -p -t board; }
wait_for() { # TEXT SECONDS
  local deadline=$((SECONDS + $2))
  while ! screen | grep -qF -- "$1"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "board-e2e: no \"$1\" after $2 s; the screen was:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.2
  done
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
gw "$inst" classroom start --listen "127.0.0.1:$port" --pace instant >/dev/null
gw "$ann" join "$url" --as ann >/dev/null
gw "$bob" join "$url" --as bob >/dev/null
gw "$ann" apply >/dev/null 2>&1
gw "$bob" apply --through private-subnet >/dev/null 2>&1

t new-session -d -s board -x 100 -y 30
t respawn-pane -k -t board "GATEWALK_HOME='$inst' '$bin' classroom board; echo BOARD-EXIT=\$?; sleep 600"
wait_for "read " 60
wait_for "ann" 5
wait_for "10/10" 5
wait_for "4 load-balancer" 5
t send-keys -t board Enter
wait_for "live resources" 5
wait_for "ecs:service" 5
t send-keys -t board Escape
wait_for "STUDENT" 5
t send-keys -t board s
wait_for "sort: Progress" 5
gw "$inst" classroom break open-port --student ann >/dev/null
wait_for "open-port: red" 20
t send-keys -t board q
wait_for "BOARD-EXIT=0" 10
# The terminal is back: no alternate screen, the shell's own line shows.
if screen | grep -qF "STUDENT"; then
  echo "board-e2e: the board is still on screen after q:" >&2; screen >&2; exit 1
fi

# A student's wizard names the classroom and the student in its header.
t respawn-pane -k -t board "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY GATEWALK_HOME='$ann' '$bin'; echo WIZARD-EXIT=\$?; sleep 600"
wait_for "classroom $url as ann" 30
wait_for "account 210000000001" 30
t send-keys -t board q
wait_for "WIZARD-EXIT=0" 10
echo "board-e2e: ok"
