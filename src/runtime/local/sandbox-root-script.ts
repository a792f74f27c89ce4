// The minimal root a sandboxed process (an instance or a build) sees instead of the host's: bash
// functions the init script includes. Only what programs need is there, read-only; nothing of
// /home, /root, /var, /run, /work, /sys or BERTH_HOME, and a /proc of the sandbox's own PID namespace.

/**
 * `make_root ROOT UID GID DISK_MB` builds the tree on a tmpfs at ROOT (an empty directory, mounted
 * only in the sandbox's private mount namespace): read-only binds of /usr (and /bin, /lib… as the
 * host has them, symlinks on a merged-/usr system), a few config files copied into /etc, a passwd
 * naming the sandbox's user `dyno`, a /dev of the harmless devices, a new /proc, a private /tmp of
 * DISK_MB. Callers add their own mounts (the /app overlay, a build's workspace) under ROOT, then
 * `enter_root ROOT` pivots into it, drops the host's tree and makes the root itself read-only.
 */
export const SANDBOX_ROOT_FUNCTIONS = `
# Copied, not bound: small files whose host versions may be replaced (resolv.conf) at any time.
# Only distribution defaults: nothing an operator configures for the host (e.g. /etc/gitconfig).
root_etc_files=(hosts resolv.conf nsswitch.conf host.conf gai.conf protocols services localtime timezone
  ld.so.cache ld.so.conf mime.types debian_version os-release bash.bashrc profile inputrc)
# Bound read-only: trees programs read (certificates, Debian's alternatives links).
root_etc_dirs=(ssl alternatives)
# Every program started here costs a fork and exec on each instance start, so the steps are batched.

ro_bind() {
  mount --bind -o ro,nosuid,nodev -- "$1" "$2"
}

make_root() {
  local root=$1 uid=$2 gid=$3 disk_mb=$4 d f
  mount -t tmpfs -o mode=0755,nosuid,size=16m berth-root "$root" || return 1
  local links=() binds=() files=() dirs=("$root/etc" "$root/dev/shm" "$root/dev/pts" "$root/proc" "$root/tmp" "$root/app" "$root/.old-root")
  for d in usr bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$d" ]; then links+=("/$d")
    elif [ -d "/$d" ]; then binds+=("/$d"); dirs+=("$root/$d")
    fi
  done
  for d in "\${root_etc_dirs[@]}"; do [ -d "/etc/$d" ] && binds+=("/etc/$d") && dirs+=("$root/etc/$d"); done
  for f in "\${root_etc_files[@]}"; do [ -e "/etc/$f" ] && files+=("/etc/$f"); done
  mkdir -p -- "\${dirs[@]}" || return 1
  # A merged-/usr host's /bin, /lib… are symlinks into /usr: copied as the links they are.
  if [ "\${#links[@]}" -gt 0 ]; then cp -P -t "$root" -- "\${links[@]}" || return 1; fi
  for d in "\${binds[@]}"; do ro_bind "$d" "$root$d" || return 1; done
  cp -L -t "$root/etc" -- "\${files[@]}" || return 1
  printf 'root:x:0:0:root:/nonexistent:/usr/sbin/nologin\\ndyno:x:%s:%s:dyno:/app:/bin/bash\\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\\n' "$uid" "$gid" > "$root/etc/passwd"
  printf 'root:x:0:\\ndyno:x:%s:\\nnogroup:x:65534:\\n' "$gid" > "$root/etc/group"
  make_dev "$root/dev" || return 1
  mount -t proc -o nosuid,nodev,noexec proc "$root/proc" || return 1
  mount -t tmpfs -o "mode=1777,nosuid,nodev,size=\${disk_mb}m" tmpfs "$root/tmp" || return 1
}

# Only devices every program may use, and the usual /proc/self/fd links (copied from the host's,
# so the same nodes, modes and targets), on the root's tmpfs; a new devpts instance, so no host
# terminal is reachable.
make_dev() {
  local dev=$1
  cp -a -t "$dev" -- /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty \\
    /dev/fd /dev/stdin /dev/stdout /dev/stderr || return 1
  mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m shm "$dev/shm" || return 1
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts "$dev/pts" || return 1
  ln -s pts/ptmx "$dev/ptmx"
}

# The root stays writable only for root: everything in it is root's and 0755/0644, and the sandbox's
# processes are never root (no remount read-only, one program less per start).
enter_root() {
  local root=$1
  cd "$root" && pivot_root . .old-root && cd / || return 1
  # Lazily: the host's mounts below it stay busy (this script's own file) until nothing uses them.
  umount -l /.old-root && rmdir /.old-root
}
`;
