import { formatArn } from '../../domain/arn.js';
import { checkRoleArn } from '../../domain/ecs/principals.js';
import { checkTags, type Tag } from '../../domain/ecs/tags.js';
import { AwsError, clientException } from '../../domain/errors.js';
import { buildTaskDefinition } from '../../domain/task-definition/index.js';
import { retryOnStale, type Scope, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { KIND, taskDefinitionId } from './records.js';

type Status = 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';

/** A stored revision: the TaskDefinition as ECS shows it, and its tags beside it. */
export interface TaskDefinitionRecord {
  readonly taskDefinition: { family: string; revision: number; status: Status; taskDefinitionArn: string; [field: string]: unknown };
  readonly tags: Tag[];
}

/** The revision counter per family: revisions are never reused, even after deletion. */
interface FamilyRecord {
  readonly family: string;
  readonly lastRevision: number;
  readonly activeRevisions: number;
}

/** `family`, `family:3` or a task definition ARN. */
export function parseTaskDefinitionReference(reference: string): { family: string; revision?: number } {
  const resource = reference.startsWith('arn:') ? reference.slice(reference.indexOf(':task-definition/') + ':task-definition/'.length) : reference;
  if (reference.startsWith('arn:') && !reference.includes(':task-definition/')) throw clientException('Invalid revision number. Number: ' + reference);
  const colon = resource.lastIndexOf(':');
  if (colon < 0) return { family: resource };
  const revision = Number(resource.slice(colon + 1));
  if (!Number.isInteger(revision) || revision < 1) throw clientException(`Invalid revision number. Number: ${resource.slice(colon + 1)}`);
  return { family: resource.slice(0, colon), revision };
}

/** The revision a reference names; a bare family means its latest ACTIVE revision. */
export async function resolveTaskDefinition(store: Store, scope: Scope, reference: string): Promise<StoredRecord<TaskDefinitionRecord> | undefined> {
  const { family, revision } = parseTaskDefinitionReference(reference);
  if (revision !== undefined) {
    const record = await store.get<TaskDefinitionRecord>(KIND.taskDefinition, scope, taskDefinitionId(family, revision));
    return record && record.doc.taskDefinition.status !== 'DELETE_IN_PROGRESS' ? record : undefined;
  }
  const revisions = await store.list<TaskDefinitionRecord>(KIND.taskDefinition, scope, { prefix: `${family}:`, reverse: true });
  return revisions.find((record) => record.doc.taskDefinition.status === 'ACTIVE');
}

/**
 * The next revision of a family and the writes that store it, for
 * RegisterTaskDefinition and for callers that register a revision inside a
 * larger write (an Express service's).
 */
export async function taskDefinitionRegistration(
  store: Store,
  ctx: RequestContext,
  input: { family: string; tags?: Tag[]; [field: string]: unknown },
  registryHost: string | undefined,
): Promise<{ ops: WriteOp[]; record: TaskDefinitionRecord }> {
  const familyRecord = await store.get<FamilyRecord>(KIND.taskDefinitionFamily, ctx.scope, input.family);
  const revision = (familyRecord?.doc.lastRevision ?? 0) + 1;
  const arn = formatArn({ service: 'ecs', region: ctx.scope.region, account: ctx.scope.account, resource: `task-definition/${input.family}:${revision}` });
  const { tags: _tags, ...definition } = input;
  const taskDefinition = buildTaskDefinition(definition as never, { arn, revision, registeredAt: ctx.now, registeredBy: ctx.principalArn, ...(registryHost ? { registryHost } : {}) });
  const record: TaskDefinitionRecord = { taskDefinition: taskDefinition as unknown as TaskDefinitionRecord['taskDefinition'], tags: input.tags ?? [] };
  const family: FamilyRecord = { family: input.family, lastRevision: revision, activeRevisions: (familyRecord?.doc.activeRevisions ?? 0) + 1 };
  return {
    record,
    ops: [
      { op: 'put', kind: KIND.taskDefinitionFamily, scope: ctx.scope, id: input.family, doc: family, expect: familyRecord ? familyRecord.version : 'absent' },
      { op: 'put', kind: KIND.taskDefinition, scope: ctx.scope, id: taskDefinitionId(input.family, revision), doc: record, expect: 'absent' },
    ],
  };
}

export function taskDefinitionHandlers(store: Store, registryHost: () => string | undefined = () => undefined) {
  return {
    async RegisterTaskDefinition(input: { family: string; tags?: Tag[]; [field: string]: unknown }, ctx: RequestContext) {
      checkTags(input.tags ?? []);
      checkRoleArn(input.taskRoleArn as string | undefined);
      checkRoleArn(input.executionRoleArn as string | undefined);
      return retryOnStale(async () => {
        const { ops, record } = await taskDefinitionRegistration(store, ctx, input, registryHost());
        await store.write(ops);
        return { taskDefinition: record.taskDefinition, tags: record.tags };
      });
    },

    async DescribeTaskDefinition(input: { taskDefinition: string; include?: string[] }, ctx: RequestContext) {
      const record = await resolveTaskDefinition(store, ctx.scope, input.taskDefinition);
      if (!record) throw clientException('Unable to describe task definition.');
      return { taskDefinition: record.doc.taskDefinition, tags: input.include?.includes('TAGS') ? record.doc.tags : undefined };
    },

    async ListTaskDefinitions(input: { familyPrefix?: string; status?: Status; sort?: 'ASC' | 'DESC'; nextToken?: string; maxResults?: number }, ctx: RequestContext) {
      const limit = checkMaxResults(input.maxResults, 100, 100);
      const status = input.status ?? 'ACTIVE';
      // familyPrefix names one whole family in ECS, despite its name.
      const records = await store.list<TaskDefinitionRecord>(KIND.taskDefinition, ctx.scope, input.familyPrefix ? { prefix: `${input.familyPrefix}:` } : {});
      const matching = records.filter((record) => record.doc.taskDefinition.status === status);
      if (input.sort === 'DESC') matching.reverse();
      const after = decodePageToken(input.nextToken);
      const ordered = input.sort === 'DESC' ? matching.map((record) => ({ record, key: invert(record.id) })) : matching.map((record) => ({ record, key: record.id }));
      const result = page(ordered, (item) => item.key, after, limit);
      return { taskDefinitionArns: result.items.map((item) => item.record.doc.taskDefinition.taskDefinitionArn), nextToken: result.nextToken };
    },

    async ListTaskDefinitionFamilies(input: { familyPrefix?: string; status?: 'ACTIVE' | 'INACTIVE' | 'ALL'; nextToken?: string; maxResults?: number }, ctx: RequestContext) {
      const limit = checkMaxResults(input.maxResults, 100, 100);
      const status = input.status ?? 'ACTIVE';
      const families = (await store.list<FamilyRecord>(KIND.taskDefinitionFamily, ctx.scope, input.familyPrefix ? { prefix: input.familyPrefix } : {})).filter(
        (record) => status === 'ALL' || (status === 'ACTIVE' ? record.doc.activeRevisions > 0 : record.doc.activeRevisions === 0),
      );
      const result = page(families, (record) => record.id, decodePageToken(input.nextToken), limit);
      return { families: result.items.map((record) => record.doc.family), nextToken: result.nextToken };
    },

    async DeregisterTaskDefinition(input: { taskDefinition: string }, ctx: RequestContext) {
      const { family, revision } = parseTaskDefinitionReference(input.taskDefinition);
      if (revision === undefined) throw clientException('Revision must be specified. Specify the family and revision (family:revision) or the full ARN.');
      return retryOnStale(async () => {
        const record = await store.get<TaskDefinitionRecord>(KIND.taskDefinition, ctx.scope, taskDefinitionId(family, revision));
        if (!record || record.doc.taskDefinition.status === 'DELETE_IN_PROGRESS') throw clientException('The specified task definition does not exist.');
        if (record.doc.taskDefinition.status === 'INACTIVE') return { taskDefinition: record.doc.taskDefinition };
        const familyRecord = (await store.get<FamilyRecord>(KIND.taskDefinitionFamily, ctx.scope, family))!;
        const updated: TaskDefinitionRecord = { ...record.doc, taskDefinition: { ...record.doc.taskDefinition, status: 'INACTIVE', deregisteredAt: ctx.now.getTime() } };
        await store.write([
          { op: 'put', kind: KIND.taskDefinition, scope: ctx.scope, id: record.id, doc: updated, expect: record.version },
          { op: 'put', kind: KIND.taskDefinitionFamily, scope: ctx.scope, id: family, doc: { ...familyRecord.doc, activeRevisions: familyRecord.doc.activeRevisions - 1 }, expect: familyRecord.version },
        ]);
        return { taskDefinition: updated.taskDefinition };
      });
    },

    async DeleteTaskDefinitions(input: { taskDefinitions: string[] }, ctx: RequestContext) {
      if (input.taskDefinitions.length === 0 || input.taskDefinitions.length > 10) {
        throw new AwsError('InvalidParameterException', 'The number of task definitions to delete must be between 1 and 10.');
      }
      const taskDefinitions: unknown[] = [];
      const failures: { arn: string; reason: string; detail?: string }[] = [];
      for (const reference of input.taskDefinitions) {
        let parsed: { family: string; revision?: number };
        try {
          parsed = parseTaskDefinitionReference(reference);
        } catch {
          failures.push({ arn: reference, reason: 'The specified task definition identifier is invalid. Specify a valid name or ARN and try again.' });
          continue;
        }
        if (parsed.revision === undefined) {
          failures.push({ arn: reference, reason: 'The specified task definition identifier is invalid. Specify a valid name or ARN and try again.' });
          continue;
        }
        const revision = parsed.revision;
        const outcome = await retryOnStale(async () => {
          const record = await store.get<TaskDefinitionRecord>(KIND.taskDefinition, ctx.scope, taskDefinitionId(parsed.family, revision));
          if (!record) return { failure: { arn: reference, reason: 'The specified task definition does not exist. Specify a valid task definition and try again.' } };
          if (record.doc.taskDefinition.status === 'ACTIVE') {
            return { failure: { arn: record.doc.taskDefinition.taskDefinitionArn, reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.' } };
          }
          const updated: TaskDefinitionRecord = { ...record.doc, taskDefinition: { ...record.doc.taskDefinition, status: 'DELETE_IN_PROGRESS', deleteRequestedAt: ctx.now.getTime() } };
          await store.write([{ op: 'put', kind: KIND.taskDefinition, scope: ctx.scope, id: record.id, doc: updated, expect: record.version }]);
          return { deleted: updated.taskDefinition };
        });
        if ('failure' in outcome) failures.push(outcome.failure!);
        else taskDefinitions.push(outcome.deleted);
      }
      return { taskDefinitions, failures };
    },
  };
}

/** A key that sorts ids in reverse, so one cursor scheme serves both sort orders. */
function invert(id: string): string {
  return Array.from(id, (char) => String.fromCharCode(0xffff - char.charCodeAt(0))).join('');
}
