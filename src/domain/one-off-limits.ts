// What one tenant's one-off dynos (`berth run`) may take from a shared machine: how many at once,
// how big, how long. One-offs run outside the formation, so without these a tenant could start
// any number of the largest instances and keep them forever.
import { DEFAULT_SIZE, findSize, INSTANCE_SIZES, type InstanceSize } from './sizes.js';

/** One-off dynos of one app that may be starting or running at the same time, attached or not. */
export const MAX_RUNNING_ONE_OFFS_PER_APP = 5;

/** Heroku stops a one-off dyno after 24 hours; Berth does the same unless the operator sets otherwise. */
export const DEFAULT_ONE_OFF_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * The largest size a one-off of this app may have: the biggest its formation uses, and never less
 * than the default size, so an app with no formation (or only small ones) can still run a task.
 * Heroku lets any size and bills it; Berth has no billing, so a one-off may not claim more than
 * the app's own processes are already allowed to.
 */
export function largestOneOffSize(formationSizes: readonly string[]): InstanceSize {
  const sizes = [DEFAULT_SIZE, ...formationSizes].map(findSize).filter((s): s is InstanceSize => s !== undefined);
  // INSTANCE_SIZES lists the sizes smallest first.
  return sizes.reduce((big, s) => (INSTANCE_SIZES.indexOf(s) > INSTANCE_SIZES.indexOf(big) ? s : big));
}

/** A one-off fits under the cap when it takes no more memory and no more CPU than the cap allows. */
export const fitsUnder = (size: InstanceSize, cap: InstanceSize): boolean => size.memoryMb <= cap.memoryMb && size.cpu <= cap.cpu;
