/**
 * Shared inputs for the scheduler's tests (rolling, load-balanced, placement,
 * task sets, traffic shifting): a fixed start time, deterministic ids and a
 * Fargate revision. Pure domain code, so it needs no test runner.
 */
import type { SchedulerIds } from './scheduler.js';
import type { ResolvedRevision } from './service-changes.js';

export const T0 = 1_700_000_000_000;

let counter = 0;
/** Ids that count up within one test process, so a plan's ids are predictable and never repeat. */
export const ids: SchedulerIds & { revisionDigits: () => string; serviceDeploymentId: () => string } = {
  taskId: () => `t${++counter}`,
  eventId: () => `e${++counter}`,
  deploymentDigits: () => String(++counter).padStart(19, '1'),
  revisionDigits: () => String(++counter).padStart(19, '2'),
  serviceDeploymentId: () => `sd${++counter}`,
};

/** Revision n of the `web` family: one busybox container, 256 CPU units and 512 MiB on Fargate. */
export const revision = (n: number): ResolvedRevision => ({
  taskDefinitionArn: `arn:aws:ecs:us-east-1:1:task-definition/web:${n}`,
  containerImages: [{ containerName: 'app', image: 'busybox' }],
  cpu: 256,
  memory: 512,
  launch: { launchType: 'FARGATE', platformVersion: 'LATEST' },
});

/** What CreateService and UpdateService are given about the caller and cluster `c`, at `now`. */
export const changeCtx = (now = T0) => ({ region: 'us-east-1', account: '1', clusterName: 'c', clusterArn: 'arn:aws:ecs:us-east-1:1:cluster/c', now, principalArn: 'arn:aws:iam::1:root', ids });
