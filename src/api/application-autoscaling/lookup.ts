import { randomUUID } from 'node:crypto';
import { ALARM_KIND, type AlarmRecord } from '../../domain/cloudwatch/alarm-record.js';
import { KIND } from '../../domain/ecs/record-keys.js';
import { concurrentUpdate, validation, targetNotFound } from '../../domain/autoscaling/errors.js';
import { AUTOSCALING_KIND, targetRecordId, type ScalableTargetRecord, type TargetKey } from '../../domain/autoscaling/records.js';
import { checkTargetKey } from '../../domain/autoscaling/scalable-target.js';
import { serviceRecordId, type Service } from '../../domain/service/service.js';
import { retryOnStale, StaleWriteError, type Scope, type Store, type StoredRecord } from '../../ports/store.js';
import { decodePageToken, encodePageToken } from '../pagination.js';

export const newId = () => randomUUID();

export function keyOf(input: TargetKey): TargetKey {
  return { ServiceNamespace: input.ServiceNamespace, ResourceId: input.ResourceId, ScalableDimension: input.ScalableDimension };
}

export async function findTarget(store: Store, scope: Scope, key: TargetKey): Promise<StoredRecord<ScalableTargetRecord> | undefined> {
  return store.get<ScalableTargetRecord>(AUTOSCALING_KIND.scalableTarget, scope, targetRecordId(key));
}

/** The registered target a request names (its key checked first), or ObjectNotFoundException. */
export async function requireTarget(store: Store, scope: Scope, key: TargetKey): Promise<StoredRecord<ScalableTargetRecord>> {
  checkTargetKey(key);
  const record = await findTarget(store, scope, key);
  if (!record) throw targetNotFound(key);
  return record;
}

export async function findEcsService(store: Store, scope: Scope, key: TargetKey): Promise<StoredRecord<Service> | undefined> {
  const { cluster, service } = checkTargetKey(key);
  return store.get<Service>(KIND.service, scope, serviceRecordId(cluster, service));
}

export async function alarmsByName(store: Store, scope: Scope, names: readonly string[]): Promise<StoredRecord<AlarmRecord>[]> {
  const found = await Promise.all(names.map((name) => store.get<AlarmRecord>(ALARM_KIND, scope, name)));
  return found.filter((record): record is StoredRecord<AlarmRecord> => record !== undefined);
}

export function alarmArn(partition: string, scope: Scope, name: string): string {
  return `arn:${partition}:cloudwatch:${scope.region}:${scope.account}:alarm:${name}`;
}

/** MaxResults of the Describe operations: 1 to 50, default 50. */
export function maxResults(value: number | undefined): number {
  if (value === undefined) return 50;
  if (value < 1 || value > 50) throw validation('MaxResults must be between 1 and 50.'); // unverified wording
  return value;
}

/** Pages of an already-sorted list by the index of the next item. */
export function pageOf<T>(items: readonly T[], token: string | undefined, limit: number): { items: T[]; NextToken?: string } {
  const start = Number(decodePageToken(token, 'InvalidNextTokenException') ?? '0');
  if (!Number.isInteger(start) || start < 0) throw validation('Invalid NextToken.');
  const slice = items.slice(start, start + limit);
  return { items: slice, ...(start + limit < items.length ? { NextToken: encodePageToken(String(start + limit)) } : {}) };
}

export function checkNamespaceFilter(input: { ResourceId?: string; ScalableDimension?: string }): void {
  if (input.ScalableDimension !== undefined && input.ResourceId === undefined) {
    throw validation('If you specify a scalable dimension, you must also specify a resource ID.'); // unverified wording
  }
}

/** retryOnStale, and AWS's ConcurrentUpdateException when other writers keep winning. */
export async function retrying<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await retryOnStale(step);
  } catch (error) {
    if (error instanceof StaleWriteError) throw concurrentUpdate();
    throw error;
  }
}
