// Whether a sandbox can use the host's DNS: it reads the host's /etc/resolv.conf, but a loopback
// nameserver there (systemd-resolved's 127.0.0.53, a local dnsmasq) is the sandbox's own loopback.

/** The nameservers of a resolv.conf text that a sandbox could not reach (loopback ones). */
export function loopbackNameservers(resolvConf: string): { all: string[]; loopback: string[] } {
  const all = [...resolvConf.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
  return { all, loopback: all.filter((ns) => ns.startsWith('127.') || ns === '::1') };
}
