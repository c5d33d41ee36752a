import { AwsError } from '../../domain/errors.js';
import { parameterValueContext, type ParameterRecord, type ParameterVersion } from '../../domain/ssm/records.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';

/**
 * A version's value as the API shows it: SecureString values are opened
 * only WithDecryption; otherwise an opaque base64 token of the ciphertext
 * stands in, as AWS returns the KMS ciphertext.
 */
export function shownValue(cipher: SecretCipher, record: ParameterRecord, version: ParameterVersion, withDecryption: boolean | undefined): string {
  if (version.type !== 'SecureString') return version.value ?? '';
  if (!withDecryption) return Buffer.from(version.sealed!, 'utf8').toString('base64');
  try {
    return cipher.open(version.sealed!, parameterValueContext(record.arn, version.version));
  } catch {
    // Sealed under another key than this Wharf's (the secrets key was changed or replaced).
    throw new AwsError('InvalidKeyId', `The SecureString parameter ${record.name} cannot be decrypted with this Wharf's secrets key.`); // unverified wording
  }
}

export function parameterView(cipher: SecretCipher, record: ParameterRecord, version: ParameterVersion, withDecryption: boolean | undefined, selector?: string) {
  return {
    Name: record.name,
    Type: version.type,
    Value: shownValue(cipher, record, version, withDecryption),
    Version: version.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: version.lastModifiedDate,
    ARN: record.arn,
    DataType: version.dataType,
  };
}

export function metadataView(record: ParameterRecord, version: ParameterVersion) {
  return {
    Name: record.name,
    ARN: record.arn,
    Type: version.type,
    ...(version.keyId ? { KeyId: version.keyId } : {}),
    LastModifiedDate: version.lastModifiedDate,
    LastModifiedUser: version.lastModifiedUser,
    ...(version.description !== undefined ? { Description: version.description } : {}),
    ...(version.allowedPattern !== undefined ? { AllowedPattern: version.allowedPattern } : {}),
    Version: version.version,
    Tier: version.tier,
    Policies: [],
    DataType: version.dataType,
  };
}

export function historyView(cipher: SecretCipher, record: ParameterRecord, version: ParameterVersion, withDecryption: boolean | undefined) {
  const { ARN: _arn, ...meta } = metadataView(record, version);
  return { ...meta, Value: shownValue(cipher, record, version, withDecryption), Labels: [...version.labels] };
}
