// The unprivileged user an app's instances run as: a uid derived from the app id, so every
// instance of one app shares it and no two apps are likely to. No passwd entry is needed:
// setpriv switches ids directly.
import { createHash } from 'node:crypto';

// 200_000 up to just below the build uids (1_000_000_000 and up): wide enough that two apps
// sharing a uid is negligible (n²/2e9: ~5e-4 for 1,000 apps), where 100,000 uids gave even odds at ~370.
const FIRST_APP_UID = 200_000;
const APP_UID_RANGE = 999_000_000;

export function appUid(appId: string): number {
  const digest = createHash('sha256').update(appId).digest();
  return FIRST_APP_UID + (digest.readUInt32BE(0) % APP_UID_RANGE);
}
