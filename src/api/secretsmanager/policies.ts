import { policyFindings, checkResourcePolicy, malformedPolicy } from '../../domain/secrets/resource-policy.js';
import { requireNotReplica } from '../../domain/secrets/replication.js';
import { requireNotDeleted } from '../../domain/secrets/secrets.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { requireSecret } from './lookup.js';
import { putSecret } from './writes.js';

/** Resource policies: stored on the secret, checked as PutResourcePolicy checks them; nothing enforces them (Wharf has one set of keys per account). */
export function policyHandlers(store: Store, cipher: SecretCipher) {
  function change(ctx: RequestContext, secretId: string, policy: string | undefined) {
    return retryOnStale(async () => {
      const record = await requireSecret(store, ctx, secretId);
      requireNotReplica(record.doc, ctx.scope.region);
      requireNotDeleted(record.doc);
      const { resourcePolicy: _old, ...rest } = record.doc;
      const doc = policy === undefined ? rest : { ...rest, resourcePolicy: policy };
      await putSecret(store, cipher, ctx.scope, record.id, doc, record.version);
      return { ARN: doc.arn, Name: doc.name };
    });
  }

  return {
    async GetResourcePolicy(input: { SecretId: string }, ctx: RequestContext) {
      const secret = (await requireSecret(store, ctx, input.SecretId)).doc;
      return { ARN: secret.arn, Name: secret.name, ...(secret.resourcePolicy !== undefined ? { ResourcePolicy: secret.resourcePolicy } : {}) };
    },

    async PutResourcePolicy(input: { SecretId: string; ResourcePolicy: string; BlockPublicPolicy?: boolean }, ctx: RequestContext) {
      checkResourcePolicy(input.ResourcePolicy, input.BlockPublicPolicy ?? false);
      return change(ctx, input.SecretId, input.ResourcePolicy);
    },

    DeleteResourcePolicy: (input: { SecretId: string }, ctx: RequestContext) => change(ctx, input.SecretId, undefined),

    async ValidateResourcePolicy(input: { SecretId?: string; ResourcePolicy: string }, ctx: RequestContext) {
      if (input.SecretId !== undefined) await requireSecret(store, ctx, input.SecretId);
      const findings = policyFindings(input.ResourcePolicy);
      // Text that is not JSON at all is refused, as PutResourcePolicy refuses it; a JSON document gets its findings.
      if (findings.some((f) => f.ErrorMessage === 'This resource policy contains a syntax error.')) throw malformedPolicy(findings[0]!.ErrorMessage);
      return { PolicyValidationPassed: findings.length === 0, ValidationErrors: findings };
    },
  };
}
