// Instance sizes, named as Heroku's dyno sizes, with the limits the runtimes enforce.

export interface InstanceSize {
  readonly name: string;
  readonly memoryMb: number;
  /** Share of one CPU core (1 = one full core). */
  readonly cpu: number;
  readonly pids: number;
  /**
   * The instance's writable /app: on docker a filesystem of this size holding the app's files and
   * what it writes; writes past it fail with ENOSPC. The local runtime keeps only the writes, in
   * memory (tmpfs), so it allows the smaller of this and half the memory (memoryBackedDiskMb).
   */
  readonly diskMb: number;
}

export const INSTANCE_SIZES: readonly InstanceSize[] = [
  { name: 'eco', memoryMb: 512, cpu: 0.25, pids: 256, diskMb: 1024 },
  { name: 'basic', memoryMb: 512, cpu: 0.5, pids: 256, diskMb: 1024 },
  { name: 'standard-1x', memoryMb: 512, cpu: 1, pids: 256, diskMb: 2048 },
  { name: 'standard-2x', memoryMb: 1024, cpu: 2, pids: 512, diskMb: 4096 },
  { name: 'performance-m', memoryMb: 2560, cpu: 2, pids: 16384, diskMb: 8192 },
  { name: 'performance-l', memoryMb: 14336, cpu: 8, pids: 32768, diskMb: 16384 },
];

/**
 * What one build may use on the local runtime: more memory than a small dyno, since compilers and
 * npm need it. Its diskMb bounds the build's /tmp; the workspace itself is on the host's disk.
 */
export const BUILD_SIZE: InstanceSize = { name: 'build', memoryMb: 1024, cpu: 1, pids: 1024, diskMb: 512 };

export const DEFAULT_SIZE = 'standard-1x';

/** Heroku accepts sizes case-insensitively and with the old "1X"/"2X" spellings. */
const ALIASES: ReadonlyMap<string, string> = new Map([['1x', 'standard-1x'], ['2x', 'standard-2x'], ['standard', 'standard-1x']]);

export function findSize(name: string): InstanceSize | undefined {
  const lower = name.toLowerCase();
  const canonical = ALIASES.get(lower) ?? lower;
  return INSTANCE_SIZES.find((s) => s.name === canonical);
}

/**
 * What the local runtime lets an instance write into /app (and /tmp): tmpfs is memory, so it stays
 * below the memory limit, and a full disk answers ENOSPC before the memory limit would kill the app.
 */
export function memoryBackedDiskMb(size: InstanceSize): number {
  return Math.min(size.diskMb, Math.floor(size.memoryMb / 2));
}
