// Users, logins and API tokens.
import { isSoleAdmin } from '../domain/app-permissions.js';
import { BerthError } from '../domain/errors.js';
import { validateEmail } from '../domain/names.js';
import type { Actor, ApiToken, RequestOrigin, User } from '../domain/types.js';
import { generateToken, hashToken } from '../platform/api-token.js';
import { isoNow } from '../platform/clock.js';
import { generatePassword, hashPassword, verifyPassword } from '../platform/password-hash.js';
import { requireAdmin } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';
import { auditEntry } from './audit-entry.js';

export interface Authenticated {
  user: User;
  token: ApiToken;
}

export const MIN_PASSWORD_LENGTH = 8;

function validatePassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new BerthError('invalid_params', `Password must be at least ${MIN_PASSWORD_LENGTH} characters long.`, 'user');
  }
  return password;
}

/**
 * On the first start, creates the admin user. Returns the generated password when none was
 * given, so the caller can print it once; returns undefined when users already exist.
 */
export async function ensureAdmin(deps: ServiceDeps, opts: { email?: string; password?: string }): Promise<{ email: string; generatedPassword?: string } | undefined> {
  if ((await deps.store.users.count()) > 0) return undefined;
  const email = validateEmail(opts.email ?? 'admin@localhost');
  const password = opts.password ? validatePassword(opts.password) : generatePassword();
  const user = await deps.store.users.create({ email, passwordHash: await hashPassword(password), isAdmin: true });
  await deps.store.events.append(auditEntry(null, null, 'admin-created', { userId: user.id, email }));
  return { email, generatedPassword: opts.password ? undefined : password };
}

/** Exchanges email + password for a new API token (Heroku's POST /oauth/authorizations). */
/** `origin`: where the login came from, recorded with the new token. */
export async function login(deps: ServiceDeps, email: string, password: string, description: string, origin?: RequestOrigin): Promise<{ user: User; token: ApiToken; secret: string }> {
  const user = await deps.store.users.byEmail(email.toLowerCase());
  // Verify against a dummy hash when the user is unknown, so timing does not reveal which emails exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) throw new BerthError('unauthorized', 'Invalid credentials provided.');
  return { user, ...(await issueToken(deps, { ...user, origin }, description)) };
}

/** A new API token for the user; the secret is returned once and only its hash is kept. */
export async function issueToken(deps: ServiceDeps, user: Actor, description: string): Promise<{ token: ApiToken; secret: string }> {
  const secret = generateToken();
  const token = await deps.store.tokens.create({ userId: user.id, tokenHash: hashToken(secret), description: description.slice(0, 200) });
  await deps.store.events.append(auditEntry(user, null, 'token-created', { tokenId: token.id }));
  return { token, secret };
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export async function authenticate(deps: ServiceDeps, secret: string): Promise<Authenticated> {
  const token = await deps.store.tokens.byHash(hashToken(secret));
  const user = token && (await deps.store.users.byId(token.userId));
  if (!token || !user) throw new BerthError('unauthorized', 'Invalid credentials provided.');
  // Touching on every request would turn reads into writes; once a minute is plenty for an audit.
  if (!token.lastUsedAt || deps.clock.now() - Date.parse(token.lastUsedAt) > 60_000) {
    await deps.store.tokens.touch(token.id, isoNow(deps.clock));
  }
  return { user, token };
}

export async function listTokens(deps: ServiceDeps, actor: User): Promise<ApiToken[]> {
  return deps.store.tokens.listForUser(actor.id);
}

export async function revokeToken(deps: ServiceDeps, actor: User, tokenId: string): Promise<ApiToken> {
  const token = (await deps.store.tokens.listForUser(actor.id)).find((t) => t.id === tokenId);
  if (!token) throw new BerthError('not_found', "Couldn't find that authorization.", 'oauth_authorization');
  await deps.store.tokens.delete(token.id);
  await deps.store.events.append(auditEntry(actor, null, 'token-revoked', { tokenId }));
  return token;
}

export async function listUsers(deps: ServiceDeps, actor: User): Promise<User[]> {
  requireAdmin(actor);
  return deps.store.users.list();
}

export async function addUser(deps: ServiceDeps, actor: User, input: { email: unknown; password?: unknown }): Promise<{ user: User; generatedPassword?: string }> {
  requireAdmin(actor);
  const email = validateEmail(input.email);
  if (await deps.store.users.byEmail(email)) throw new BerthError('conflict', `A user with email ${email} already exists.`, 'user');
  const password = input.password === undefined ? generatePassword() : validatePassword(input.password);
  const user = await deps.store.users.create({ email, passwordHash: await hashPassword(password), isAdmin: false });
  await deps.store.events.append(auditEntry(actor, null, 'user-added', { userId: user.id, email }));
  return { user, generatedPassword: input.password === undefined ? password : undefined };
}

export async function findUser(deps: ServiceDeps, idOrEmail: string): Promise<User> {
  const user = idOrEmail.includes('@') ? await deps.store.users.byEmail(idOrEmail.toLowerCase()) : await deps.store.users.byId(idOrEmail);
  if (!user) throw new BerthError('user_not_found', `Couldn't find the user ${idOrEmail}.`, 'user');
  return user;
}

/**
 * Removes a user who owns no personal apps and is no team's only admin; their tokens stop working at
 * once. Team apps they created belong to the team and stay: the acting admin becomes their recorded owner.
 */
export async function removeUser(deps: ServiceDeps, actor: User, idOrEmail: string): Promise<User> {
  requireAdmin(actor);
  const user = await findUser(deps, idOrEmail);
  if (user.id === actor.id) throw new BerthError('invalid_params', 'The admin cannot remove their own account.', 'user');
  const owned = await deps.store.apps.list({ ownerId: user.id });
  const apps = owned.filter((a) => a.teamId === null);
  if (apps.length > 0) {
    throw new BerthError('conflict', `${user.email} still owns ${apps.length} app(s): ${apps.map((a) => a.name).join(', ')}. Destroy or transfer them first.`, 'user');
  }
  for (const { team } of await deps.store.teams.listForUser(user.id)) {
    if (isSoleAdmin(await deps.store.teams.members(team.id), user.id)) {
      throw new BerthError('conflict', `${user.email} is the only admin of the team ${team.name}; make another member admin first.`, 'user');
    }
  }
  await deps.store.transaction(async (tx) => {
    for (const app of owned) await tx.apps.update(app.id, { ownerId: actor.id });
    await tx.users.delete(user.id);
    await tx.events.append(auditEntry(actor, null, 'user-removed', { userId: user.id, email: user.email }));
  });
  return user;
}
