import { decryptionFailure, invalidParameter, invalidRequest, versionImmutable } from '../../domain/secrets/errors.js';
import { secretValueContext, type SecretRecord, type SecretVersion } from '../../domain/secrets/records.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';

/** A value as a request gives it: SecretString, or SecretBinary (base64 on the wire). */
export interface GivenValue {
  readonly text: string;
  readonly binary: boolean;
}

export function givenValue(input: { SecretString?: string; SecretBinary?: string }, required: boolean): GivenValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (input.SecretString !== undefined) return { text: input.SecretString, binary: false };
  if (input.SecretBinary !== undefined) return { text: input.SecretBinary, binary: true };
  // unverified wording
  if (required) throw invalidRequest('You must provide either SecretString or SecretBinary.');
  return undefined;
}

export function sealVersion(cipher: SecretCipher, arn: string, versionId: string, value: GivenValue, now: Date): Omit<SecretVersion, 'stages'> {
  return { versionId, createdDate: now.getTime(), sealed: cipher.seal(value.text, secretValueContext(arn, versionId)), binary: value.binary };
}

export function openVersion(cipher: SecretCipher, secret: SecretRecord, version: SecretVersion): { SecretString?: string; SecretBinary?: string } {
  const text = openSealed(cipher, version.sealed, secretValueContext(secret.arn, version.versionId));
  return version.binary ? { SecretBinary: text } : { SecretString: text };
}

export function openSealed(cipher: SecretCipher, sealed: string, context: string): string {
  try {
    return cipher.open(sealed, context);
  } catch {
    // Another key than the one it was sealed with (WHARF_SECRETS_KEY changed, secrets.key replaced).
    throw decryptionFailure();
  }
}

/**
 * ClientRequestToken idempotency: a version with this id and the same value
 * makes the request a no-op (the existing version answers); another value is refused.
 */
export function existingVersionFor(cipher: SecretCipher, secret: SecretRecord, token: string | undefined, value: GivenValue | undefined): SecretVersion | undefined {
  if (token === undefined) return undefined;
  const version = secret.versions.find((v) => v.versionId === token);
  if (!version) return undefined;
  const stored = openVersion(cipher, secret, version);
  const same = value !== undefined && version.binary === value.binary && (stored.SecretString ?? stored.SecretBinary) === value.text;
  if (!same) throw versionImmutable();
  return version;
}
