import { createHash, randomBytes } from 'node:crypto';

/** A new secret with a readable kind prefix: `su_…` for API keys, `suw_…` for workstation tokens. */
export function newSecret(prefix: 'su' | 'suw'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256: secrets are 256-bit random, so a fast hash is safe and lets us look them up by hash. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretPrefix(secret: string): string {
  return secret.slice(0, 10);
}
