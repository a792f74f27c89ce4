// Teams, members and collaborators in Heroku's JSON shapes (what `heroku teams`, `members` and
// `access` print from).
import { PERMISSION_DESCRIPTIONS, type AppPermission, type TeamRole } from '../domain/app-permissions.js';
import type { App, Team, TeamMember, User } from '../domain/types.js';
import type { AccessEntry } from '../services/collaborators.js';

export function teamJson(team: Team, role: TeamRole | null) {
  return {
    id: team.id,
    name: team.name,
    role,
    type: 'team',
    default: false,
    created_at: team.createdAt,
    updated_at: team.updatedAt,
    membership_limit: null,
    provisioned_licenses: false,
    identity_provider: null,
    enterprise_account: null,
    credit_card_collections: false,
  };
}

export function teamMemberJson(member: TeamMember, user: User) {
  return {
    id: user.id,
    email: user.email,
    role: member.role,
    federated: false,
    two_factor_authentication: false,
    user: { id: user.id, email: user.email, name: null },
    created_at: member.createdAt,
    updated_at: member.updatedAt,
  };
}

export const permissionJson = (name: AppPermission) => ({ name, description: PERMISSION_DESCRIPTIONS[name] });

/** Heroku lists permissions on team apps only: a personal app's collaborators hold a fixed set. */
export function accessEntryJson(app: Pick<App, 'id' | 'name' | 'teamId'>, e: AccessEntry) {
  return {
    id: e.user.id,
    app: { id: app.id, name: app.name },
    user: { id: e.user.id, email: e.user.email, federated: false },
    role: e.role,
    ...(app.teamId ? { permissions: e.permissions.map(permissionJson) } : {}),
    created_at: e.since,
    updated_at: e.since,
  };
}
