// Instance sizes, named as Heroku's dyno sizes, with the limits the runtimes enforce.

export interface InstanceSize {
  readonly name: string;
  readonly memoryMb: number;
  /** Share of one CPU core (1 = one full core). */
  readonly cpu: number;
  readonly pids: number;
  /** The instance's writable /app (the app's files included); writes past it fail with ENOSPC. */
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

export const DEFAULT_SIZE = 'standard-1x';

/** Heroku accepts sizes case-insensitively and with the old "1X"/"2X" spellings. */
const ALIASES: ReadonlyMap<string, string> = new Map([['1x', 'standard-1x'], ['2x', 'standard-2x'], ['standard', 'standard-1x']]);

export function findSize(name: string): InstanceSize | undefined {
  const lower = name.toLowerCase();
  const canonical = ALIASES.get(lower) ?? lower;
  return INSTANCE_SIZES.find((s) => s.name === canonical);
}
