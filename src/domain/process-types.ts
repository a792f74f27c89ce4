// Process types of a slug, as user data: they come from the app's Procfile, its buildpacks or its
// image, so a lookup must see only the types the slug defines, never what every object inherits.
import { BerthError } from './errors.js';
import { isProcessType, processTypeProblem } from './names.js';
import type { ProcessTypes } from './types.js';

/** The command of a type the slug defines, or undefined: `constructor` is not a type of any slug. */
export function commandOf(types: ProcessTypes | undefined, type: string): string | undefined {
  return types !== undefined && Object.hasOwn(types, type) ? types[type] : undefined;
}

/**
 * Checks what a build produced against the one process type rule, whichever builder made it
 * (Procfile, a classic buildpack's bin/release, a Dockerfile image), so that no deploy can create
 * a type that ps:scale would refuse.
 */
export function checkProcessTypes(types: ProcessTypes): ProcessTypes {
  const checked = new Map<string, string>();
  for (const [type, command] of Object.entries(types)) {
    if (!isProcessType(type)) throw new BerthError('build_failed', `The build declared ${processTypeProblem(type)}.`, 'build');
    if (typeof command !== 'string' || command.trim() === '') {
      throw new BerthError('build_failed', `The build declared process type "${type}" without a command.`, 'build');
    }
    checked.set(type, command);
  }
  return Object.fromEntries(checked);
}
