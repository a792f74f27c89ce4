// The fixed shell script every local sandbox starts from: instances, one-offs and (as root)
// builds. All variable data (paths, the command, ids) arrive as positional arguments, the
// app's env and a build's mounts and argv from files: nothing is ever interpolated into this
// text, so no config var or name can become shell code.
import { SANDBOX_ROOT_FUNCTIONS } from './sandbox-root-script.js';

/**
 * Usage: `bash instance-init.sh host MODE STATE_DIR APP_DIR HOSTNAME UID GID COMMAND [CGROUP_DIR...]`,
 * with BERTH_DISK_MB in its environment (the size of the sandbox's writable /app layer and /tmp).
 *
 * `host` runs in the host namespaces as the session leader Berth spawns. It joins the cgroups,
 * runs the sandbox (through `unshare` when MODE is `isolated` or `build`, directly when `plain`;
 * inside the network namespace named by BERTH_NETNS in its environment, if set), writes the exit
 * status to STATE_DIR/exit-code. It traps TERM only so that it survives a stop long enough to
 * record the status.
 *
 * `inner` is PID 1 of the new PID namespace. It reads the env file, builds the minimal root
 * (sandbox-root-script.ts) in STATE_DIR/root and, for an instance, mounts /app: an overlay over
 * the slug (APP_DIR) whose writable layer is a tmpfs of BERTH_DISK_MB; for a build (MODE `build`)
 * the binds listed in STATE_DIR/binds (APP_DIR and COMMAND unused). It pivots into that root, sets
 * the hostname, then runs the command as the unprivileged UID with no new privileges: an
 * instance's COMMAND through bash, a build's argv from STATE_DIR/argv. As PID 1 it would ignore
 * SIGTERM by default, so it forwards TERM/INT to every process in the namespace.
 */
export const INSTANCE_INIT_SCRIPT = `#!/bin/bash
set -u
role=$1; mode=$2; state=$3; appdir=$4; host=$5; uid=$6; gid=$7; cmd=$8
shift 8
exec 3<&0
disk_mb=\${BERTH_DISK_MB:-256}
${SANDBOX_ROOT_FUNCTIONS}

# As on Heroku, scripts a buildpack left in .profile.d (e.g. the Python venv on PATH) are
# sourced before the command; the command itself arrives as "$1", never as script text.
with_profile='for f in ./.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec /bin/bash -c "$1"'

read_env() {
  envs=()
  while IFS= read -r -d '' kv; do envs+=("$kv"); done < "$state/env"
}

# A build's mounts: NUL-separated triples HOST_PATH, SANDBOX_PATH, ro|rw.
mount_binds() {
  local root=$1 from to access
  while IFS= read -r -d '' from && IFS= read -r -d '' to && IFS= read -r -d '' access; do
    mkdir -p -- "$root$to" || return 1
    if [ "$access" = ro ]; then ro_bind "$from" "$root$to" || return 1
    else mount --bind -o nosuid,nodev -- "$from" "$root$to" || return 1
    fi
  done < "$state/binds"
}

# The app's exit status is taken by a wrapper that ignores TERM/INT itself, so its foreground
# wait is never interrupted (bash can lose a background child's status when a trap interrupts
# wait). The app gets default signal handling back before it starts. Status goes to fd 4.
run_app() {
  trap '' TERM INT HUP
  ( trap - TERM INT HUP; exec "$@" 0<&3 3<&- 4>&- )
  echo $? >&4
}

# Waits for the wrapper however often a trapped signal interrupts the wait.
wait_for_child() {
  while :; do
    signalled=0
    wait "$child"
    [ "$signalled" = 1 ] || break
  done
}

if [ "$role" = host ]; then
  for cg in "$@"; do
    echo $$ > "$cg/cgroup.procs" || { echo "berth: cannot join cgroup $cg" >&2; exit 125; }
  done
  trap 'signalled=1' TERM INT HUP
  : > "$state/app-status"
  if [ "$mode" != plain ]; then
    # BERTH_NETNS: the sandbox's own network namespace, made and wired by Berth beforehand.
    net=(); [ -n "\${BERTH_NETNS:-}" ] && net=(nsenter --net="$BERTH_NETNS" --)
    "\${net[@]}" unshare --pid --fork --kill-child --mount --ipc --uts --mount-proc --propagation private -- \\
      /bin/bash "$0" inner "$mode" "$state" "$appdir" "$host" "$uid" "$gid" "$cmd"
    rc=$?
  else
    read_env
    cd -- "$appdir" || exit 125
    # Without the sandbox, root must still never run app code: drop to the app's uid when we
    # can, and refuse to run the command at all when we cannot.
    drop=()
    if [ "$(id -u)" = 0 ]; then
      command -v setpriv >/dev/null || { echo "berth: refusing to run app code as root without setpriv" >&2; exit 125; }
      drop=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --)
    fi
    run_app "\${drop[@]}" env -i "\${envs[@]}" /bin/bash -c "$with_profile" berth "$cmd" 4>"$state/app-status" &
    child=$!
    wait_for_child
    rc=125
  fi
  recorded=$(cat -- "$state/app-status")
  rc=\${recorded:-$rc}
  echo "$rc" > "$state/exit-code.tmp" && mv -f -- "$state/exit-code.tmp" "$state/exit-code"
  exit "$rc"
fi

# role = inner: PID 1 of the sandbox's namespaces, still root. Everything under the state dir
# is opened before the pivot, after which the host's tree is gone.
read_env
exec 4>"$state/app-status"
mkdir -p -- "$state/root" "$state/rw" || exit 125
make_root "$state/root" "$uid" "$gid" "$disk_mb" || { echo "berth: cannot build the sandbox's root" >&2; exit 125; }
if [ "$mode" = build ]; then
  mount_binds "$state/root" || { echo "berth: cannot mount the build's directories" >&2; exit 125; }
  argv=()
  while IFS= read -r -d '' arg; do argv+=("$arg"); done < "$state/argv"
  workdir=/workspace
else
  # The app's writes over the slug live in memory of a bounded size: a full /app says ENOSPC, the
  # pages count against the instance's memory cgroup, and they vanish with the namespace.
  mount -t tmpfs -o "mode=0700,size=\${disk_mb}m" berth-rw "$state/rw" || exit 125
  mkdir -- "$state/rw/work" && install -d -o "$uid" -g "$gid" -m 0755 -- "$state/rw/upper" || exit 125
  mount -t overlay overlay -o "lowerdir=$appdir,upperdir=$state/rw/upper,workdir=$state/rw/work" "$state/root/app" || exit 125
  argv=(/bin/bash -c "$with_profile" berth "$cmd")
  workdir=/app
fi
printf '%s' "$host" > /proc/sys/kernel/hostname || exit 125
enter_root "$state/root" || { echo "berth: cannot enter the sandbox's root" >&2; exit 125; }
cd "$workdir" || exit 125
# As PID 1 this shell would ignore SIGTERM; it passes it on to every process in the namespace.
trap 'signalled=1; kill -TERM -1 2>/dev/null' TERM
trap 'signalled=1; kill -INT -1 2>/dev/null' INT
run_app setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- \\
  env -i "\${envs[@]}" "\${argv[@]}" &
child=$!
wait_for_child
exit 0
`;
