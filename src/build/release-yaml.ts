// Reads the `default_process_types` of a classic buildpack's bin/release output: the small YAML
// subset buildpacks print (a top-level map of `key: value` lines), without a YAML library.
import type { ProcessTypes } from '../domain/types.js';

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  return v;
}

export function parseReleaseYaml(text: string): ProcessTypes {
  const types: ProcessTypes = {};
  let inSection = false;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trim().startsWith('#') || line === '---') continue;
    const indented = /^\s/.test(line);
    if (!indented) {
      inSection = /^default_process_types:\s*$/.test(line);
      continue;
    }
    if (!inSection) continue;
    const m = /^\s+([A-Za-z0-9_-]+|"[A-Za-z0-9_-]+"):\s*(.*)$/.exec(line);
    if (m && m[2] !== undefined && m[2].trim() !== '') types[unquote(m[1] ?? '')] = unquote(m[2]);
  }
  return types;
}
