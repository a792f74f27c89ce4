#!/usr/bin/env bash
# Installs everything the test suites need on Debian 12, idempotently: system packages via
# apt-get, then the official heroku CLI into its own folder for the compatibility suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# postgresql/redis-server: Berth runs its own servers from these packages' binaries, on ports it
# picks; it never uses (or needs) the Debian services.
packages=(git util-linux python3 python3-venv curl ca-certificates procps iproute2 postgresql postgresql-client redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

bash scripts/install-heroku-cli.sh
