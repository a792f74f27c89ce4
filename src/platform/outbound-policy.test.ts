// The outbound policy: which addresses a tenant's webhook or drain may reach, what the refusal
// says, the operator's BERTH_OUTBOUND_ALLOW, and names judged on what they resolve to.
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { ADDRESS_NOT_ALLOWED, OutboundPolicy, type Resolve } from './outbound-policy.js';

/** A resolver answering from a table, as DNS (or a rebinding attacker's DNS) would. */
const table = (entries: Record<string, string[]>): Resolve => (hostname, _options, callback) => {
  const found = entries[hostname];
  if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  callback(null, found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

const lookUp = (policy: OutboundPolicy, hostname: string, all: boolean) => new Promise<{ error?: NodeJS.ErrnoException; address?: string | LookupAddress[] }>((resolve) => {
  policy.lookup(hostname, all ? { all: true } : {}, (error, address) => resolve(error ? { error } : { address }));
});

describe('OutboundPolicy', () => {
  const strict = OutboundPolicy.fromSetting(undefined);

  it('refuses every address that is not on the public internet, naming its kind', () => {
    const kinds: Record<string, string> = {
      '127.0.0.1': 'a loopback', '127.3.4.5': 'a loopback', '::1': 'a loopback', '10.20.30.40': 'a private', '172.17.0.1': 'a private',
      '192.168.1.1': 'a private', 'fd12::1': 'a private', '169.254.169.254': 'a link-local', 'fe80::1': 'a link-local',
      '100.64.0.1': 'a shared (carrier-grade NAT)', '0.0.0.0': 'an unspecified', '::': 'an unspecified', '224.0.0.1': 'a multicast',
      '::ffff:127.0.0.1': 'a loopback', '::ffff:10.0.0.1': 'a private', '198.18.0.1': 'a benchmarking', '203.0.113.7': 'a documentation',
      // IPv6 forms that carry an IPv4 address or are not global: IPv4-compatible, NAT64 (of the metadata address), 6to4, site-local.
      '::7f00:1': 'a non-global IPv6', '64:ff9b::a9fe:a9fe': 'a non-global IPv6', '2002:7f00:1::': 'a tunnelled (6to4)', 'fec0::1': 'a non-global IPv6',
    };
    for (const [address, kind] of Object.entries(kinds)) expect(strict.refusal(address), address).toMatch(new RegExp(`^${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is ${kind.replace(/[()]/g, '\\$&')} address: Berth sends webhooks and log drains only to public addresses`));
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '2a00:1450:4001::1']) expect(strict.refusal(address), address).toBeUndefined();
  });

  it('allows what the operator lists in BERTH_OUTBOUND_ALLOW, and only that', () => {
    const policy = OutboundPolicy.fromSetting('10.1.0.0/16, 192.168.7.9 fd00::/8');
    expect(policy.refusal('10.1.200.3')).toBeUndefined();
    expect(policy.refusal('192.168.7.9')).toBeUndefined();
    expect(policy.refusal('fd00::5')).toBeUndefined();
    expect(policy.refusal('10.2.0.1')).toMatch(/^10\.2\.0\.1 is a private address/);
    expect(policy.refusal('10.2.0.1')).not.toContain('10.1.0.0'); // tenants read it: the operator's ranges stay private
    expect(policy.refusal('192.168.7.10')).toMatch(/private/);
    expect(policy.refusal('127.0.0.1')).toMatch(/loopback/);
  });

  it('refuses to start with an allow list it cannot read, naming the entry', () => {
    for (const bad of ['10.0.0.0/33', 'logs.internal', '10.0.0/8', '::1/129', '10.0.0.0/8x']) {
      expect(() => OutboundPolicy.fromSetting(bad), bad).toThrow(`BERTH_OUTBOUND_ALLOW: ${JSON.stringify(bad)} is not an IP address or a CIDR range`);
    }
  });

  it('judges a host as written: addresses (bracketed too) and localhost; other names wait for their lookup', () => {
    expect(strict.hostRefusal('127.0.0.1')).toMatch(/loopback/);
    expect(strict.hostRefusal('[::1]')).toMatch(/loopback/);
    expect(strict.hostRefusal('localhost')).toMatch(/loopback/);
    expect(strict.hostRefusal('api.localhost')).toMatch(/loopback/);
    expect(strict.hostRefusal('logs.example.com')).toBeUndefined();
    // Numeric forms an http URL and getaddrinfo read as 127.0.0.1 (a syslog URL keeps its host as written).
    for (const host of ['2130706433', '0x7f.1', '127.1', '0177.0.0.1', '0']) expect(strict.hostRefusal(host), host).toMatch(/loopback|unspecified/);
    expect(OutboundPolicy.fromSetting('127.0.0.0/8,::1').hostRefusal('localhost')).toBeUndefined();
    expect(() => strict.checkHost('10.0.0.1')).toThrow(expect.objectContaining({ code: ADDRESS_NOT_ALLOWED }));
  });

  it('refuses a name when any address it resolves to is not allowed, at the time of the connection', async () => {
    const dns = { 'logs.example.com': ['93.184.216.34'], 'rebound.example.com': ['93.184.216.34', '127.0.0.1'], 'inside.example.com': ['10.9.8.7'] };
    const policy = OutboundPolicy.fromSetting(undefined, table(dns));
    expect(await lookUp(policy, 'logs.example.com', false)).toEqual({ address: '93.184.216.34' });
    expect(await lookUp(policy, 'logs.example.com', true)).toEqual({ address: [{ address: '93.184.216.34', family: 4 }] });
    const rebound = await lookUp(policy, 'rebound.example.com', true);
    expect(rebound.error).toMatchObject({ code: ADDRESS_NOT_ALLOWED, message: expect.stringMatching(/^rebound\.example\.com resolves to 127\.0\.0\.1, a loopback address: Berth sends/) });
    expect((await lookUp(policy, 'inside.example.com', false)).error?.code).toBe(ADDRESS_NOT_ALLOWED);
    expect((await lookUp(policy, 'missing.example.com', false)).error?.code).toBe('ENOTFOUND');
    const allowing = OutboundPolicy.fromSetting('10.9.0.0/16', table(dns));
    expect(await lookUp(allowing, 'inside.example.com', false)).toEqual({ address: '10.9.8.7' });
  });
});
