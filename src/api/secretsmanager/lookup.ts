import { secretNotFound } from '../../domain/secrets/errors.js';
import { SECRETS_KIND, type SecretRecord } from '../../domain/secrets/records.js';
import { answersTo, lookupCandidates, parseSecretId } from '../../domain/secrets/secret-id.js';
import { isPurged } from '../../domain/secrets/secrets.js';
import type { Store, StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/** The secret a SecretId names (its name, full ARN or partial ARN), or undefined. Purged secrets are gone. */
export async function findSecret(store: Store, ctx: RequestContext, secretId: string): Promise<StoredRecord<SecretRecord> | undefined> {
  const id = parseSecretId(secretId);
  for (const candidate of lookupCandidates(id, ctx.scope)) {
    const record = await store.get<SecretRecord>(SECRETS_KIND.secret, ctx.scope, candidate);
    if (record && !isPurged(record.doc, ctx.now) && answersTo(id, candidate, record.doc)) return record;
  }
  return undefined;
}

export async function requireSecret(store: Store, ctx: RequestContext, secretId: string): Promise<StoredRecord<SecretRecord>> {
  const record = await findSecret(store, ctx, secretId);
  if (!record) throw secretNotFound();
  return record;
}
