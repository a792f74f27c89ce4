// Reduces a Host header to the bare, lowercase host name the route table is keyed by.

/**
 * `Demo.LOCALHOST:8080` → `demo.localhost`. Returns null for a missing or malformed
 * header and for IP literals, which never name an app.
 */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  let host = header.trim().toLowerCase();
  if (host.startsWith('[')) return null;
  const colon = host.indexOf(':');
  if (colon !== -1) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return null;
    host = host.slice(0, colon);
  }
  // A fully qualified name may end in a dot; `demo.localhost.` is the same host.
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (!/^[a-z0-9.-]+$/.test(host)) return null;
  return host;
}

/** The host a request names: `Host` in HTTP/1.1, the `:authority` pseudo-header in HTTP/2. */
export function requestHost(headers: Record<string, string | string[] | undefined>): string | undefined {
  const host = headers.host ?? headers[':authority'];
  return typeof host === 'string' ? host : undefined;
}
