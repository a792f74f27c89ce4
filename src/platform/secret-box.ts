// Secrets at rest (TLS private keys, the ACME account key): sealed with AES-256-GCM under one key
// kept in BERTH_HOME (`secret.key`, mode 0600, made at first use). A sealed value says which
// scheme sealed it, so the scheme can change later without guessing.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createPrivateFileOnce } from './private-file.js';

const SCHEME = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The box of this BERTH_HOME; its key file is created once, whichever process gets there first. */
  static forHome(berthHome: string): SecretBox {
    const text = createPrivateFileOnce(join(berthHome, 'secret.key'), randomBytes(KEY_BYTES).toString('base64') + '\n');
    return SecretBox.fromKey(Buffer.from(text.trim(), 'base64'));
  }

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== KEY_BYTES) throw new Error(`secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
    return new SecretBox(key);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [SCHEME, iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Throws when the value was not sealed by this key or was altered. */
  open(sealed: string): string {
    const [scheme, iv, tag, body, ...rest] = sealed.split('.');
    if (scheme !== SCHEME || iv === undefined || tag === undefined || body === undefined || rest.length > 0) {
      throw new Error('not a sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
