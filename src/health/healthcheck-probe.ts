// One attempt of an app.json healthcheck against one instance: an HTTP GET of the check's path on the
// instance's address ($PORT), passing on a 2xx answer whose body holds `content`; a TCP connection for
// a `listening` check; nothing to ask for `uptime` (the schedule waits it out).
import { request } from 'node:http';
import type { Healthcheck } from '../domain/healthchecks.js';
import type { CheckOutcome } from './check-schedule.js';
import type { PortProbe } from './port-probe.js';

export type Address = { host: string; port: number };
export type HealthcheckProbe = (address: Address | null, check: Healthcheck) => Promise<CheckOutcome>;

/** Enough of a body to find `content` in; a health page bigger than this is read no further. */
const MAX_BODY_BYTES = 1024 * 1024;

export function healthcheckProbe(portProbe: PortProbe): HealthcheckProbe {
  return async (address, check) => {
    if (check.kind === 'uptime') return { ok: true };
    if (!address) return { ok: false, problem: 'the instance has no address to check (it listens on no $PORT)' };
    if (check.kind === 'listening') {
      return (await portProbe(address)) ? { ok: true } : { ok: false, problem: 'nothing accepts connections on $PORT' };
    }
    return httpGet(address, check);
  };
}

function httpGet(address: Address, check: Healthcheck): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: CheckOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const req = request({
      host: address.host, port: address.port, path: check.path, method: 'GET',
      headers: { 'user-agent': 'berth-healthcheck', accept: '*/*', connection: 'close' },
    }, (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', (e) => done({ ok: false, problem: `GET ${check.path} failed: ${e.message}` }));
      if (status < 200 || status > 299) {
        res.resume();
        done({ ok: false, problem: `GET ${check.path} answered ${status}, not 2xx` });
        return;
      }
      if (check.content === undefined) {
        res.resume();
        done({ ok: true });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const judge = () => done(Buffer.concat(chunks).toString('utf8').includes(check.content!)
        ? { ok: true }
        : { ok: false, problem: `GET ${check.path} answered ${status} without ${JSON.stringify(check.content)} in its body` });
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) judge();
      });
      res.on('end', judge);
    });
    // The whole attempt, answer and body, within the check's timeout.
    const timer = setTimeout(() => done({ ok: false, problem: `GET ${check.path} got no answer within ${check.timeout} s` }), check.timeout * 1000);
    req.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, problem: `GET ${check.path} failed: ${e.code ?? e.message}` }));
    req.end();
  });
}
