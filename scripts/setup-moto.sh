#!/usr/bin/env bash
# Installs the pinned AWS emulator (moto[server]) into a private venv, once.
# Prints the path of moto_server. Used by scripts/gatewalk, scripts/test and CI.
set -euo pipefail
MOTO_VERSION=5.2.5   # keep in step with MOTO_VERSION in src/sandbox.rs
venv="${GATEWALK_VENV:-$HOME/.cache/gatewalk/moto-$MOTO_VERSION}"
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto[server]==$MOTO_VERSION into $venv (once)..." >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
echo "$venv/bin/moto_server"
