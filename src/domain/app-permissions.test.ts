import { describe, expect, it } from 'vitest';
import { permissionsFrom } from './app-permissions.js';

const held = (f: Parameters<typeof permissionsFrom>[0]) => [...permissionsFrom(f)].sort();

describe('permissionsFrom', () => {
  it('gives the platform admin, a personal owner and a team admin everything', () => {
    const all = ['deploy', 'manage', 'operate', 'view'];
    expect(held({ platformAdmin: true, personalOwner: false, teamApp: true })).toEqual(all);
    expect(held({ platformAdmin: false, personalOwner: true, teamApp: false })).toEqual(all);
    expect(held({ platformAdmin: false, personalOwner: false, teamApp: true, teamRole: 'admin' })).toEqual(all);
  });

  it('gives a team member view, plus their grant', () => {
    expect(held({ platformAdmin: false, personalOwner: false, teamApp: true, teamRole: 'member' })).toEqual(['view']);
    expect(held({ platformAdmin: false, personalOwner: false, teamApp: true, teamRole: 'member', granted: ['operate'] })).toEqual(['operate', 'view']);
  });

  it('keeps a viewer read-only whatever was granted', () => {
    expect(held({ platformAdmin: false, personalOwner: false, teamApp: true, teamRole: 'viewer', granted: ['view', 'manage', 'deploy'] })).toEqual(['view']);
  });

  it('gives a personal app collaborator everything but manage, whatever is stored', () => {
    expect(held({ platformAdmin: false, personalOwner: false, teamApp: false, granted: ['view'] })).toEqual(['deploy', 'operate', 'view']);
  });

  it('gives nobody else anything: the app stays hidden', () => {
    expect(held({ platformAdmin: false, personalOwner: false, teamApp: true })).toEqual([]);
    expect(held({ platformAdmin: false, personalOwner: false, teamApp: false })).toEqual([]);
  });
});
