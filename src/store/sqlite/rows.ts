// Row ↔ entity mapping for the SQLite store: column names stay snake_case, entities camelCase.
import { releaseStatus, type ApiToken, type App, type AuditEvent, type Build, type ConfigVars, type FormationEntry, type Release, type RolloutState, type Slug, type User } from '../../domain/types.js';
import type { CronJob } from '../../domain/cron-jobs.js';

type Row = Record<string, unknown>;
const s = (v: unknown): string => v as string;
const sn = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));

export const toUser = (r: Row): User => ({
  id: s(r.id), email: s(r.email), passwordHash: s(r.password_hash), isAdmin: r.is_admin === 1,
  createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});

export const toToken = (r: Row): ApiToken => ({
  id: s(r.id), userId: s(r.user_id), tokenHash: s(r.token_hash), description: s(r.description),
  createdAt: s(r.created_at), lastUsedAt: sn(r.last_used_at),
});

export const toApp = (r: Row): App => ({
  id: s(r.id), name: s(r.name), ownerId: s(r.owner_id), teamId: sn(r.team_id), stack: s(r.stack), maintenance: r.maintenance === 1,
  buildpacks: JSON.parse(s(r.buildpacks)) as string[],
  createdAt: s(r.created_at), updatedAt: s(r.updated_at), releasedAt: sn(r.released_at),
});

export const toRelease = (r: Row, config: ConfigVars): Release => {
  const state = s(r.rollout_state) as RolloutState;
  return {
    id: s(r.id), appId: s(r.app_id), version: r.version as number, description: s(r.description),
    status: releaseStatus(state, sn(r.current_at)), rollout: { state, reason: sn(r.rollout_reason), changedAt: s(r.rollout_changed_at ?? r.updated_at) },
    currentAt: sn(r.current_at), slugId: sn(r.slug_id), config,
    userId: s(r.user_id), createdAt: s(r.created_at), updatedAt: s(r.updated_at),
  };
};

export const toFormation = (r: Row): FormationEntry => ({
  id: s(r.id), appId: s(r.app_id), type: s(r.type), quantity: r.quantity as number, size: s(r.size),
  createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});

export const toSlug = (r: Row): Slug => ({
  id: s(r.id), appId: s(r.app_id), location: s(r.location),
  processTypes: JSON.parse(s(r.process_types)) as Record<string, string>,
  healthchecks: JSON.parse(s(r.healthchecks)) as Slug['healthchecks'],
  buildpackDescription: s(r.buildpack_description), commit: sn(r.commit_sha), sizeBytes: r.size_bytes as number,
  cronJobs: JSON.parse(s(r.cron_jobs)) as CronJob[], createdAt: s(r.created_at),
});

export const toBuild = (r: Row): Build => ({
  id: s(r.id), appId: s(r.app_id), userId: s(r.user_id), status: s(r.status) as Build['status'],
  sourceUrl: s(r.source_url), sourceVersion: sn(r.source_version), slugId: sn(r.slug_id), releaseId: sn(r.release_id),
  buildpacks: JSON.parse(s(r.buildpacks)) as string[], createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});

export const toEvent = (r: Row): AuditEvent => ({
  id: s(r.id), seq: r.seq as number, actorId: sn(r.actor_id), actorEmail: sn(r.actor_email), appId: sn(r.app_id), appName: sn(r.app_name),
  teamId: sn(r.team_id), action: s(r.action), data: JSON.parse(s(r.data)) as Record<string, unknown>,
  address: sn(r.address), tokenId: sn(r.token_id), createdAt: s(r.created_at),
});
