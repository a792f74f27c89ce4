// A build in Heroku's JSON: read by GET /apps/{app}/builds and by app webhooks' api:build payload.
import type { Build, User } from '../domain/types.js';

export function buildJson(b: Build, appName: string, user: Pick<User, 'email'> | undefined, apiUrl: string) {
  return {
    id: b.id,
    app: { id: b.appId, name: appName },
    status: b.status,
    buildpacks: b.buildpacks.map((url) => ({ url, name: url })),
    source_blob: { url: b.sourceUrl, version: b.sourceVersion, checksum: null, version_description: null },
    output_stream_url: `${apiUrl}/builds/${b.id}/output`,
    release: b.releaseId ? { id: b.releaseId } : null,
    slug: b.slugId ? { id: b.slugId } : null,
    stack: 'berth-24',
    user: { id: b.userId, email: user?.email ?? null },
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}
