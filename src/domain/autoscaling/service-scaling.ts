import { parseArn } from '../arn.js';
import type { Service } from '../service/service.js';
import { updateService } from '../service/service-changes.js';

/**
 * How Application Auto Scaling changes an ECS service: through the same
 * UpdateService rule the API applies to `--desired-count`, so the scheduler
 * sees one kind of change whoever made it.
 */

/** A desired-count-only update never makes a deployment, so it needs no ids. */
const NO_IDS = {
  deploymentDigits: (): string => {
    throw new Error('a desired count change makes no deployment');
  },
  revisionDigits: (): string => {
    throw new Error('a desired count change makes no revision');
  },
  serviceDeploymentId: (): string => {
    throw new Error('a desired count change makes no service deployment');
  },
};

export function withDesiredCount(service: Service, desiredCount: number, now: number, principalArn: string): Service {
  const arn = parseArn(service.serviceArn);
  return updateService(service, { desiredCount }, undefined, {
    region: arn?.region ?? '',
    account: arn?.account ?? '',
    clusterName: service.wharf.clusterName,
    clusterArn: service.clusterArn,
    now,
    principalArn,
    ids: NO_IDS,
  });
}

/** ECS suspends scale-in while a rollout is under way. */
export function deploymentInProgress(service: Service): boolean {
  return service.deployments.some((deployment) => deployment.status !== 'INACTIVE' && deployment.rolloutState === 'IN_PROGRESS') || service.deployments.length > 1;
}

/** The service can be scaled: it exists and is ACTIVE. */
export function isScalable(service: Service | undefined): service is Service {
  return service !== undefined && service.status === 'ACTIVE';
}
