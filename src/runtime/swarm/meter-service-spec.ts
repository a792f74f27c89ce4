// The node meter's two Swarm services, each global (one task on every node), each Berth's own fixed
// script whose intervals, cap and paths reach it as arguments ($1…), never inside the script text:
//
// - the usage meter prints the machine's readings and one reading per running container on the node
//   (node-reading.ts) every few seconds. /proc/stat and /proc/meminfo show the whole machine from
//   inside a container; the node's cgroup tree, bound read-only at CGROUP_VIEW, shows each container's
//   counters (world-readable files). It needs no privilege, so it runs hardened like an instance:
//   nobody, no capabilities, read-only root, small limits.
// - the disk meter prints, less often, what each Berth instance's writable working directory holds
//   (disk-limit-watch.ts holds instances to their size's disk with it). It reads the engine's
//   containers/ and volumes/ directories, bound read-only and non-recursively under ENGINE_VIEW.
//   The engine's files are root's (0600) and an
//   instance's may have any mode, so it runs as root with CAP_DAC_READ_SEARCH and no other
//   capability. It is a service of its own so that this root never sees the cgroup tree, whose files
//   root owns and could write.
//
// no-new-privileges comes from each node's daemon.json. docs/SECURITY.md says why the views are fine.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { LABEL } from '../docker/container-labels.js';
import { SCOPE_LABEL } from '../docker/docker-runtime.js';
import { CONTAINER_READING_TAG, DISK_READING_TAG, READING_TAG, READING_VERSION } from './node-reading.js';

export const METER_ROLE = 'meter';
/** A digest of the spec Berth wants: a service carrying another one is updated to this one. */
export const METER_SPEC_LABEL = 'berth.meter.spec';

/** Where the node's /sys/fs/cgroup appears in the usage meter's task (read-only). */
export const CGROUP_VIEW = '/berth/cgroup';
/** Where the node's engine's containers/ and volumes/ (in /var/lib/docker) appear in the disk meter's task (read-only). */
export const ENGINE_VIEW = '/berth/engine';
/** Containers read per print at most: a node's lines stay bounded whatever runs there. */
export const CONTAINERS_PER_READING = 200;

/**
 * POSIX sh builtins only, besides sleep: any image with a shell can carry it. Arguments: the
 * interval ($1), the most containers a print reads ($2), where the node's cgroup tree is ($3).
 * Containers are the cgroups under the engine's parent (cgroupfs driver: docker/<id>; systemd
 * driver: system.slice/docker-<id>.scope) whose pids controller counts a task: an engine leaves
 * empty cgroups behind, and cgroup.procs cannot tell (it hides processes of other PID namespaces).
 * cgroup v1 has a hierarchy per controller; v2 one tree (cgroup.controllers at its root), where
 * the CPU counter is in microseconds, RSS is `anon`, and no limit reads `max`.
 */
const METER_SCRIPT = `
cg=$3
while :; do
  n=0
  while read -r name user nice system idle iowait irq softirq steal rest; do
    case $name in
      cpu) ticks="$user $nice $system $idle $iowait $irq $softirq $steal" ;;
      cpu[0-9]*) n=$((n + 1)) ;;
    esac
  done < /proc/stat
  while read -r key value rest; do
    case $key in
      MemTotal:) total=$value ;;
      MemAvailable:) available=$value ;;
    esac
  done < /proc/meminfo
  echo "${READING_TAG} ${READING_VERSION} $n $ticks $total $available"
  c=0
  if [ -r "$cg/cgroup.controllers" ]; then
    for dir in $cg/docker/*/ $cg/system.slice/docker-*.scope/; do
      [ "$c" -lt "$2" ] || break
      [ -r "\${dir}pids.current" ] && [ -r "\${dir}cpu.stat" ] && [ -r "\${dir}memory.stat" ] && [ -r "\${dir}memory.max" ] || continue
      read -r pids < "\${dir}pids.current"
      [ "$pids" != 0 ] || continue
      cpu=
      while read -r key value; do
        case $key in usage_usec) cpu=$((value * 1000)); break ;; esac
      done < "\${dir}cpu.stat"
      rss=
      while read -r key value; do
        case $key in anon) rss=$value; break ;; esac
      done < "\${dir}memory.stat"
      read -r limit < "\${dir}memory.max"
      [ "$limit" != max ] || limit=0
      name=\${dir%/}; name=\${name##*/}; id=\${name#docker-}; id=\${id%.scope}
      echo "${CONTAINER_READING_TAG} ${READING_VERSION} $id $cpu $rss $limit"
      c=$((c + 1))
    done
  else
    for dir in $cg/pids/docker/*/ $cg/pids/system.slice/docker-*.scope/; do
      [ "$c" -lt "$2" ] || break
      rel=\${dir#$cg/pids/}
      [ -r "\${dir}pids.current" ] && [ -r "$cg/cpuacct/\${rel}cpuacct.usage" ] && [ -r "$cg/memory/\${rel}memory.stat" ] && [ -r "$cg/memory/\${rel}memory.limit_in_bytes" ] || continue
      read -r pids < "\${dir}pids.current"
      [ "$pids" != 0 ] || continue
      read -r cpu < "$cg/cpuacct/\${rel}cpuacct.usage"
      read -r limit < "$cg/memory/\${rel}memory.limit_in_bytes"
      rss=
      while read -r key value; do
        case $key in total_rss) rss=$value; break ;; esac
      done < "$cg/memory/\${rel}memory.stat"
      name=\${rel%/}; name=\${name##*/}; id=\${name#docker-}; id=\${id%.scope}
      echo "${CONTAINER_READING_TAG} ${READING_VERSION} $id $cpu $rss $limit"
      c=$((c + 1))
    done
  fi
  sleep "$1"
done
`;

