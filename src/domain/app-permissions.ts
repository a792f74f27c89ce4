// What a user may do on an app, as a pure rule over who they are to it. Heroku's four team app
// permissions, Heroku's team roles, and Berth's choices where Heroku leaves it open (docs/API.md
// "Permissions"). services/authorization.ts gathers the facts and applies this rule.

/** Heroku's team app permissions. Every one implies `view`. */
export const APP_PERMISSIONS = ['view', 'deploy', 'operate', 'manage'] as const;
export type AppPermission = (typeof APP_PERMISSIONS)[number];

export const TEAM_ROLES = ['admin', 'member', 'viewer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export const PERMISSION_DESCRIPTIONS: Record<AppPermission, string> = {
  view: 'See the app: its info, releases, builds, formation, dynos, logs and collaborators.',
  deploy: 'Deploy code (builds, git push and clone), change and read config vars and add-on credentials, roll back.',
  operate: 'Scale, restart and stop dynos, run one-off dynos and cron jobs, toggle maintenance mode.',
  manage: 'Rename, transfer or destroy the app, manage its collaborators and add-ons.',
};

/**
 * A collaborator on a personal app gets everything but `manage`, as on Heroku, where collaborators
 * can deploy and scale but not destroy, rename or transfer the app nor change who has access.
 */
export const PERSONAL_COLLABORATOR_PERMISSIONS: readonly AppPermission[] = ['view', 'deploy', 'operate'];

export interface AccessFacts {
  platformAdmin: boolean;
  /** The actor owns this personal app. */
  personalOwner: boolean;
  /** The actor's role in the team that owns the app, if the app is a team app and they belong to it. */
  teamRole?: TeamRole;
  /** Permissions granted to the actor on this app (collaborator row), if any. */
  granted?: readonly AppPermission[];
  /** Whether the app is a team app (a grant there is used as stored; on a personal app it is the collaborator set). */
  teamApp: boolean;
}

/** The permissions the facts give; empty means the actor has no access at all (the app stays hidden). */
export function permissionsFrom(f: AccessFacts): Set<AppPermission> {
  if (f.platformAdmin || f.personalOwner || f.teamRole === 'admin') return new Set(APP_PERMISSIONS);
  const out = new Set<AppPermission>();
  if (f.granted) {
    const grant = f.teamApp ? f.granted : PERSONAL_COLLABORATOR_PERMISSIONS;
    // A viewer stays a viewer: a grant left over from a member role does not outlive a demotion.
    for (const p of grant) if (f.teamRole !== 'viewer' || p === 'view') out.add(p);
  }
  // Heroku shows every team app to every member; Berth does too, read-only unless granted more.
  if (f.teamRole || out.size > 0) out.add('view');
  return out;
}

export function isAppPermission(v: unknown): v is AppPermission {
  return typeof v === 'string' && (APP_PERMISSIONS as readonly string[]).includes(v);
}

export function isTeamRole(v: unknown): v is TeamRole {
  return typeof v === 'string' && (TEAM_ROLES as readonly string[]).includes(v);
}

/** A team must keep an admin (nobody could manage it otherwise): is this user its only one? */
export function isSoleAdmin(members: ReadonlyArray<{ userId: string; role: TeamRole }>, userId: string): boolean {
  const admins = members.filter((m) => m.role === 'admin');
  return admins.length === 1 && admins[0]!.userId === userId;
}
