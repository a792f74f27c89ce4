// The fixed shell script every local instance starts from. All variable data (paths, the
// command, ids) arrive as positional arguments and the app's env from a file: nothing is
// ever interpolated into this text, so no config var or name can become shell code.

/**
 * Usage: `bash instance-init.sh host MODE STATE_DIR APP_DIR HOSTNAME UID GID COMMAND [CGROUP_DIR...]`
 *
 * `host` runs in the host namespaces as the detached session leader Berth spawns. It joins the
 * cgroups, runs the instance (through `unshare` when MODE is `isolated`, directly when `plain`;
 * isolated, inside the network namespace named by BERTH_NETNS in its environment, if set),
 * writes the exit status to STATE_DIR/exit-code and throws away the overlay's upper layer. It
 * traps TERM only so that it survives a stop long enough to record the status.
 *
 * `inner` is PID 1 of the new PID namespace (isolated mode only). It reads the env file before
 * /tmp is replaced (the state dir may live under /tmp), mounts the overlay at /app and a private
 * /tmp, sets the hostname, then runs the command as the app's unprivileged user. As PID 1 it
 * would ignore SIGTERM by default, so it forwards TERM/INT to every process in the namespace.
 */
export const INSTANCE_INIT_SCRIPT = `#!/bin/bash
set -u
role=$1; mode=$2; state=$3; appdir=$4; host=$5; uid=$6; gid=$7; cmd=$8
shift 8
exec 3<&0

# As on Heroku, scripts a buildpack left in .profile.d (e.g. the Python venv on PATH) are
# sourced before the command; the command itself arrives as "$1", never as script text.
with_profile='for f in ./.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec /bin/bash -c "$1"'

read_env() {
  envs=()
  while IFS= read -r -d '' kv; do envs+=("$kv"); done < "$state/env"
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
  if [ "$mode" = isolated ]; then
    # BERTH_NETNS: the instance's own network namespace, made and wired by Berth beforehand.
    net=(); [ -n "\${BERTH_NETNS:-}" ] && net=(nsenter --net="$BERTH_NETNS" --)
    "\${net[@]}" unshare --pid --fork --kill-child --mount --ipc --uts --mount-proc --propagation private -- \\
      /bin/bash "$0" inner "$mode" "$state" "$appdir" "$host" "$uid" "$gid" "$cmd"
    rc=$?
    rm -rf -- "$state/upper" "$state/work"
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

# role = inner: PID 1 of the instance's namespaces, still root. Everything under the state dir
# is opened before /tmp is replaced, because the state dir may live under /tmp.
read_env
exec 4>"$state/app-status"
mkdir -p -- "$state/upper" "$state/work"
chown -- "$uid:$gid" "$state/upper"
chmod 0755 -- "$state/upper"
mount -t overlay overlay -o "lowerdir=$appdir,upperdir=$state/upper,workdir=$state/work" /app || exit 125
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp || exit 125
printf '%s' "$host" > /proc/sys/kernel/hostname || exit 125
cd /app || exit 125
# As PID 1 this shell would ignore SIGTERM; it passes it on to every process in the namespace.
trap 'signalled=1; kill -TERM -1 2>/dev/null' TERM
trap 'signalled=1; kill -INT -1 2>/dev/null' INT
run_app setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- \\
  env -i "\${envs[@]}" /bin/bash -c "$with_profile" berth "$cmd" &
child=$!
wait_for_child
exit 0
`;
