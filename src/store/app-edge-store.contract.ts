// Store contract cases for an app's edge: domains (one app per hostname), certificates (keys as
// given, sealed by the caller) and edge features; run by storeContract().
import { expect, it } from 'vitest';
import type { NewCertificate } from './app-edge-repo.js';
import type { Store } from './store.js';

export function appEdgeStoreCases(getStore: () => Store): void {
  const setup = async () => {
    const store = getStore();
    const owner = await store.users.create({ email: 'edge@example.com', passwordHash: 'h', isAdmin: false });
    const app = (name: string) => store.apps.create({ name, ownerId: owner.id, stack: 'berth-24' });
    return { store, wiki: await app('wiki'), shop: await app('shop') };
  };
  const certificate = (appId: string, name: string): NewCertificate => ({
    appId, name, origin: 'manual', certificateChain: '-----BEGIN CERTIFICATE-----', sealedPrivateKey: 'v1.sealed', hostnames: ['www.example.com'],
    startsAt: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z',
  });

  it('gives a hostname to one app only, lists each app\'s own, and forgets them with the app', async () => {
    const { store, wiki, shop } = await setup();
    const d = await store.domains.create({ appId: wiki.id, hostname: 'www.example.com', certificateId: null });
    await expect(store.domains.create({ appId: shop.id, hostname: 'www.example.com', certificateId: null })).rejects.toMatchObject({ code: 'name_taken' });
    await store.domains.create({ appId: shop.id, hostname: '*.shop.example', certificateId: null });
    expect((await store.domains.list(wiki.id)).map((x) => x.hostname)).toEqual(['www.example.com']);
    expect((await store.domains.byHostname('www.example.com'))?.id).toBe(d.id);
    expect((await store.domains.all()).map((x) => x.hostname)).toEqual(['*.shop.example', 'www.example.com']);
    await store.apps.delete(wiki.id);
    expect(await store.domains.byHostname('www.example.com')).toBeUndefined();
  });

  it('keeps certificates by app, found by id or name, replaced in place, and unties domains when one is deleted', async () => {
    const { store, wiki, shop } = await setup();
    const c = await store.certificates.create(certificate(wiki.id, 'sni-1'));
    expect(await store.certificates.find(wiki.id, 'sni-1')).toEqual(c);
    expect(await store.certificates.find(wiki.id, c.id)).toEqual(c);
    expect(await store.certificates.find(shop.id, 'sni-1')).toBeUndefined();
    const d = await store.domains.create({ appId: wiki.id, hostname: 'www.example.com', certificateId: c.id });
    const replaced = await store.certificates.replace(c.id, { ...certificate(wiki.id, 'x'), hostnames: ['a.example.com'], sealedPrivateKey: 'v1.other' });
    expect(replaced).toMatchObject({ id: c.id, name: 'sni-1', hostnames: ['a.example.com'], sealedPrivateKey: 'v1.other' });
    expect((await store.domains.byHostname('www.example.com'))?.certificateId).toBe(c.id);
    await store.certificates.delete(c.id);
    expect((await store.domains.byHostname('www.example.com'))).toMatchObject({ id: d.id, certificateId: null });
    expect(await store.certificates.list(wiki.id)).toEqual([]);
  });

  it('switches edge features on and off per app', async () => {
    const { store, wiki, shop } = await setup();
    await store.features.set(wiki.id, 'http-redirect', true);
    await store.features.set(wiki.id, 'http-redirect', true);
    await store.features.set(shop.id, 'hsts', true);
    expect(await store.features.enabled(wiki.id)).toEqual(['http-redirect']);
    await store.features.set(wiki.id, 'http-redirect', false);
    expect(await store.features.enabled(wiki.id)).toEqual([]);
    expect(await store.features.all()).toEqual([{ appId: shop.id, name: 'hsts' }]);
  });
}
