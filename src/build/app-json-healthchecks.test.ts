// Dokku's `healthchecks` in app.json: what a user's checks turn into (Dokku's defaults filled in), what
// is listed as not honoured, and how a malformed check refuses the deploy.
import { expect, it } from 'vitest';
import { parseAppJson } from './app-json.js';

const refusal = (manifest: unknown): string => {
  try {
    parseAppJson(JSON.stringify(manifest));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('app.json was accepted');
};

it('reads startup, readiness and liveness checks per process type, with Dokku\'s defaults', () => {
  const m = parseAppJson(JSON.stringify({
    healthchecks: {
      web: [
        { type: 'startup', name: 'web check', description: 'ready?', path: '/health/ready', content: 'ok', attempts: 2, timeout: 3, wait: 1, initialDelay: 4 },
        { type: 'liveness', path: '/live' },
        { type: 'readiness', listening: true },
      ],
      worker: [{ uptime: 10 }],
    },
  }));
  expect(m.healthchecks).toEqual({
    web: [
      { type: 'startup', name: 'web check', kind: 'path', path: '/health/ready', content: 'ok', attempts: 2, timeout: 3, wait: 1, initialDelay: 4 },
      { type: 'liveness', name: 'liveness /live', kind: 'path', path: '/live', attempts: 3, timeout: 5, wait: 5, initialDelay: 0 },
      { type: 'readiness', name: 'readiness listening', kind: 'listening', attempts: 3, timeout: 5, wait: 5, initialDelay: 0 },
    ],
    worker: [{ type: 'startup', name: 'startup uptime', kind: 'uptime', uptime: 10, attempts: 3, timeout: 5, wait: 5, initialDelay: 0 }],
  });
  expect(m.ignored).toEqual([]);
});

it('lists the check fields Berth does not honour, once, and keeps the check', () => {
  const m = parseAppJson(JSON.stringify({ healthchecks: { web: [{ path: '/', port: 3000, scheme: 'https' }] } }));
  expect(m.ignored).toEqual([
    "healthchecks.web[0].port (checks go to the instance's $PORT)",
    'healthchecks.web[0].scheme (checks use http to the instance)',
  ]);
  expect(m.healthchecks?.web?.[0]?.path).toBe('/');
});

it('refuses malformed checks, naming each problem', () => {
  const message = refusal({
    healthchecks: {
      web: [
        { type: 'boot', path: 'health' },
        { attempts: 0, timeout: 'five', wait: -1 },
        { command: ['/app/check.sh'] },
        { content: 'ok' },
        { path: '/a', uptime: 3 },
      ],
      Bad: [],
      worker: { path: '/' },
    },
  });
  expect(message).toContain('healthchecks.web[0].type must be one of startup, readiness, liveness (got "boot")');
  expect(message).toContain('healthchecks.web[0].path must be a URL path starting with /');
  expect(message).toContain('healthchecks.web[1].attempts must be a whole number from 1 to 100 (got 0)');
  expect(message).toContain('healthchecks.web[1].timeout must be a whole number from 1 to 300 (got "five")');
  expect(message).toContain('healthchecks.web[1].wait must be a whole number from 0 to 3600 (got -1)');
  expect(message).toContain('healthchecks.web[2]: command checks are not supported');
  expect(message).toContain('healthchecks.web[3].content needs a "path" to fetch');
  expect(message).toContain('healthchecks.web[4] must use one of "path", "listening" and "uptime", not several');
  expect(message).toContain('healthchecks: invalid process type "Bad"');
  expect(message).toContain('healthchecks.worker must be a list of checks');
});
