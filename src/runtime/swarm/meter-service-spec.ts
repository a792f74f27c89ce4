// The node meter's Swarm service: a global service (one task on every node) that prints the
// machine's readings (node-reading.ts) every few seconds. Its command is Berth's own fixed script,
// never data: the interval reaches it as an argument ($1), not inside the script text. It needs no
// privilege at all — /proc/stat and /proc/meminfo show the whole machine from inside a container
// on cgroup v1 and v2 alike — so it runs hardened like an instance: nobody, no capabilities,
// read-only root, small limits (no-new-privileges comes from each node's daemon.json).
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { LABEL } from '../docker/container-labels.js';
import { SCOPE_LABEL } from '../docker/docker-runtime.js';
import { READING_TAG, READING_VERSION } from './node-reading.js';

export const METER_ROLE = 'meter';
/** A digest of the spec Berth wants: a service carrying another one is updated to this one. */
export const METER_SPEC_LABEL = 'berth.meter.spec';

/** POSIX sh builtins only, besides sleep: any image with a shell can carry it. */
const METER_SCRIPT = `
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
  sleep "$1"
done
`;

export interface MeterShape {
  /** Whose meter (one per BERTH_HOME, as the runtime's scope). */
  scope: string;
  /** The image as nodes pull it from Berth's registry (Berth's stack image). */
  image: string;
  intervalSeconds: number;
}

export const meterServiceName = (scope: string): string => `berth-meter-${scope}`;

export function meterServiceSpec(shape: MeterShape): Docker.CreateServiceOptions {
  const labels = { [LABEL.managed]: '1', [SCOPE_LABEL]: shape.scope, [LABEL.role]: METER_ROLE };
  const spec = {
    Name: meterServiceName(shape.scope),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: shape.image,
        Command: ['sh', '-c', METER_SCRIPT, READING_TAG, String(shape.intervalSeconds)],
        Labels: labels,
        User: '65534:65534',
        ReadOnly: true,
        CapabilityDrop: ['ALL'],
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
