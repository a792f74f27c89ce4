// The transport for each drain scheme, with the CA certificates the operator adds to the system's.
import type { Clock } from '../../platform/clock.js';
import type { OutboundPolicy } from '../../platform/outbound-policy.js';
import type { DrainTransportFactory } from './drain-transport.js';
import { HttpsTransport } from './https-transport.js';
import { SyslogTransport } from './syslog-transport.js';

export function drainTransports(o: { clock: Clock; outbound: OutboundPolicy; extraCa?: readonly string[] }): DrainTransportFactory {
  return (target, token) => target.scheme === 'https'
    ? new HttpsTransport({ target, token, outbound: o.outbound, ...(o.extraCa ? { extraCa: o.extraCa } : {}) })
    : new SyslogTransport({ target, clock: o.clock, outbound: o.outbound, ...(o.extraCa ? { extraCa: o.extraCa } : {}) });
}
