import { parseArn } from '../../domain/arn.js';
import { checkTags, mergeTags, removeTags, type Tag } from '../../domain/ecs/tags.js';
import { AwsError, invalidParameter } from '../../domain/errors.js';
import { retryOnStale, type Scope, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { KIND, taskDefinitionId } from './records.js';

/**
 * Where each taggable ECS resource keeps its tags. Later resources (services,
 * tasks) add an entry here instead of another branch in the handlers.
 */
interface TaggableKind {
  readonly kind: string;
  /** The store id for the ARN's resource part after `<type>/`, or undefined when malformed. */
  readonly idOf: (rest: string) => string | undefined;
  readonly notFound: () => AwsError;
  readonly isLive: (doc: Record<string, unknown>) => boolean;
}

const notFound = () => new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');

const TAGGABLE: Readonly<Record<string, TaggableKind>> = {
  cluster: { kind: KIND.cluster, idOf: (rest) => rest, notFound: () => new AwsError('ClusterNotFoundException', 'Cluster not found.'), isLive: (doc) => doc.status === 'ACTIVE' },
  'task-definition': {
    kind: KIND.taskDefinition,
    idOf: (rest) => {
      const colon = rest.lastIndexOf(':');
      const revision = Number(rest.slice(colon + 1));
      return colon > 0 && Number.isInteger(revision) ? taskDefinitionId(rest.slice(0, colon), revision) : undefined;
    },
    notFound,
    isLive: (doc) => (doc.taskDefinition as { status?: string } | undefined)?.status !== 'DELETE_IN_PROGRESS',
  },
  'capacity-provider': { kind: KIND.capacityProvider, idOf: (rest) => rest, notFound, isLive: (doc) => doc.status === 'ACTIVE' },
  service: { kind: KIND.service, idOf: (rest) => rest, notFound, isLive: (doc) => doc.status !== 'INACTIVE' },
  task: { kind: KIND.task, idOf: (rest) => rest, notFound, isLive: () => true },
};

function locate(arn: string, scope: Scope): { taggable: TaggableKind; id: string } {
  const parts = parseArn(arn);
  if (!parts || parts.service !== 'ecs') throw invalidParameter('The ARN provided is invalid.');
  const slash = parts.resource.indexOf('/');
  const taggable = TAGGABLE[parts.resource.slice(0, slash)];
  const id = taggable && slash > 0 ? taggable.idOf(parts.resource.slice(slash + 1)) : undefined;
  if (!taggable || !id) throw invalidParameter('The ARN provided is invalid.');
  if (parts.account !== scope.account || parts.region !== scope.region) throw taggable.notFound();
  return { taggable, id };
}

export function tagHandlers(store: Store) {
  async function change(ctx: RequestContext, resourceArn: string, edit: (tags: Tag[]) => Tag[]) {
    const { taggable, id } = locate(resourceArn, ctx.scope);
    await retryOnStale(async () => {
      const record = await store.get<Record<string, unknown> & { tags?: Tag[] }>(taggable.kind, ctx.scope, id);
      if (!record || !taggable.isLive(record.doc)) throw taggable.notFound();
      const doc = { ...record.doc, tags: edit(record.doc.tags ?? []) };
      await store.write([{ op: 'put', kind: taggable.kind, scope: ctx.scope, id, doc, expect: record.version }]);
    });
    return {};
  }

  return {
    TagResource(input: { resourceArn: string; tags: Tag[] }, ctx: RequestContext) {
      checkTags(input.tags);
      return change(ctx, input.resourceArn, (tags) => mergeTags(tags, input.tags));
    },

    UntagResource(input: { resourceArn: string; tagKeys: string[] }, ctx: RequestContext) {
      return change(ctx, input.resourceArn, (tags) => removeTags(tags, input.tagKeys));
    },

    async ListTagsForResource(input: { resourceArn: string }, ctx: RequestContext) {
      const { taggable, id } = locate(input.resourceArn, ctx.scope);
      const record = await store.get<{ tags?: Tag[] }>(taggable.kind, ctx.scope, id);
      if (!record) throw taggable.notFound();
      return { tags: record.doc.tags ?? [] };
    },
  };
}
