import { decryptionFailure, secretNotFound } from '../domain/secrets/errors.js';
import { SECRETS_KIND, secretValueContext, type SecretRecord } from '../domain/secrets/records.js';
import { answersTo, lookupCandidates, parseSecretId } from '../domain/secrets/secret-id.js';
import { isPurged, requireNotDeleted, selectVersion } from '../domain/secrets/secrets.js';
import { parseValueFrom, pickJsonKey, secretFailure, type SecretReference } from '../domain/secrets/value-from.js';
import { AwsError } from '../domain/errors.js';
import { SSM_KIND, parameterValueContext, type ParameterRecord } from '../domain/ssm/records.js';
import type { Clock } from '../ports/clock.js';
import type { SecretCipher } from '../ports/secret-cipher.js';
import type { Scope, Store } from '../ports/store.js';
import type { ExecutionRoleCheck } from './execution-role.js';

/** Who reads the secrets: the task's execution role, in a session named after the task. */
export interface SecretReader {
  readonly executionRoleArn?: string;
  readonly taskId: string;
}

export type SecretResolution = { readonly environment: Record<string, string> } | { readonly failure: string };

/**
 * Resolves a container's `secrets` (and log `secretOptions`) at task start,
 * as the execution role would: from Secrets Manager and Parameter Store in
 * the store, opened through the cipher. With IAM enforcement on (an
 * ExecutionRoleCheck), the execution role must be allowed
 * secretsmanager:GetSecretValue / ssm:GetParameters on each one; otherwise
 * any secret of the task's own account may be read. The values live only in the
 * answer (which the supervisor puts into the container's environment) and
 * are never written or logged; a failure names the reference, never a value.
 */
export class TaskSecrets {
  constructor(
    private readonly store: Store,
    private readonly cipher: SecretCipher,
    private readonly clock: Clock,
    private readonly executionRole?: ExecutionRoleCheck,
  ) {}

  async resolve(scope: Scope, secrets: readonly { name: string; valueFrom: string }[], reader?: SecretReader): Promise<SecretResolution> {
    const environment: Record<string, string> = {};
    const missingParameters: string[] = [];
    for (const secret of secrets) {
      const reference = parseValueFrom(secret.valueFrom);
      if (!reference) return { failure: secretFailure.malformed(secret.valueFrom) };
      const denied = await this.denial(scope, reference, reader);
      if (denied) return { failure: denied };
      if (reference.source === 'asm') {
        const result = await this.fromSecretsManager(scope, reference);
        if ('failure' in result) return result;
        environment[secret.name] = result.value;
      } else {
        let value: string | undefined;
        try {
          value = await this.fromParameterStore(scope, reference);
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          // unverified wording
          return { failure: `execution resource retrieval failed: unable to retrieve secrets from ssm: ${error.code}: ${error.message}` };
        }
        if (value === undefined) missingParameters.push(reference.name);
        else environment[secret.name] = value;
      }
    }
    // The agent asks SSM for every parameter at once and reports all it could not find.
    if (missingParameters.length > 0) return { failure: secretFailure.ssmMissing(missingParameters) };
    return { environment };
  }

  /** The execution role's refusal, in the agent's words, when enforcement is on and its policies do not allow the read. */
  private async denial(scope: Scope, reference: SecretReference, reader: SecretReader | undefined): Promise<string | undefined> {
    if (!this.executionRole || !reader?.executionRoleArn) return undefined;
    if (reference.source === 'asm') {
      const message = await this.executionRole.denial({ roleArn: reader.executionRoleArn, sessionName: reader.taskId, scope: { account: reference.account, region: reference.region }, action: 'secretsmanager:GetSecretValue', resource: { secretId: reference.secretId } });
      return message && secretFailure.asmError(reference.secretId, 'AccessDeniedException', message);
    }
    const at = { account: reference.account ?? scope.account, region: reference.region ?? scope.region };
    const name = reference.name.startsWith('/') ? reference.name.slice(1) : reference.name;
    const message = await this.executionRole.denial({ roleArn: reader.executionRoleArn, sessionName: reader.taskId, scope: at, action: 'ssm:GetParameters', resource: { arn: `arn:aws:ssm:${at.region}:${at.account}:parameter/${name}` } });
    // unverified wording
    return message && `execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): AccessDeniedException: ${message}`;
  }

  private async fromSecretsManager(scope: Scope, reference: Extract<SecretReference, { source: 'asm' }>): Promise<{ value: string } | { failure: string }> {
    const at = { account: reference.account, region: reference.region };
    try {
      // Another account's secret would need its resource policy, which Wharf does not evaluate: it is not found.
      if (at.account !== scope.account) throw secretNotFound();
      const secret = await this.findSecret(at, reference.secretId);
      if (!secret) throw secretNotFound();
      requireNotDeleted(secret);
      const version = selectVersion(secret, { ...(reference.versionId ? { VersionId: reference.versionId } : {}), ...(reference.versionStage ? { VersionStage: reference.versionStage } : {}) });
      const text = this.open(version.sealed, secretValueContext(secret.arn, version.versionId), decryptionFailure);
      const picked = pickJsonKey(text, reference.jsonKey);
      if ('missingKey' in picked) return { failure: secretFailure.jsonKeyMissing(reference.secretId, picked.missingKey) };
      if ('notJson' in picked) return { failure: secretFailure.notJson(reference.secretId) };
      return { value: picked.value };
    } catch (error) {
      if (error instanceof AwsError) return { failure: secretFailure.asmError(reference.secretId, error.code, error.message) };
      throw error;
    }
  }

  private async findSecret(scope: Scope, secretId: string): Promise<SecretRecord | undefined> {
    const id = parseSecretId(secretId);
    for (const candidate of lookupCandidates(id, scope)) {
      const record = await this.store.get<SecretRecord>(SECRETS_KIND.secret, scope, candidate);
      if (record && !isPurged(record.doc, this.clock.now()) && answersTo(id, candidate, record.doc)) return record.doc;
    }
    return undefined;
  }

  private async fromParameterStore(scope: Scope, reference: Extract<SecretReference, { source: 'ssm' }>): Promise<string | undefined> {
    if (reference.account !== undefined && reference.account !== scope.account) return undefined;
    const at = { account: scope.account, region: reference.region ?? scope.region };
    const record = await this.store.get<ParameterRecord>(SSM_KIND.parameter, at, reference.name);
    const version = record?.doc.versions.at(-1);
    if (!record || !version) return undefined;
    if (version.type !== 'SecureString') return version.value ?? '';
    return this.open(version.sealed!, parameterValueContext(record.doc.arn, version.version), () => new AwsError('InvalidKeyId', `the SecureString parameter ${reference.name} cannot be decrypted with this Wharf's secrets key`)); // unverified wording
  }

  /** A value sealed under another key fails the task (saying so) instead of retrying forever. */
  private open(sealed: string, context: string, failure: () => AwsError): string {
    try {
      return this.cipher.open(sealed, context);
    } catch {
      throw failure();
    }
  }
}
