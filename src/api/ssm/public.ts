import { decryptionFailure } from '../../domain/secrets/errors.js';
import { SECRETS_KIND, secretValueContext, type SecretRecord } from '../../domain/secrets/records.js';
import { answersTo, lookupCandidates, parseSecretId } from '../../domain/secrets/secret-id.js';
import { isPurged, selectVersion as selectSecretVersion, versionIdsToStages } from '../../domain/secrets/secrets.js';
import { AwsError } from '../../domain/errors.js';
import { parameterNotFound } from '../../domain/ssm/errors.js';
import { isUnderPath } from '../../domain/ssm/names.js';
import { isReservedName, publicParameterArn, publicParameters, requireDecryptionForSecret, secretReference } from '../../domain/ssm/public-parameters.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import type { Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/** The epoch of the public parameters' one version. */
const PUBLISHED = Date.UTC(2024, 6, 9);

/**
 * Names AWS answers itself: `/aws/reference/secretsmanager/...` reads a
 * secret of this Wharf, `/aws/service/...` the public parameters Wharf
 * carries. Undefined for every other name.
 */
export async function reservedParameter(store: Store, cipher: SecretCipher, ctx: RequestContext, name: string, withDecryption: boolean | undefined) {
  if (!isReservedName(name)) return undefined;
  const reference = secretReference(name);
  if (reference) {
    requireDecryptionForSecret(withDecryption);
    return secretParameter(store, cipher, ctx, name, reference.secretId, reference.stage);
  }
  const found = publicParameters(ctx.scope.region).find((p) => p.name === name);
  if (!found) throw parameterNotFound();
  return publicView(ctx, found);
}

/** GetParametersByPath under `/aws/service/`: the public parameters there. */
export function publicParametersUnder(ctx: RequestContext, path: string, recursive: boolean) {
  return publicParameters(ctx.scope.region)
    .filter((p) => isUnderPath(p.name, path, recursive))
    .map((p) => publicView(ctx, p));
}

function publicView(ctx: RequestContext, parameter: { name: string; value: string }) {
  return { Name: parameter.name, Type: 'String', Value: parameter.value, Version: 1, LastModifiedDate: new Date(PUBLISHED), ARN: publicParameterArn(ctx.partition, ctx.scope.region, parameter.name), DataType: 'text' };
}

async function secretParameter(store: Store, cipher: SecretCipher, ctx: RequestContext, name: string, secretId: string, stage: string | undefined) {
  const id = parseSecretId(secretId);
  let secret: SecretRecord | undefined;
  for (const candidate of lookupCandidates(id, ctx.scope)) {
    const record = await store.get<SecretRecord>(SECRETS_KIND.secret, ctx.scope, candidate);
    if (record && !isPurged(record.doc, ctx.now) && answersTo(id, candidate, record.doc)) {
      secret = record.doc;
      break;
    }
  }
  // unverified wording
  if (!secret || secret.deletionDate !== undefined) throw parameterNotFound(`Secret ${secretId} not found.`);
  let version;
  try {
    version = selectSecretVersion(secret, stage !== undefined ? { VersionStage: stage } : {});
  } catch (error) {
    if (error instanceof AwsError) throw parameterNotFound(error.message);
    throw error;
  }
  let text: string;
  try {
    text = cipher.open(version.sealed, secretValueContext(secret.arn, version.versionId));
  } catch {
    throw decryptionFailure();
  }
  const value = version.binary ? { SecretBinary: text } : { SecretString: text };
  const source = { ARN: secret.arn, CreatedDate: new Date(version.createdDate).toISOString(), Name: secret.name, VersionId: version.versionId, ...value, VersionStages: version.stages, VersionIdsToStages: versionIdsToStages(secret) };
  return { Name: name, Type: 'SecureString', Value: text, Version: 0, SourceResult: JSON.stringify(source), LastModifiedDate: new Date(version.createdDate), ARN: secret.arn, DataType: 'text' };
}
