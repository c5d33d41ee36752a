import { formatArn } from '../arn.js';

/**
 * Store kinds and id conventions for ECS records, shared by the API handlers
 * and the controllers; ids sort the way ECS lists them.
 */
export const KIND = {
  cluster: 'ecs.cluster',
  taskDefinition: 'ecs.task-definition',
  taskDefinitionFamily: 'ecs.task-definition-family',
  capacityProvider: 'ecs.capacity-provider',
  accountSetting: 'ecs.account-setting',
  service: 'ecs.service',
  task: 'ecs.task',
} as const;

export function taskDefinitionId(family: string, revision: number): string {
  return `${family}:${String(revision).padStart(10, '0')}`;
}

/** Services and tasks are stored under `<cluster>/...`, so a prefix lists one cluster's. */
export function inCluster(clusterName: string): string {
  return `${clusterName}/`;
}

export function taskRecordId(clusterName: string, taskId: string): string {
  return `${clusterName}/${taskId}`;
}

/** A task's ARN follows from where it is stored (`<cluster>/<task id>`), so a listing of ARNs need not read the tasks. */
export function taskArnOfRecord(where: { readonly region: string; readonly account: string }, recordId: string): string {
  return formatArn({ service: 'ecs', region: where.region, account: where.account, resource: `task/${recordId}` });
}

/** `arn:...:task-definition/<family>:<revision>` -> its record id, or undefined when malformed. */
export function taskDefinitionIdOfArn(arn: string): string | undefined {
  const match = /:task-definition\/([^:/]+):(\d+)$/.exec(arn);
  return match ? taskDefinitionId(match[1]!, Number(match[2])) : undefined;
}
