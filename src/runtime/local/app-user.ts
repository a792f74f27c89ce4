// The unprivileged user an app's instances run as: a uid derived from the app id, so every
// instance of one app shares it and no two apps are likely to. No passwd entry is needed:
// setpriv switches ids directly.
import { createHash } from 'node:crypto';

const FIRST_APP_UID = 200_000;
const APP_UID_RANGE = 100_000;

export function appUid(appId: string): number {
  const digest = createHash('sha256').update(appId).digest();
  return FIRST_APP_UID + (digest.readUInt32BE(0) % APP_UID_RANGE);
}
