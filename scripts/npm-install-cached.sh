#!/usr/bin/env bash
# npm install in DIR, starting from a copy of the node_modules an earlier run on this machine built
# from the same package-lock.json (or package.json where there is no lock) and Node.js: a clean clone then skips the downloads and the native
# builds (better-sqlite3 compiles from source where GitHub, its prebuilt binaries' home, is out of
# reach). npm install still runs, and makes node_modules match the lock whatever the copy held.
# The copy is kept in BERTH_NPM_CACHE_DIR (default /var/cache/berth/node_modules); without a copy,
# a plain install, whose result becomes the copy.
set -euo pipefail

dir="$(cd "${1:?usage: npm-install-cached.sh DIR [npm install flags…]}" && pwd)"
shift
cache_dir="${BERTH_NPM_CACHE_DIR:-/var/cache/berth/node_modules}"
# What the install resolves from: the lock where there is one, else the (pinned) package.json.
manifest="$dir/package-lock.json"
[[ -f "$manifest" ]] || manifest="$dir/package.json"
key="$(cat "$manifest" <(node -p 'process.version + process.arch + process.platform') | sha256sum | cut -c1-24)"
copy="$cache_dir/$key.tar"

if [[ -f "$copy" && ! -d "$dir/node_modules" ]]; then
  echo "npm-install-cached: node_modules of $dir from $copy"
  tar -xf "$copy" -C "$dir"
fi
npm install --prefer-offline --no-audit --no-fund --prefix "$dir" "$@"
if [[ ! -f "$copy" ]] && mkdir -p "$cache_dir" 2>/dev/null; then
  # Written aside and moved into place, so a run cut short never leaves half a copy.
  tar -cf "$copy.$$" -C "$dir" node_modules && mv "$copy.$$" "$copy" || rm -f "$copy.$$"
fi
