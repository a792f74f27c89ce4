// Server paths are not a tenant's business: BERTH_HOME says where every app's slugs, sources and
// databases live, and Berth's own install path says what runs the platform. Text a tenant sees
// (API error messages, build output) goes through a hider made from those roots.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export type PathHider = (text: string) => string;

export const showPaths: PathHider = (text) => text;

/** Replaces each root (and its resolved form, if a symlink leads there) by its label, wherever it appears. */
export function pathHider(roots: Record<string, string>): PathHider {
  const pairs: [string, string][] = [];
  for (const [label, root] of Object.entries(roots)) {
    const forms = new Set([resolve(root)]);
    try {
      forms.add(realpathSync(root));
    } catch {
      // Not created yet: the plain form is the only one anything can print.
    }
    // A one-segment root (`/app`, `/srv`) is a word every tenant's own output uses too; hiding it would garble that.
    for (const form of forms) if (form.split('/').filter(Boolean).length >= 2) pairs.push([form.replace(/\/+$/, ''), label]);
  }
  // Longest first, so a root inside another (BERTH_HOME inside the install tree) keeps its own label.
  pairs.sort((a, b) => b[0].length - a[0].length);
  return (text) => pairs.reduce((t, [root, label]) => t.split(root).join(label), text);
}
