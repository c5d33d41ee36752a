import { randomInt, randomUUID } from 'node:crypto';
import { AwsError } from '../../domain/errors.js';
import { invalidParameter } from '../../domain/secrets/errors.js';
import { randomPassword, type RandomPasswordOptions } from '../../domain/secrets/random-password.js';
import { SECRETS_KIND, type SecretRecord } from '../../domain/secrets/records.js';
import { accessDay, addVersion, isPurged, moveStage, requireNotDeleted, selectVersion } from '../../domain/secrets/secrets.js';
import { groupFilters, matchesFilters, type ListFilter } from '../../domain/secrets/list-filters.js';
import { requireNotReplica } from '../../domain/secrets/replication.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import { encodePageToken } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { requireSecret } from './lookup.js';
import { offsetOf } from './secrets.js';
import { existingVersionFor, givenValue, openVersion, sealVersion } from './values-codec.js';
import { putSecret } from './writes.js';

export function valueHandlers(store: Store, cipher: SecretCipher) {
  /** The value of one version, noting the day it was read (one write a day at most). */
  async function readValue(ctx: RequestContext, input: { SecretId: string; VersionId?: string; VersionStage?: string }) {
    const record = await requireSecret(store, ctx, input.SecretId);
    const secret = record.doc;
    requireNotDeleted(secret);
    const version = selectVersion(secret, input);
    const day = accessDay(ctx.now);
    if (secret.lastAccessedDate !== day) {
      // Best effort: a concurrent change wins and the day is noted on the next read.
      await store.write([{ op: 'put', kind: SECRETS_KIND.secret, scope: ctx.scope, id: record.id, doc: { ...secret, lastAccessedDate: day }, expect: record.version }]).catch(() => undefined);
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, ...openVersion(cipher, secret, version), VersionStages: [...version.stages], CreatedDate: version.createdDate };
  }

  return {
    GetSecretValue: (input: { SecretId: string; VersionId?: string; VersionStage?: string }, ctx: RequestContext) => readValue(ctx, input),

    async PutSecretValue(input: { SecretId: string; ClientRequestToken?: string; SecretString?: string; SecretBinary?: string; VersionStages?: string[] }, ctx: RequestContext) {
      const value = givenValue(input, true)!;
      return retryOnStale(async () => {
        const record = await requireSecret(store, ctx, input.SecretId);
        requireNotReplica(record.doc, ctx.scope.region);
        requireNotDeleted(record.doc);
        const same = existingVersionFor(cipher, record.doc, input.ClientRequestToken, value);
        if (same) return { ARN: record.doc.arn, Name: record.doc.name, VersionId: same.versionId, VersionStages: same.stages };
        const versionId = input.ClientRequestToken ?? randomUUID();
        const doc = addVersion(record.doc, sealVersion(cipher, record.doc.arn, versionId, value, ctx.now), input.VersionStages ?? undefined, ctx.now);
        await putSecret(store, cipher, ctx.scope, record.id, doc, record.version);
        return { ARN: doc.arn, Name: doc.name, VersionId: versionId, VersionStages: doc.versions.find((v) => v.versionId === versionId)!.stages };
      });
    },

    async UpdateSecretVersionStage(input: { SecretId: string; VersionStage: string; RemoveFromVersionId?: string; MoveToVersionId?: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await requireSecret(store, ctx, input.SecretId);
        requireNotReplica(record.doc, ctx.scope.region);
        requireNotDeleted(record.doc);
        const doc = moveStage(record.doc, input.VersionStage, input.MoveToVersionId, input.RemoveFromVersionId, ctx.now);
        await putSecret(store, cipher, ctx.scope, record.id, doc, record.version);
        return { ARN: doc.arn, Name: doc.name };
      });
    },

    async ListSecretVersionIds(input: { SecretId: string; MaxResults?: number; NextToken?: string; IncludeDeprecated?: boolean }, ctx: RequestContext) {
      const secret = (await requireSecret(store, ctx, input.SecretId)).doc;
      const versions = secret.versions.filter((v) => input.IncludeDeprecated || v.stages.length > 0).sort((a, b) => b.createdDate - a.createdDate);
      const start = offsetOf(input.NextToken);
      const limit = input.MaxResults ?? 100;
      return {
        Versions: versions.slice(start, start + limit).map((v) => ({ VersionId: v.versionId, VersionStages: v.stages, CreatedDate: v.createdDate, ...(secret.kmsKeyId ? { KmsKeyIds: [secret.kmsKeyId] } : {}) })),
        ...(start + limit < versions.length ? { NextToken: encodePageToken(String(start + limit)) } : {}),
        ARN: secret.arn,
        Name: secret.name,
      };
    },

    async BatchGetSecretValue(input: { SecretIdList?: string[]; Filters?: ListFilter[]; MaxResults?: number; NextToken?: string }, ctx: RequestContext) {
      const byIds = input.SecretIdList !== undefined && input.SecretIdList.length > 0;
      const byFilters = input.Filters !== undefined && input.Filters.length > 0;
      // unverified wording
      const filters = byFilters ? groupFilters(input.Filters!) : new Map<string, string[]>();
      if (byIds === byFilters) throw invalidParameter('Either SecretIdList or Filters must be specified, but not both.');
      // unverified wording
      if (byIds && input.MaxResults !== undefined) throw invalidParameter('MaxResults can only be used with Filters.');
      let ids: string[];
      let nextToken: string | undefined;
      if (byIds) {
        ids = input.SecretIdList!;
      } else {
        const matching = (await store.list<SecretRecord>(SECRETS_KIND.secret, ctx.scope))
          .map((record) => record.doc)
          .filter((secret) => !isPurged(secret, ctx.now) && secret.deletionDate === undefined && matchesFilters(secret, filters))
          .sort((a, b) => a.createdDate - b.createdDate || a.name.localeCompare(b.name));
        const start = offsetOf(input.NextToken);
        const limit = input.MaxResults ?? 20;
        ids = matching.slice(start, start + limit).map((secret) => secret.arn);
        if (start + limit < matching.length) nextToken = encodePageToken(String(start + limit));
      }
      const SecretValues: unknown[] = [];
      const Errors: { SecretId: string; ErrorCode: string; Message: string }[] = [];
      for (const SecretId of ids) {
        try {
          SecretValues.push(await readValue(ctx, { SecretId }));
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          Errors.push({ SecretId, ErrorCode: error.code, Message: error.message });
        }
      }
      return { SecretValues, Errors, ...(nextToken ? { NextToken: nextToken } : {}) };
    },

    async GetRandomPassword(input: RandomPasswordOptions) {
      return { RandomPassword: randomPassword(input, (n) => randomInt(n)) };
    },
  };
}
