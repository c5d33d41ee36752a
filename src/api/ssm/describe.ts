import { invalidResourceId, invalidResourceType, parameterNotFound, tooManyTags, validation } from '../../domain/ssm/errors.js';
import { checkFilters, legacyFilters, matchesParameterFilters, type ParameterStringFilter } from '../../domain/ssm/filters.js';
import { labelVersion, latest, unlabelVersion } from '../../domain/ssm/parameters.js';
import { SSM_KIND, type ParameterRecord, type ParameterTag } from '../../domain/ssm/records.js';
import type { SecretCipher } from '../../ports/secret-cipher.js';
import { retryOnStale, type Store, type StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { findParameter } from './lookup.js';
import { pageByName } from './parameters.js';
import { historyView, metadataView } from './view.js';

const MAX_TAGS = 50;

export function describeHandlers(store: Store, cipher: SecretCipher) {
  async function requireParameter(ctx: RequestContext, name: string): Promise<StoredRecord<ParameterRecord>> {
    const record = await findParameter(store, ctx.scope, name);
    if (!record) throw parameterNotFound();
    return record;
  }

  function change(ctx: RequestContext, name: string, edit: (record: ParameterRecord) => ParameterRecord, missing = () => parameterNotFound()) {
    return retryOnStale(async () => {
      const record = await findParameter(store, ctx.scope, name);
      if (!record) throw missing();
      const doc = edit(record.doc);
      await store.write([{ op: 'put', kind: SSM_KIND.parameter, scope: ctx.scope, id: record.id, doc, expect: record.version }]);
      return doc;
    });
  }

  /** Tag operations name a parameter by its name (ResourceType Parameter); other resource types are not served. */
  function tagTarget(input: { ResourceType: string; ResourceId: string }): string {
    if (input.ResourceType !== 'Parameter') throw invalidResourceType();
    return input.ResourceId;
  }

  return {
    async DescribeParameters(
      input: { Filters?: { Key: string; Values: string[] }[]; ParameterFilters?: ParameterStringFilter[]; MaxResults?: number; NextToken?: string },
      ctx: RequestContext,
    ) {
      // unverified wording
      if (input.Filters?.length && input.ParameterFilters?.length) throw validation('You can use either Filters or ParameterFilters in a single request.');
      const filters = input.ParameterFilters ?? legacyFilters(input.Filters ?? []);
      checkFilters(filters, 'describe');
      const all = await store.list<ParameterRecord>(SSM_KIND.parameter, ctx.scope);
      const matching = all.filter((record) => matchesParameterFilters(record.doc, latest(record.doc), filters));
      const { items, next } = pageByName(matching, (record) => record.id, input.NextToken, input.MaxResults ?? 50);
      return { Parameters: items.map((record) => metadataView(record.doc, latest(record.doc))), ...(next ? { NextToken: next } : {}) };
    },

    async GetParameterHistory(input: { Name: string; WithDecryption?: boolean; MaxResults?: number; NextToken?: string }, ctx: RequestContext) {
      const record = (await requireParameter(ctx, input.Name)).doc;
      const start = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64url').toString('utf8')) : 0;
      // unverified wording
      if (!Number.isInteger(start) || start < 0) throw validation('The specified token is not valid.');
      const limit = input.MaxResults ?? 50;
      const versions = record.versions.slice(start, start + limit);
      return {
        Parameters: versions.map((version) => historyView(cipher, record, version, input.WithDecryption)),
        ...(start + limit < record.versions.length ? { NextToken: Buffer.from(String(start + limit)).toString('base64url') } : {}),
      };
    },

    async LabelParameterVersion(input: { Name: string; ParameterVersion?: number; Labels: string[] }, ctx: RequestContext) {
      let result: { invalid: string[]; version: number } = { invalid: [], version: 0 };
      await change(ctx, input.Name, (record) => {
        const labelled = labelVersion(record, input.ParameterVersion, input.Labels);
        result = labelled;
        return labelled.record;
      });
      return { InvalidLabels: result.invalid, ParameterVersion: result.version };
    },

    async UnlabelParameterVersion(input: { Name: string; ParameterVersion: number; Labels: string[] }, ctx: RequestContext) {
      let result: { removed: string[]; invalid: string[] } = { removed: [], invalid: [] };
      await change(ctx, input.Name, (record) => {
        const unlabelled = unlabelVersion(record, input.ParameterVersion, input.Labels);
        result = unlabelled;
        return unlabelled.record;
      });
      return { RemovedLabels: result.removed, InvalidLabels: result.invalid };
    },

    async AddTagsToResource(input: { ResourceType: string; ResourceId: string; Tags: ParameterTag[] }, ctx: RequestContext) {
      await change(
        ctx,
        tagTarget(input),
        (record) => {
          const byKey = new Map(record.tags.map((tag) => [tag.Key, tag.Value]));
          for (const tag of input.Tags) byKey.set(tag.Key, tag.Value);
          if (byKey.size > MAX_TAGS) throw tooManyTags();
          return { ...record, tags: [...byKey].map(([Key, Value]) => ({ Key, Value })) };
        },
        invalidResourceId,
      );
      return {};
    },

    async RemoveTagsFromResource(input: { ResourceType: string; ResourceId: string; TagKeys: string[] }, ctx: RequestContext) {
      await change(ctx, tagTarget(input), (record) => ({ ...record, tags: record.tags.filter((tag) => !input.TagKeys.includes(tag.Key)) }), invalidResourceId);
      return {};
    },

    async ListTagsForResource(input: { ResourceType: string; ResourceId: string }, ctx: RequestContext) {
      const record = await findParameter(store, ctx.scope, tagTarget(input));
      if (!record) throw invalidResourceId();
      return { TagList: record.doc.tags };
    },
  };
}
