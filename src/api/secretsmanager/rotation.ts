import { requireNotReplica } from '../../domain/secrets/replication.js';
import { cancelRotation, cannotInvokeRotation, configureRotation, type RotateInput } from '../../domain/secrets/rotation.js';
import { requireNotDeleted } from '../../domain/secrets/secrets.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { requireSecret } from './lookup.js';
import { putSecret } from './writes.js';

/**
 * Rotation runs a Lambda function, and Wharf has none: RotateSecret keeps
 * the configuration it was given (DescribeSecret shows it) and then fails
 * as AWS fails when it cannot invoke the function. No version is made.
 */
export function rotationHandlers(store: Store, cipher: SecretCipher) {
  return {
    async RotateSecret(input: RotateInput & { SecretId: string; ClientRequestToken?: string; RotateImmediately?: boolean }, ctx: RequestContext) {
      await retryOnStale(async () => {
        const record = await requireSecret(store, ctx, input.SecretId);
        requireNotReplica(record.doc, ctx.scope.region);
        requireNotDeleted(record.doc);
        const rotation = configureRotation(record.doc, input);
        await putSecret(store, cipher, ctx.scope, record.id, { ...record.doc, rotation }, record.version);
      });
      throw cannotInvokeRotation();
    },

    async CancelRotateSecret(input: { SecretId: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await requireSecret(store, ctx, input.SecretId);
        requireNotReplica(record.doc, ctx.scope.region);
        requireNotDeleted(record.doc);
        const doc = { ...record.doc, rotation: cancelRotation(record.doc) };
        await putSecret(store, cipher, ctx.scope, record.id, doc, record.version);
        return { ARN: doc.arn, Name: doc.name };
      });
    },
  };
}
