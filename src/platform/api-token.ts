// API tokens: 256 random bits shown once; only their sha256 is stored. A fast hash is
// enough here because the token, unlike a password, cannot be guessed.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'berth_';

export const generateToken = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
