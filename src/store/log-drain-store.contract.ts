// Store contract cases for log drains; storeContract() runs them for every implementation.
import { expect, it } from 'vitest';
import type { Store } from './store.js';

export function logDrainStoreCases(ctx: { store: () => Store; makeApp: (name?: string) => Promise<{ id: string }> }): void {
  it('keeps each app\'s drains, finds one by id, URL or token, refuses a second of the same URL, and deletes them with the app', async () => {
    const store = ctx.store();
    const a = await ctx.makeApp('drained');
    const b = await ctx.makeApp('other');
    const one = await store.logDrains.create({ appId: a.id, url: 'syslog://127.0.0.1:6514', token: 'd.one' });
    const two = await store.logDrains.create({ appId: a.id, url: 'https://logs.example.com/in', token: 'd.two' });
    await store.logDrains.create({ appId: b.id, url: 'syslog://127.0.0.1:6514', token: 'd.three' });
    await expect(store.logDrains.create({ appId: a.id, url: 'syslog://127.0.0.1:6514', token: 'd.four' })).rejects.toMatchObject({ code: 'name_taken' });
    expect((await store.logDrains.list(a.id)).map((d) => d.token)).toEqual(['d.one', 'd.two']);
    for (const identity of [two.id, two.url, two.token]) expect((await store.logDrains.find(a.id, identity))?.id).toBe(two.id);
    expect(await store.logDrains.find(b.id, two.token)).toBeUndefined();
    await store.logDrains.delete(a.id, one.id);
    expect((await store.logDrains.list(a.id)).map((d) => d.id)).toEqual([two.id]);
    await store.apps.delete(a.id);
    expect((await store.logDrains.all()).map((d) => d.token)).toEqual(['d.three']);
  });
}
