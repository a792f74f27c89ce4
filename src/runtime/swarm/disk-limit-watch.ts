// Holds swarm instances to their size's disk. A task's working directory is a volume on its node's
// disk, and Docker 20.10 has nothing that sizes one there: `--storage-opt size` needs xfs project
// quotas and is no service option, a size-limited tmpfs volume starts empty (the engine's copy of
// the image's files is lost when it unmounts it again, moby#27068), and the loop devices the docker
// runtime uses can only be made on Berth's own machine. So the limit is kept the way Kubernetes
// keeps ephemeral-storage limits: the node meter measures each instance's directory every so often,
// and one found over its limit is stopped. Readings that arrive together are checked together, so
// a node's round of readings costs one look at the manager's tasks.
import type { Logger } from '../../platform/logger.js';
import type { DiskReading } from './node-reading.js';

export class DiskLimitWatch {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  /** check: given bytes in use by container id, stops the instances over their limit. */
  constructor(
    private readonly check: (usedByContainer: ReadonlyMap<string, number>) => Promise<void>,
    private readonly log: Logger,
    private readonly batchMs = 1000,
  ) {}

  take(reading: DiskReading): void {
    this.pending.set(reading.containerId, reading.bytes);
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.batchMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  /** A check that fails is not retried: the same containers are read again one disk interval later. */
  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.timer = undefined;
    try {
      await this.check(batch);
    } catch (e) {
      this.log.warn('disk-limit-check-failed', { containers: batch.size, error: (e as Error).message });
    }
  }
}
