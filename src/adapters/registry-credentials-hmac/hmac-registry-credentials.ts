import { createHmac, timingSafeEqual } from 'node:crypto';
import { dataDirKey } from '../data-dir-key.js';
import type { RegistryCredentials } from '../../ports/blob-store.js';

/** ECR authorization tokens are valid for 12 hours. */
export const REGISTRY_TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

const VERSION = 'wharf1';

/**
 * Registry passwords as signed statements: `wharf1.<account|region|expiry, base64url>.<HMAC-SHA256, base64url>`,
 * keyed by a secret of this data directory. Nothing is stored per token, a
 * restarted Wharf accepts the tokens it minted before, and the password has no
 * ':' (docker sends `AWS:<password>` as Basic auth).
 */
export class HmacRegistryCredentials implements RegistryCredentials {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 32) throw new Error('the registry secret must be at least 32 bytes');
  }

  /** Uses `<dataDir>/registry-secret` (created on first use, mode 0600). */
  static inDataDir(dataDir: string): HmacRegistryCredentials {
    return new HmacRegistryCredentials(dataDirKey(dataDir, 'registry-secret'));
  }

  mint(account: string, region: string, now: Date): { password: string; expiresAt: Date } {
    const expiresAt = new Date(now.getTime() + REGISTRY_TOKEN_LIFETIME_MS);
    const payload = Buffer.from(`${account}|${region}|${expiresAt.getTime()}`).toString('base64url');
    return { password: `${VERSION}.${payload}.${this.sign(payload)}`, expiresAt };
  }

  verify(password: string, now: Date): { account: string; region: string } | undefined {
    const parts = password.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
    const [, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const fields = Buffer.from(payload, 'base64url').toString('utf8').split('|');
    if (fields.length !== 3) return undefined;
    const [account, region, expiry] = fields as [string, string, string];
    const expiresAt = Number(expiry);
    if (!account || !region || !Number.isFinite(expiresAt) || now.getTime() >= expiresAt) return undefined;
    return { account, region };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`${VERSION}.${payload}`).digest('base64url');
  }
}
