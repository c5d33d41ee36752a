import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { dataDirKey } from '../data-dir-key.js';
import type { SessionCredentials, SessionIdentity, TemporaryCredentials, VerifiedSession } from '../../ports/session-credentials.js';

const VERSION = 1;
const MAC_BYTES = 32;
/** AWS's key ids are 20 characters; temporary ones start with ASIA. */
const KEY_ID_PATTERN = /^ASIA[A-Z2-7]{16}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

interface Statement {
  readonly k: string;
  readonly a: string;
  readonly r: string;
  readonly s: string;
  /** Expiration, epoch milliseconds. */
  readonly e: number;
}

/**
 * Temporary credentials without state: the secret is an HMAC of the access
 * key id under a server key of this data directory, and the session token a
 * signed statement of who the key speaks for and until when. Nothing is stored
 * per session, so credentials handed to running tasks keep working after a
 * restart, and a token cannot be altered or moved to another key id.
 *
 * Token: base64(version byte | HMAC-SHA256("token:" + statement) | statement JSON).
 */
export class HmacSessionCredentials implements SessionCredentials {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the STS key must be at least 32 bytes');
  }

  /** Uses `<dataDir>/sts.key` (32 random bytes, hex, created on first use, mode 0600). */
  static inDataDir(dataDir: string): HmacSessionCredentials {
    return new HmacSessionCredentials(dataDirKey(dataDir, 'sts.key'));
  }

  mint(identity: SessionIdentity, now: Date, durationSeconds: number): TemporaryCredentials {
    const accessKeyId = `ASIA${[...randomBytes(16)].map((byte) => BASE32[byte & 31]).join('')}`;
    const expiration = new Date(now.getTime() + durationSeconds * 1000);
    const statement: Statement = { k: accessKeyId, a: identity.account, r: identity.roleArn, s: identity.sessionName, e: expiration.getTime() };
    const payload = Buffer.from(JSON.stringify(statement), 'utf8');
    const sessionToken = Buffer.concat([Buffer.from([VERSION]), this.mac(payload), payload]).toString('base64');
    return { accessKeyId, secretAccessKey: this.secretFor(accessKeyId), sessionToken, expiration };
  }

  verify(accessKeyId: string, sessionToken: string): VerifiedSession | undefined {
    if (!KEY_ID_PATTERN.test(accessKeyId) || !/^[A-Za-z0-9+/]+={0,2}$/.test(sessionToken)) return undefined;
    const raw = Buffer.from(sessionToken, 'base64');
    if (raw.length <= 1 + MAC_BYTES || raw[0] !== VERSION) return undefined;
    const given = raw.subarray(1, 1 + MAC_BYTES);
    const payload = raw.subarray(1 + MAC_BYTES);
    if (!timingSafeEqual(given, this.mac(payload))) return undefined;
    let statement: Partial<Statement>;
    try {
      statement = JSON.parse(payload.toString('utf8')) as Partial<Statement>;
    } catch {
      return undefined;
    }
    const { k, a, r, s, e } = statement;
    // The token speaks for one key id only: a valid token sent with another key is refused.
    if (k !== accessKeyId || typeof a !== 'string' || typeof r !== 'string' || typeof s !== 'string' || typeof e !== 'number' || !Number.isFinite(e)) return undefined;
    return { identity: { account: a, roleArn: r, sessionName: s }, secretAccessKey: this.secretFor(accessKeyId), expiration: new Date(e) };
  }

  /** 30 bytes of HMAC give the 40 base64 characters of an AWS secret key. */
  private secretFor(accessKeyId: string): string {
    return createHmac('sha256', this.key).update(`secret:${accessKeyId}`).digest().subarray(0, 30).toString('base64');
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update('token:').update(payload).digest();
  }
}
