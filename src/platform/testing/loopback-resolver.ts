// A resolver for OutboundPolicy in tests: one name resolves to this machine's loopback, as a
// tenant's DNS could make it (a rebinding name); every other name is not found (no DNS needed).
import type { Resolve } from '../outbound-policy.js';

export function resolvingToLoopback(name: string): Resolve {
  return (hostname, _options, callback) => (hostname === name
    ? callback(null, [{ address: '127.0.0.1', family: 4 }])
    : callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []));
}
