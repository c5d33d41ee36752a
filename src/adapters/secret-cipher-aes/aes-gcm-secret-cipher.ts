import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFileOnce } from '../private-files.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';

const VERSION = 'wharf-aes1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Refusals at start-up: the key is missing, unreadable, too open or the wrong size. */
export class SecretKeyError extends Error {}

/**
 * AES-256-GCM with a fresh random 96-bit nonce per seal and the context as
 * associated data. Sealed values read `wharf-aes1.<nonce>.<ciphertext+tag>`
 * (base64url), so a later format can sit beside this one and a store dump
 * shows at a glance which values are sealed.
 */
export class AesGcmSecretCipher implements SecretCipher {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretKeyError(`the secrets key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  /**
   * `<dataDir>/secrets.key`: 32 random bytes made on first start with mode 0600.
   * An existing key readable by group or others, or of the wrong size, stops
   * Wharf: quietly fixing it would hide that the key may have leaked.
   */
  static inDataDir(dataDir: string): AesGcmSecretCipher {
    const file = join(dataDir, 'secrets.key');
    if (!existsSync(file)) createFileOnce(file, randomBytes(KEY_BYTES));
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SecretKeyError(`${file} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 on it, and replace the key if it may have leaked`);
    }
    const key = readFileSync(file);
    if (key.length !== KEY_BYTES) throw new SecretKeyError(`${file} must hold exactly ${KEY_BYTES} bytes, it holds ${key.length}: restore the right key file`);
    return new AesGcmSecretCipher(key);
  }

  /**
   * A key the operator supplies: 32 raw bytes, or their base64 or hex text
   * (what `head -c 32 /dev/urandom | base64` prints).
   */
  static fromOperatorKey(material: Buffer, source: string): AesGcmSecretCipher {
    const key = decodeKey(material);
    if (!key) throw new SecretKeyError(`${source} must be ${KEY_BYTES} bytes: raw, base64 or hex`);
    return new AesGcmSecretCipher(key);
  }

  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) throw new Error('not a sealed secret of a known format');
    const nonce = Buffer.from(parts[1]!, 'base64url');
    const body = Buffer.from(parts[2]!, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new Error('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    // final() throws when the tag does not match: tampered text, another key or another context.
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

function decodeKey(material: Buffer): Buffer | undefined {
  if (material.length === KEY_BYTES) return material;
  const text = material.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const key = Buffer.from(text, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  return undefined;
}
