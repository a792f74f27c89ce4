// Which sandbox holds which address on one bridge, shared by every Berth process on this host
// (tests run several at once): one file per address, claimed with O_EXCL, under /run so that a
// reboot (which also drops every namespace) forgets them. A lease whose namespace is gone is stale
// and may be taken again, which is how leases of crashed Berths are recovered.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { hostAddress, type Ipv4Subnet } from './ipv4-subnet.js';

/** Random picks before walking the whole range; a busy /16 is sparse, so picks almost never collide. */
const RANDOM_PICKS = 32;

export class AddressLeases {
  constructor(
    private readonly dir: string,
    private readonly subnet: Ipv4Subnet,
    /** Whether the namespace a lease names still exists. */
    private readonly netnsExists: (name: string) => boolean = (name) => existsSync(join('/run/netns', name)),
  ) {}

  /** Claims a free address for `netns`, which must exist already (else the lease would look stale). */
  async claim(netns: string): Promise<string> {
    await mkdir(join(this.dir, 'address'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.dir, 'netns'), { recursive: true, mode: 0o700 });
    const last = this.subnet.size - 2;
    const offsets = [...Array.from({ length: RANDOM_PICKS }, () => randomInt(2, last + 1))];
    for (let offset = 2; offset <= last; offset++) offsets.push(offset);
    for (const offset of offsets) {
      const address = hostAddress(this.subnet, offset);
      if (await this.take(address, netns)) {
        await writeFile(join(this.dir, 'netns', netns), address, { mode: 0o600 });
        return address;
      }
    }
    throw new Error(`no free address left in the sandbox network (${this.subnet.size - 3} in use)`);
  }

  /** The address `netns` holds, if any. */
  async addressOf(netns: string): Promise<string | undefined> {
    return (await readFile(join(this.dir, 'netns', netns), 'utf8').catch(() => undefined))?.trim() || undefined;
  }

  async release(netns: string): Promise<void> {
    const address = await this.addressOf(netns);
    if (address) {
      // Only our own lease: a stale one may already have been taken over by another sandbox.
      const holder = await readFile(join(this.dir, 'address', address), 'utf8').catch(() => undefined);
      if (holder === netns) await rm(join(this.dir, 'address', address), { force: true });
    }
    await rm(join(this.dir, 'netns', netns), { force: true });
  }

  private async take(address: string, netns: string): Promise<boolean> {
    const path = join(this.dir, 'address', address);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, netns, { flag: 'wx', mode: 0o600 });
        // Two claimants may both have found the same stale lease; the later write wins, and says so.
        return (await readFile(path, 'utf8').catch(() => '')) === netns;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = await readFile(path, 'utf8').catch(() => '');
      if (holder && this.netnsExists(holder)) return false;
      // Stale: its namespace is gone. Removing and re-creating with O_EXCL lets one claimant win.
      await rm(path, { force: true });
    }
    return false;
  }
}
