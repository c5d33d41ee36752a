import { randomInt, randomUUID } from 'node:crypto';
import { AwsError } from '../../domain/errors.js';
import { invalidRequest, secretExists, secretNotFound } from '../../domain/secrets/errors.js';
import { SECRETS_KIND, type SecretRecord, type SecretTag } from '../../domain/secrets/records.js';
import { checkSecretName, parseSecretId, secretArn } from '../../domain/secrets/secret-id.js';
import {
  addVersion,
  deletionDate,
  describeSecret,
  isPurged,
  listEntry,
  mergeTags,
  removeTags,
  requireNotDeleted,
} from '../../domain/secrets/secrets.js';
import { groupFilters, matchesFilters, type ListFilter } from '../../domain/secrets/list-filters.js';
import { checkReplicaRegions, requireNoReplicas, requireNotReplica, type ReplicaRequest } from '../../domain/secrets/replication.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import { retryOnStale, StaleWriteError, type Store, type StoredRecord } from '../../ports/store.js';
import { decodePageToken, encodePageToken } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { findSecret, requireSecret } from './lookup.js';
import { replicate } from './replication.js';
import { existingVersionFor, givenValue, sealVersion } from './values-codec.js';
import { putSecret } from './writes.js';

const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomSuffix = () => Array.from({ length: 6 }, () => SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)]).join('');

interface CreateSecretInput {
  Name: string;
  ClientRequestToken?: string;
  Description?: string;
  KmsKeyId?: string;
  SecretString?: string;
  SecretBinary?: string;
  Tags?: SecretTag[];
  AddReplicaRegions?: ReplicaRequest[];
  ForceOverwriteReplicaSecret?: boolean;
}