/**
 * Every $1 seconds: each running container whose labels make it a Berth instance (`berth.role`
 * formation), its anonymous volume from its config.v2.json (the working directory: the only volume
 * an instance has), and that volume's blocks in use, by du, at most $2 a round, with the engine's
 * data root at $3. grep and du are the only tools besides sleep (Berth's stack image has them).
 */
const DISK_SCRIPT = `
while :; do
  c=0
  for dir in "$3"/containers/*/; do
    [ "$c" -lt "$2" ] || break
    cfg=\${dir}config.v2.json
    [ -r "$cfg" ] || continue
    grep -q -F '"berth.role":"formation"' "$cfg" && grep -q -F '"Running":true' "$cfg" || continue
    src=$(grep -o '"Source":"[^"]*/volumes/[0-9a-f]*/_data"' "$cfg") || continue
    vol=\${src%%/_data*}; vol=\${vol##*/}
    [ -d "$3/volumes/$vol/_data" ] || continue
    kb=$(du -skx "$3/volumes/$vol/_data" 2>/dev/null)
    kb=\${kb%%[!0-9]*}
    [ -n "$kb" ] || continue
    id=\${dir%/}; id=\${id##*/}
    echo "${DISK_READING_TAG} ${READING_VERSION} $id $kb"
    c=$((c + 1))
  done
  sleep "$1"
done
`;

export interface MeterShape {
  /** Whose meter (one per BERTH_HOME, as the runtime's scope). */
  scope: string;
  /** The image as nodes pull it from Berth's registry (Berth's stack image). */
  image: string;
  intervalSeconds: number;
  /** Seconds between two disk readings of an instance (du walks its whole tree, so less often). */
  diskIntervalSeconds: number;
}

export const meterServiceName = (scope: string): string => `berth-meter-${scope}`;
export const diskMeterServiceName = (scope: string): string => `berth-disk-meter-${scope}`;

/** Both meter services Berth wants on every node. */
export function meterServiceSpecs(shape: MeterShape): Docker.CreateServiceOptions[] {
  return [usageMeterSpec(shape), diskMeterSpec(shape)];
}

export function usageMeterSpec(shape: MeterShape): Docker.CreateServiceOptions {
  return meterSpec(meterServiceName(shape.scope), shape, {
    Command: ['sh', '-c', METER_SCRIPT, READING_TAG, String(shape.intervalSeconds), String(CONTAINERS_PER_READING), CGROUP_VIEW],
    User: '65534:65534',
    CapabilityDrop: ['ALL'],
    // The node's cgroup tree, to read each container's counters; read-only, and its files are
    // root's (0444/0644): nobody without capabilities could not write them either.
    Mounts: [{ Type: 'bind', Source: '/sys/fs/cgroup', Target: CGROUP_VIEW, ReadOnly: true }],
  });
}

export function diskMeterSpec(shape: MeterShape): Docker.CreateServiceOptions {
  return meterSpec(diskMeterServiceName(shape.scope), shape, {
    Command: ['sh', '-c', DISK_SCRIPT, DISK_READING_TAG, String(shape.diskIntervalSeconds), String(CONTAINERS_PER_READING), ENGINE_VIEW],
    // root for the engine's files (0600 root), and DAC_READ_SEARCH alone to walk an instance's files
    // whatever their modes; nothing it can write to.
    User: '0:0',
    CapabilityDrop: ['ALL'],
    CapabilityAdd: ['CAP_DAC_READ_SEARCH'],
    // Only the two directories it reads, not the whole data root (whose overlay2/ holds every
    // container's root filesystem). Non-recursive, so none of what is mounted below them is in the
    // view (a mount below a read-only bind stays writable); the engine insists on rslave for a bind
    // from inside its data root, so mounts made there later do appear (docs/SECURITY.md).
    Mounts: ['containers', 'volumes'].map((dir) => ({
      Type: 'bind', Source: `/var/lib/docker/${dir}`, Target: `${ENGINE_VIEW}/${dir}`, ReadOnly: true, BindOptions: { Propagation: 'rslave', NonRecursive: true },
    }) as Docker.MountSettings),
  } as Partial<Docker.ContainerSpec>);
}

function meterSpec(name: string, shape: MeterShape, container: Partial<Docker.ContainerSpec>): Docker.CreateServiceOptions {
  const labels = { [LABEL.managed]: '1', [SCOPE_LABEL]: shape.scope, [LABEL.role]: METER_ROLE };
  const spec = {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: shape.image,
        Labels: labels,
        ReadOnly: true,
        ...container,
        // sh as PID 1 ignores SIGTERM: an init passes the stop signal on, so a stop or update is quick.
        Init: true,
        StopGracePeriod: 1e9,
      },
      Resources: { Limits: { NanoCPUs: 50_000_000, MemoryBytes: 16 * 1024 ** 2, Pids: 8 } as Docker.ResourceRequirements['Limits'] },
      // Swarm restarts the meter itself: it is Berth's own tool, not an instance the health manager owns.
      RestartPolicy: { Condition: 'any', Delay: 5e9 },
      // The service logs API reads json-file logs; capped, as a line every few seconds adds up on a node.
      LogDriver: { Name: 'json-file', Options: { 'max-size': '1m', 'max-file': '2' } },
    },
    Mode: { Global: {} },
  } satisfies Docker.CreateServiceOptions;
  const digest = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
  return { ...spec, Labels: { ...labels, [METER_SPEC_LABEL]: digest } };
}
