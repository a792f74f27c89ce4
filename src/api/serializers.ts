// Entities → the JSON shapes of the Heroku Platform API v3 (field names and nesting as Heroku's).
import type { ApiToken, App, Release, Slug, Team, User } from '../domain/types.js';
import type { FormationView } from '../services/formation.js';
import { isRollbackTarget } from '../services/releases.js';
import type { PublicUrls } from './public-urls.js';

const STACK_ID = '5b9d3f8e-2a64-4c1b-9f53-0d3c2b9a7e24';
const REGION = { id: '2e5a5c3a-6a5e-4b7e-8a8d-3c7b1e4f9d10', name: 'local' };

export const stackJson = (name: string) => ({ id: STACK_ID, name });

/** One entry of `GET /stacks`: Berth has exactly one stack, the default. */
export const stackListJson = (name: string) => ({ ...stackJson(name), state: 'supported', default: true, created_at: null, updated_at: null });

/** Berth is one region: the machine (or cluster) it runs on. Never private-capable (no Private Spaces). */
export const regionJson = () => ({
  ...REGION,
  description: 'This Berth installation',
  country: null,
  locale: null,
  private_capable: false,
  provider: { name: 'berth', region: REGION.name },
  created_at: null,
  updated_at: null,
});

/**
 * Heroku's collaborator shape. The owner is listed with role "owner" (as Heroku lists a personal
 * app's owner); invited collaborators extend this list later with role "collaborator".
 * `permissions` is left out: Heroku sends it only for team apps, and the CLI adds a column when present.
 */
/** `team` is the owning team of a team app (its owner is then the team, in Heroku's shape). */
/** `acm`: whether automatic certificates are on (the heroku CLI's certs:auto reads it); false when not looked up. */
export function appJson(app: App, owner: Pick<User, 'id' | 'email'> | undefined, urls: PublicUrls, slug?: Slug, team?: Pick<Team, 'id' | 'name'>, acm = false) {
  return {
    id: app.id,
    name: app.name,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
    released_at: app.releasedAt,
    maintenance: app.maintenance,
    owner: team ? { id: team.id, email: `${team.name}@herokumanager.com` } : owner ? { id: owner.id, email: owner.email } : null,
    stack: stackJson(app.stack),
    build_stack: stackJson(app.stack),
    region: REGION,
    web_url: urls.web(app.name),
    git_url: urls.git(app.name),
    buildpack_provided_description: slug?.buildpackDescription ?? null,
    slug_size: slug?.sizeBytes ?? 0,
    repo_size: 0,
    generation: { name: 'cedar' },
    archived_at: null,
    acm,
    internal_routing: null,
    space: null,
    team: team ? { id: team.id, name: team.name } : null,
    organization: team ? { id: team.id, name: team.name } : null,
  };
}

export function accountJson(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: null,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    last_login: null,
    verified: true,
    two_factor_authentication: false,
    beta: false,
    allow_tracking: false,
    admin: user.isAdmin,
  };
}

export function releaseJson(release: Release, app: Pick<App, 'id' | 'name'>, user: Pick<User, 'id' | 'email'> | undefined, current: Release | undefined) {
  return {
    id: release.id,
    version: release.version,
    description: release.description,
    status: release.status,
    // Berth's addition: where the rollout stands and why (Heroku's status says only pending/succeeded/failed).
    status_reason: release.rollout.reason,
    rollout: { state: release.rollout.state, reason: release.rollout.reason, changed_at: release.rollout.changedAt },
    created_at: release.createdAt,
    updated_at: release.updatedAt,
    current: current?.id === release.id,
    app: { id: app.id, name: app.name },
    user: user ? { id: user.id, email: user.email } : { id: release.userId, email: null },
    slug: release.slugId ? { id: release.slugId } : null,
    addon_plan_names: [],
    eligible_for_rollback: isRollbackTarget(release),
    output_stream_url: null,
  };
}

export function formationJson(f: FormationView, app: Pick<App, 'id' | 'name'>) {
  return {
    id: f.id,
    app: { id: app.id, name: app.name },
    type: f.type,
    quantity: f.quantity,
    size: f.size,
    command: f.command,
    created_at: f.createdAt,
    updated_at: f.updatedAt,
  };
}

export function authorizationJson(token: ApiToken, user: Pick<User, 'id' | 'email'>, opts: { secret?: string; current?: boolean } = {}) {
  return {
    id: token.id,
    description: token.description,
    scope: ['global'],
    created_at: token.createdAt,
    updated_at: token.lastUsedAt ?? token.createdAt,
    last_used_at: token.lastUsedAt,
    access_token: opts.secret ? { id: token.id, token: opts.secret, expires_in: null } : null,
    refresh_token: null,
    grant: null,
    client: null,
    session: null,
    user: { id: user.id, email: user.email, full_name: null },
    current: opts.current ?? false,
  };
}

export function userJson(user: User, generatedPassword?: string) {
  return {
    id: user.id,
    email: user.email,
    admin: user.isAdmin,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    ...(generatedPassword ? { password: generatedPassword } : {}),
  };
}
