#!/usr/bin/env bash
# The real-terminal run: `gatewalk --sandbox` under tmux, driven with
# send-keys through all ten steps, the done screen captured with its invoke
# URL, then teardown and quit. Needs tmux (installed here when missing and
# possible) and GATEWALK_MOTO (scripts/test sets it).
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

t new-session -d -s e2e -x 100 -y 30 \
  "GATEWALK_HOME='$home' GATEWALK_MOTO='${GATEWALK_MOTO:-}' '$bin' --sandbox; echo GATEWALK-EXIT=\$?; sleep 600"
wait_for "No sessions yet" 90
t send-keys -t e2e n
t send-keys -t e2e -l e2e
t send-keys -t e2e Enter
wait_for "Steps 0/10" 60
for n in 1 2 3 4 5 6 7 8 9; do
  t send-keys -t e2e a
  wait_for "Steps $n/10" 180
done
t send-keys -t e2e a
wait_for "Invoke URL  https://" 120
echo "tui-e2e: the done screen:"
screen
screen | grep -qE "https://[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com/prod/"

t send-keys -t e2e T
t send-keys -t e2e -l e2e
t send-keys -t e2e Enter
wait_for "nothing tagged gatewalk:session=e2e remains" 180
t send-keys -t e2e q
wait_for "GATEWALK-EXIT=0" 20
echo "tui-e2e: ten steps applied, done screen shown, torn down, terminal restored"
