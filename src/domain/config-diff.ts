// What a config change did, by key only: the audit trail records which keys were added, changed
// or removed, never a value (values are secrets as often as not).
import type { ConfigVars } from './types.js';

export interface ConfigKeyChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export function configKeyChanges(before: ConfigVars, after: ConfigVars): ConfigKeyChanges {
  const keys = (vars: ConfigVars) => Object.keys(vars).sort();
  return {
    added: keys(after).filter((k) => !Object.hasOwn(before, k)),
    changed: keys(after).filter((k) => Object.hasOwn(before, k) && before[k] !== after[k]),
    removed: keys(before).filter((k) => !Object.hasOwn(after, k)),
  };
}
