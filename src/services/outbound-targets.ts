// The check a webhook or drain URL gets when it is stored: a host written as an address (or
// `localhost`) that Berth will not connect to is refused at once, with the reason, rather than
// stored to fail every delivery. Names are judged again at each connection (platform/outbound-policy.ts).
import { BerthError } from '../domain/errors.js';
import { OutboundPolicy } from '../platform/outbound-policy.js';
import type { ServiceDeps } from './service-deps.js';

const PUBLIC_ONLY = OutboundPolicy.fromSetting(undefined);

export function assertReachableHost(deps: ServiceDeps, host: string, what: string, resource: string): void {
  const why = (deps.outbound ?? PUBLIC_ONLY).hostRefusal(host);
  if (why) throw new BerthError('invalid_params', `${what}: ${why}.`, resource);
}
