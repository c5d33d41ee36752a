import { parameterNotFound } from '../../domain/ssm/errors.js';
import { checkFilters, matchesParameterFilters, type ParameterStringFilter } from '../../domain/ssm/filters.js';
import { checkParameterName, isUnderPath, normalizePath, parameterArn, parameterKey, parseSelector } from '../../domain/ssm/names.js';
import { latest, putParameter, selectVersion, type PutParameterInput } from '../../domain/ssm/parameters.js';
import { SSM_KIND, type ParameterRecord } from '../../domain/ssm/records.js';
import { AwsError } from '../../domain/errors.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import { retryOnStale, type Store, type StoredRecord } from '../../ports/store.js';
import { decodePageToken, encodePageToken } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { findParameter } from './lookup.js';
import { publicParametersUnder, reservedParameter } from './public.js';
import { parameterView } from './view.js';

export function parameterHandlers(store: Store, cipher: SecretCipher) {
  const get = (ctx: RequestContext, name: string) => findParameter(store, ctx.scope, name);

  return {
    async PutParameter(input: PutParameterInput, ctx: RequestContext) {
      checkParameterName(input.Name);
      return retryOnStale(async () => {
        const existing = await get(ctx, input.Name);
        const arn = parameterArn(ctx.partition, ctx.scope.region, ctx.scope.account, input.Name);
        const doc = putParameter(existing?.doc, input, { arn, now: ctx.now, user: ctx.principalArn, seal: (text, context) => cipher.seal(text, context) });
        // A concurrent writer makes this stale; the retry re-reads (and answers ParameterAlreadyExists without Overwrite).
        await store.write([{ op: 'put', kind: SSM_KIND.parameter, scope: ctx.scope, id: existing?.id ?? parameterKey(input.Name), doc, expect: existing ? existing.version : 'absent' }]);
        const version = latest(doc);
        return { Version: version.version, Tier: version.tier };
      });
    },

    async GetParameter(input: { Name: string; WithDecryption?: boolean }, ctx: RequestContext) {
      const reserved = await reservedParameter(store, cipher, ctx, input.Name, input.WithDecryption);
      if (reserved) return { Parameter: reserved };
      const selector = parseSelector(input.Name);
      const record = await get(ctx, selector.name);
      if (!record) throw parameterNotFound();
      const version = selectVersion(record.doc, selector);
      return { Parameter: parameterView(cipher, record.doc, version, input.WithDecryption, selector.selector) };
    },

    async GetParameters(input: { Names: string[]; WithDecryption?: boolean }, ctx: RequestContext) {
      const Parameters: unknown[] = [];
      const InvalidParameters: string[] = [];
      for (const name of [...new Set(input.Names)]) {
        const reserved = await reservedParameter(store, cipher, ctx, name, input.WithDecryption).catch((error: unknown) => {
          // A reference read without decryption fails the whole call, as AWS does; a missing one is just invalid.
          if (error instanceof AwsError && error.code === 'ParameterNotFound') return null;
          throw error;
        });
        if (reserved === null) {
          InvalidParameters.push(name);
          continue;
        }
        if (reserved) {
          Parameters.push(reserved);
          continue;
        }
        const selector = parseSelector(name);
        const record = await get(ctx, selector.name);
        if (!record) {
          InvalidParameters.push(name);
          continue;
        }
        try {
          Parameters.push(parameterView(cipher, record.doc, selectVersion(record.doc, selector), input.WithDecryption, selector.selector));
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          InvalidParameters.push(name);
        }
      }
      return { Parameters, InvalidParameters };
    },

    async GetParametersByPath(
      input: { Path: string; Recursive?: boolean; ParameterFilters?: ParameterStringFilter[]; WithDecryption?: boolean; MaxResults?: number; NextToken?: string },
      ctx: RequestContext,
    ) {
      const path = normalizePath(input.Path);
      const filters = input.ParameterFilters ?? [];
      checkFilters(filters, 'by-path');
      if (path.startsWith('/aws/service/') || path === '/aws/service') {
        const { items, next } = pageByName(publicParametersUnder(ctx, path, input.Recursive ?? false), (view) => view.Name, input.NextToken, input.MaxResults ?? 10);
        return { Parameters: items, ...(next ? { NextToken: next } : {}) };
      }
      const labels = filters.filter((f) => f.Key === 'Label').flatMap((f) => f.Values ?? []);
      // Top-level parameters are stored without their slash, so `/` lists everything and keeps what lies under it.
      const all = await store.list<ParameterRecord>(SSM_KIND.parameter, ctx.scope, path === '/' ? {} : { prefix: `${path}/` });
      const matches = all.flatMap((record) => {
        if (!isUnderPath(record.doc.name, path, input.Recursive ?? false)) return [];
        // A Label filter answers with the labelled version, not the latest.
        const version = labels.length > 0 ? record.doc.versions.find((v) => v.labels.some((label) => labels.includes(label))) : latest(record.doc);
        if (!version || !matchesParameterFilters(record.doc, version, filters.filter((f) => f.Key !== 'Label'))) return [];
        return [{ record, version }];
      });
      const { items, next } = pageByName(matches, (m) => m.record.id, input.NextToken, input.MaxResults ?? 10);
      return { Parameters: items.map((m) => parameterView(cipher, m.record.doc, m.version, input.WithDecryption)), ...(next ? { NextToken: next } : {}) };
    },

    async DeleteParameter(input: { Name: string }, ctx: RequestContext) {
      const record = await get(ctx, input.Name);
      if (!record) throw parameterNotFound();
      await store.write([{ op: 'delete', kind: SSM_KIND.parameter, scope: ctx.scope, id: record.id, expect: record.version }]);
      return {};
    },

    async DeleteParameters(input: { Names: string[] }, ctx: RequestContext) {
      const DeletedParameters: string[] = [];
      const InvalidParameters: string[] = [];
      const found: StoredRecord<ParameterRecord>[] = [];
      for (const name of [...new Set(input.Names)]) {
        const record = await get(ctx, name);
        if (record) {
          found.push(record);
          DeletedParameters.push(name);
        } else InvalidParameters.push(name);
      }
      if (found.length > 0) await store.write(found.map((record) => ({ op: 'delete' as const, kind: SSM_KIND.parameter, scope: ctx.scope, id: record.id })));
      return { DeletedParameters, InvalidParameters };
    },
  };
}

/** Pages of items in name order; the token is the last name returned. */
export function pageByName<T>(items: readonly T[], idOf: (item: T) => string, token: string | undefined, limit: number): { items: T[]; next?: string } {
  const after = decodePageToken(token, 'InvalidNextToken');
  const rest = after === undefined ? [...items] : items.filter((item) => idOf(item) > after);
  const page = rest.slice(0, limit);
  return { items: page, ...(rest.length > limit ? { next: encodePageToken(idOf(page.at(-1)!)) } : {}) };
}
