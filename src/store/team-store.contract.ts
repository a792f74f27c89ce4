// Store contract cases for teams, their members and app collaborators; run by storeContract().
import { expect, it } from 'vitest';
import type { Store } from './store.js';

export function teamStoreCases(getStore: () => Store): void {
  const setup = async () => {
    const store = getStore();
    const user = (email: string) => store.users.create({ email, passwordHash: 'h', isAdmin: false });
    const [ada, bob, cy] = [await user('ada@example.com'), await user('bob@example.com'), await user('cy@example.com')];
    return { store, ada, bob, cy };
  };

  it('creates teams with unique names and keeps one role per member, changed in place', async () => {
    const { store, ada, bob } = await setup();
    const acme = await store.teams.create('acme');
    await expect(store.teams.create('acme')).rejects.toMatchObject({ code: 'name_taken' });
    await store.teams.setMember(acme.id, ada.id, 'admin');
    await store.teams.setMember(acme.id, bob.id, 'member');
    await store.teams.setMember(acme.id, bob.id, 'viewer');
    expect((await store.teams.members(acme.id)).map((m) => [m.userId, m.role])).toEqual([[ada.id, 'admin'], [bob.id, 'viewer']]);
    expect((await store.teams.listForUser(bob.id)).map((t) => [t.team.name, t.role])).toEqual([['acme', 'viewer']]);
    expect(await store.teams.removeMember(acme.id, bob.id)).toBe(true);
    expect(await store.teams.member(acme.id, bob.id)).toBeUndefined();
    expect((await store.teams.rename(acme.id, 'acme-2')).name).toBe('acme-2');
    expect((await store.teams.byName('acme-2'))?.id).toBe(acme.id);
  });

  it('lists the apps a user reaches: personal ones, their teams\', those they collaborate on, and no others', async () => {
    const { store, ada, bob, cy } = await setup();
    const acme = await store.teams.create('acme');
    await store.teams.setMember(acme.id, bob.id, 'member');
    const own = await store.apps.create({ name: 'bobs', ownerId: bob.id, stack: 's' });
    const team = await store.apps.create({ name: 'teamed', ownerId: ada.id, stack: 's', teamId: acme.id });
    const shared = await store.apps.create({ name: 'shared', ownerId: cy.id, stack: 's' });
    await store.apps.create({ name: 'private', ownerId: cy.id, stack: 's' });
    await store.collaborators.set(shared.id, bob.id, ['view', 'deploy']);
    expect((await store.apps.listReachable(bob.id)).map((a) => a.name)).toEqual(['bobs', 'shared', 'teamed']);
    expect((await store.apps.list({ teamId: acme.id })).map((a) => a.id)).toEqual([team.id]);
    // A transfer moves both facts in one write.
    expect(await store.apps.update(own.id, { teamId: acme.id, ownerId: ada.id })).toMatchObject({ teamId: acme.id, ownerId: ada.id });
    expect((await store.apps.list({ teamId: acme.id })).map((a) => a.name)).toEqual(['bobs', 'teamed']);
  });

  it('keeps one grant per user and app, replaced in place; removing the app or the user removes it', async () => {
    const { store, ada, bob } = await setup();
    const app = await store.apps.create({ name: 'granted', ownerId: ada.id, stack: 's' });
    await store.collaborators.set(app.id, bob.id, ['view']);
    await store.collaborators.set(app.id, bob.id, ['view', 'operate']);
    expect((await store.collaborators.list(app.id)).map((c) => c.permissions)).toEqual([['view', 'operate']]);
    expect(await store.collaborators.remove(app.id, bob.id)).toBe(true);
    expect(await store.collaborators.remove(app.id, bob.id)).toBe(false);
    await store.collaborators.set(app.id, bob.id, ['view']);
    await store.users.delete(bob.id);
    expect(await store.collaborators.list(app.id)).toEqual([]);
    await store.collaborators.set(app.id, ada.id, ['view']);
    await store.apps.delete(app.id);
    expect(await store.collaborators.get(app.id, ada.id)).toBeUndefined();
  });
}
