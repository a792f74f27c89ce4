#!/usr/bin/env bash
# Installs the pinned official heroku CLI into test/compat/heroku-cli, apart from
# Berth's own node_modules, so compatibility checks can drive it. Idempotent.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/test/compat/heroku-cli"

if [[ -x "$prefix/node_modules/.bin/heroku" ]]; then
  exit 0
fi

bash "$root/scripts/npm-install-cached.sh" "$prefix"
