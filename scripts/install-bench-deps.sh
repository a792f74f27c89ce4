#!/usr/bin/env bash
# Installs the load generators and peer proxies `npm run bench` measures against, idempotently,
# from Debian's archive: wrk, nginx, caddy, h2load (nghttp2-client), taskset (util-linux).
# The packages' own services are stopped and disabled again: the benchmarks start nginx and caddy
# themselves with their own config files in temp dirs and never touch the system ones.
set -euo pipefail

declare -A tool_of=([wrk]=wrk [nginx]=nginx [caddy]=caddy [nghttp2-client]=h2load [util-linux]=taskset)
missing=()
for p in "${!tool_of[@]}"; do
  command -v "${tool_of[$p]}" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-bench-deps: wrk, nginx, caddy, h2load and taskset are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-bench-deps: need root to install: ${missing[*]}" >&2
  echo "  run: sudo bash scripts/install-bench-deps.sh" >&2
  exit 1
fi
echo "install-bench-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d exit 101 keeps the packages' postinst from starting nginx/caddy on :80.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}"
for t in "${missing[@]}"; do
  command -v "${tool_of[$t]}" >/dev/null 2>&1 || { echo "install-bench-deps: ${tool_of[$t]} still missing after installing $t" >&2; exit 1; }
done
echo "install-bench-deps: done"
