#!/usr/bin/env bash
# Installs everything the test suites need on Debian 12, idempotently: system packages via
# apt-get, then the official heroku CLI into its own folder for the compatibility suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# postgresql/redis-server: Berth runs its own servers from these packages' binaries, on ports it
# picks; it never uses (or needs) the Debian services.
# docker.io/debootstrap: the docker runtime's suites; with no registry reachable Berth builds its
# stack image from a debootstrap root filesystem (about 2 minutes, once: the image is kept).
# iproute2/iptables: the local runtime gives every instance and build a network namespace on a
# bridge of its own, with NAT for egress.
# docker-registry: the base-image pull suite starts its own registries on loopback ports; the
# package's own service (port 5000, Berth's default API port) is stopped and disabled below.
# prometheus (and its promtool): the /metrics suite starts its own server scraping a Berth; the
# package's own service is stopped and disabled below, like the registry's.
packages=(git util-linux python3 python3-venv curl ca-certificates procps iproute2 iptables postgresql postgresql-client redis-server docker.io debootstrap docker-registry prometheus rsyslog rsyslog-gnutls pebble)
# rsyslog/rsyslog-gnutls: the log-drain suite starts its own rsyslogd (no daemon, its own config and
# loopback ports) as the syslog receiver, over TCP and TLS; the package's own service is not needed.
# pebble: the ACME suites start Let's Encrypt's test CA (pebble) and its DNS server
# (pebble-challtestsrv) on loopback ports of their own.
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
  if [[ " ${missing[*]} " == *" docker-registry "* ]]; then
    # Installing it starts a registry on :5000 where an init system runs services; tests start their own.
    if [ -d /run/systemd/system ]; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
    invoke-rc.d docker-registry stop >/dev/null 2>&1 || true
    update-rc.d docker-registry disable >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    if [ -d /run/systemd/system ]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
    invoke-rc.d prometheus stop >/dev/null 2>&1 || true
    update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
fi

# The Docker engine, started in the background when nothing answers on its socket (no systemd here).
if [ "$(id -u)" -eq 0 ] && ! docker version >/dev/null 2>&1; then
  echo "install-test-deps: starting dockerd"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version >/dev/null 2>&1 || { echo "install-test-deps: dockerd did not start; see /var/log/dockerd.log" >&2; exit 1; }
fi

bash scripts/install-heroku-cli.sh
