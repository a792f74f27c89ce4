import { afterEach, expect, it } from 'vitest';
import type { Logger } from '../platform/logger.js';
import { installLastResort } from './last-resort.js';

const logged: { event: string; fields?: Record<string, unknown> }[] = [];
const logger: Logger = {
  info: () => {}, warn: () => {}, error: (event, fields) => void logged.push({ event, fields }), child: () => logger,
};
let uninstall: (() => void) | undefined;
afterEach(() => { uninstall?.(); logged.length = 0; });

it('logs a promise rejection nobody caught with one clear line and keeps the server running', () => {
  const exits: number[] = [];
  uninstall = installLastResort(logger, (code) => void exits.push(code));
  process.emit('unhandledRejection', new Error('store write failed'), Promise.resolve());
  expect(logged).toEqual([{ event: 'unhandled-rejection', fields: expect.objectContaining({ error: expect.stringContaining('store write failed') }) }]);
  expect(exits).toEqual([]);
});

it('logs an exception that escaped every handler and exits non-zero, for the supervisor to restart the server', () => {
  const exits: number[] = [];
  uninstall = installLastResort(logger, (code) => void exits.push(code));
  (process.emit as (event: string, ...args: unknown[]) => boolean)('uncaughtException', new Error('route table corrupted'), 'uncaughtException');
  expect(logged.map((l) => l.event)).toEqual(['uncaught-exception']);
  expect(exits).toEqual([1]);
});
