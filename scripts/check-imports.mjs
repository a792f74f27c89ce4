#!/usr/bin/env node
// Fails on an import cycle in src/, or on an import that points the wrong way between layers
// (DESIGN.md: domain ← store/build/runtime/addons ← services ← api/health/router/deploy ← main).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');

/** What each top-level folder may import, besides itself. */
const ALLOWED = {
  domain: [],
  platform: ['domain'],
  store: ['domain', 'platform'],
  logs: ['domain', 'platform'],
  metrics: ['domain', 'platform', 'logs'],
  build: ['domain', 'platform', 'logs'],
  runtime: ['domain', 'platform', 'logs'],
  addons: ['domain', 'platform', 'store', 'runtime'],
  services: ['domain', 'platform', 'store', 'logs', 'build', 'runtime', 'addons', 'metrics', 'deploy'],
  deploy: ['domain', 'platform', 'logs'],
  health: ['domain', 'platform', 'store', 'logs', 'runtime', 'services', 'metrics'],
  router: ['domain', 'platform', 'logs', 'metrics'],
  api: ['domain', 'platform', 'store', 'logs', 'services', 'deploy', 'metrics', 'runtime', 'build'],
  client: ['domain'],
  cli: ['domain', 'client', 'platform'],
  dashboard: ['domain', 'client'],
  main: null, // the composition root wires everything
};

const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.contract.ts')) files.push(p);
  }
})(root);

const layerOf = (file) => relative(root, file).split('/')[0];
const graph = new Map();
const problems = [];
const importPattern = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const deps = [];
  for (const m of text.matchAll(importPattern)) {
    const spec = m[1] ?? m[2];
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    deps.push(target);
    const from = layerOf(file);
    const to = layerOf(target);
    const allowed = ALLOWED[from];
    if (allowed === undefined) problems.push(`${relative(root, file)}: folder src/${from}/ has no layer rule in scripts/check-imports.mjs`);
    else if (allowed !== null && from !== to && !allowed.includes(to)) {
      problems.push(`${relative(root, file)} imports ${relative(root, target)}: ${from}/ may not depend on ${to}/`);
    }
  }
  graph.set(file, deps);
}

// Tarjan's strongly connected components: any component with more than one file is a cycle.
let index = 0;
const stack = [];
const meta = new Map();
function strongConnect(v) {
  meta.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!meta.has(w)) {
      strongConnect(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).onStack) {
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
    }
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      component.push(relative(root, w));
    } while (w !== v);
    if (component.length > 1) problems.push(`import cycle: ${component.join(' → ')}`);
  }
}
for (const v of graph.keys()) if (!meta.has(v)) strongConnect(v);

if (problems.length) {
  console.error(`check-imports: ${problems.length} problem(s)\n  ` + problems.join('\n  '));
  process.exit(1);
}
console.log(`check-imports: ${files.length} files, no cycles, dependencies point one way`);