export function secretHandlers(store: Store, cipher: SecretCipher) {
  /** Read, change and write one secret (and its replicas), retried when another request changed it meanwhile. Replicas refuse changes. */
  function update(ctx: RequestContext, secretId: string, change: (secret: SecretRecord) => SecretRecord): Promise<{ before: SecretRecord; after: SecretRecord }> {
    return retryOnStale(async () => {
      const record = await requireSecret(store, ctx, secretId);
      requireNotReplica(record.doc, ctx.scope.region);
      const after = change(record.doc);
      if (after !== record.doc) await putSecret(store, cipher, ctx.scope, record.id, after, record.version);
      return { before: record.doc, after };
    });
  }

  return {
    async CreateSecret(input: CreateSecretInput, ctx: RequestContext) {
      checkSecretName(input.Name);
      const value = givenValue(input, false);
      // Refused before anything is written: a bad replica region must not leave the secret behind.
      if (input.AddReplicaRegions) checkReplicaRegions(input.AddReplicaRegions, ctx.scope.region);
      const existing = await store.get<SecretRecord>(SECRETS_KIND.secret, ctx.scope, input.Name);
      if (existing && !isPurged(existing.doc, ctx.now)) {
        if (existing.doc.deletionDate !== undefined) {
          throw invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.");
        }
        // A retried CreateSecret (same token, same value) answers as the first did; the same token with another value is just another CreateSecret of a taken name.
        const same = sameVersion(() => existingVersionFor(cipher, existing.doc, input.ClientRequestToken, value));
        if (same) return { ARN: existing.doc.arn, Name: existing.doc.name, VersionId: same.versionId };
        throw secretExists(input.Name);
      }
      const arn = secretArn(ctx.partition, ctx.scope.region, ctx.scope.account, input.Name, randomSuffix());
      const base: SecretRecord = {
        arn,
        name: input.Name,
        ...(input.Description !== undefined ? { description: input.Description } : {}),
        ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
        tags: input.Tags ?? [],
        createdDate: ctx.now.getTime(),
        lastChangedDate: ctx.now.getTime(),
        versions: [],
      };
      const versionId = value ? (input.ClientRequestToken ?? randomUUID()) : undefined;
      const secret = value && versionId ? addVersion(base, sealVersion(cipher, arn, versionId, value, ctx.now), undefined, ctx.now) : base;
      try {
        await store.write([{ op: 'put', kind: SECRETS_KIND.secret, scope: ctx.scope, id: input.Name, doc: secret, expect: existing ? existing.version : 'absent' }]);
      } catch (error) {
        if (error instanceof StaleWriteError) throw secretExists(input.Name);
        throw error;
      }
      const replicas = input.AddReplicaRegions && input.AddReplicaRegions.length > 0 ? await replicate(store, cipher, ctx, input.Name, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret ?? false) : undefined;
      return { ARN: arn, Name: input.Name, ...(versionId ? { VersionId: versionId } : {}), ...(replicas ? { ReplicationStatus: replicas } : {}) };
    },

    async DescribeSecret(input: { SecretId: string }, ctx: RequestContext) {
      return describeSecret((await requireSecret(store, ctx, input.SecretId)).doc);
    },

    async UpdateSecret(input: { SecretId: string; ClientRequestToken?: string; Description?: string; KmsKeyId?: string; SecretString?: string; SecretBinary?: string }, ctx: RequestContext) {
      const value = givenValue(input, false);
      let versionId: string | undefined;
      const { after } = await update(ctx, input.SecretId, (secret) => {
        requireNotDeleted(secret);
        let next: SecretRecord = {
          ...secret,
          ...(input.Description !== undefined ? { description: input.Description } : {}),
          ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
          lastChangedDate: ctx.now.getTime(),
        };
        versionId = undefined;
        if (value) {
          const same = existingVersionFor(cipher, secret, input.ClientRequestToken, value);
          versionId = same?.versionId ?? input.ClientRequestToken ?? randomUUID();
          if (!same) next = addVersion(next, sealVersion(cipher, secret.arn, versionId, value, ctx.now), undefined, ctx.now);
        }
        return next;
      });
      return { ARN: after.arn, Name: after.name, ...(versionId ? { VersionId: versionId } : {}) };
    },

    async DeleteSecret(input: { SecretId: string; RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean }, ctx: RequestContext) {
      const when = deletionDate(input, ctx.now);
      return retryOnStale(async () => {
        const record = await findSecret(store, ctx, input.SecretId);
        // A forced delete of a secret that is not there succeeds, as AWS answers it.
        if (!record && when === 'now') return { ARN: missingSecretArn(ctx, input.SecretId), Name: missingSecretName(input.SecretId), DeletionDate: ctx.now };
        if (!record) throw secretNotFound();
        requireNotReplica(record.doc, ctx.scope.region);
        requireNoReplicas(record.doc);
        // A forced delete also ends a scheduled one at once.
        if (when !== 'now') requireNotDeleted(record.doc);
        if (when === 'now') {
          await store.write([{ op: 'delete', kind: SECRETS_KIND.secret, scope: ctx.scope, id: record.id, expect: record.version }]);
          return { ARN: record.doc.arn, Name: record.doc.name, DeletionDate: ctx.now };
        }
        const doc: SecretRecord = { ...record.doc, deletionDate: when };
        await store.write([{ op: 'put', kind: SECRETS_KIND.secret, scope: ctx.scope, id: record.id, doc, expect: record.version }]);
        return { ARN: doc.arn, Name: doc.name, DeletionDate: when };
      });
    },

    async RestoreSecret(input: { SecretId: string }, ctx: RequestContext) {
      const { after } = await update(ctx, input.SecretId, (secret) => {
        if (secret.deletionDate === undefined) return secret;
        const { deletionDate: _gone, ...rest } = secret;
        return { ...rest, lastChangedDate: ctx.now.getTime() };
      });
      return { ARN: after.arn, Name: after.name };
    },

    async ListSecrets(
      input: { IncludePlannedDeletion?: boolean; Filters?: ListFilter[]; MaxResults?: number; NextToken?: string; SortOrder?: 'asc' | 'desc'; SortBy?: string },
      ctx: RequestContext,
    ) {
      const filters = groupFilters(input.Filters ?? []);
      const all = (await store.list<SecretRecord>(SECRETS_KIND.secret, ctx.scope))
        .map((record: StoredRecord<SecretRecord>) => record.doc)
        .filter((secret) => !isPurged(secret, ctx.now) && (input.IncludePlannedDeletion || secret.deletionDate === undefined))
        .filter((secret) => matchesFilters(secret, filters));
      const key = sortKey(input.SortBy);
      all.sort((a, b) => compare(key(a), key(b)) || a.name.localeCompare(b.name));
      if (input.SortOrder === 'desc') all.reverse();
      const start = offsetOf(input.NextToken);
      const limit = input.MaxResults ?? 100;
      const items = all.slice(start, start + limit);
      return { SecretList: items.map(listEntry), ...(start + limit < all.length ? { NextToken: encodePageToken(String(start + limit)) } : {}) };
    },

    async TagResource(input: { SecretId: string; Tags: SecretTag[] }, ctx: RequestContext) {
      await update(ctx, input.SecretId, (secret) => {
        requireNotDeleted(secret);
        return { ...secret, tags: mergeTags(secret.tags, input.Tags) };
      });
      return {};
    },

    async UntagResource(input: { SecretId: string; TagKeys: string[] }, ctx: RequestContext) {
      await update(ctx, input.SecretId, (secret) => {
        requireNotDeleted(secret);
        return { ...secret, tags: removeTags(secret.tags, input.TagKeys) };
      });
      return {};
    },
  };
}

function sameVersion<T>(find: () => T | undefined): T | undefined {
  try {
    return find();
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ResourceExistsException') return undefined;
    throw error;
  }
}

/** What a forced delete of a missing secret names: the ARN given, or one made from the name. */
function missingSecretArn(ctx: RequestContext, secretId: string): string {
  if (secretId.startsWith('arn:')) return secretId;
  return secretArn(ctx.partition, ctx.scope.region, ctx.scope.account, secretId, randomSuffix());
}

function missingSecretName(secretId: string): string {
  const id = parseSecretId(secretId);
  return id.kind === 'name' ? id.name : (id.fullArnName ?? id.partialName);
}

function sortKey(sortBy: string | undefined): (secret: SecretRecord) => string | number {
  switch (sortBy) {
    case 'name':
      return (secret) => secret.name;
    case 'last-changed-date':
      return (secret) => secret.lastChangedDate;
    case 'last-accessed-date':
      return (secret) => secret.lastAccessedDate ?? 0;
    default:
      return (secret) => secret.createdDate;
  }
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** List pages are offsets into the sorted answer. */
export function offsetOf(token: string | undefined): number {
  const after = decodePageToken(token, 'InvalidNextTokenException');
  if (after === undefined) return 0;
  const offset = Number(after);
  if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidNextTokenException', 'The NextToken value is not valid.'); // unverified wording
  return offset;
}
