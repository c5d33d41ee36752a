import { parseArn } from '../../domain/arn.js';
import { AwsError, invalidParameter } from '../../domain/errors.js';
import { circuitBreakerThreshold } from '../../domain/service/rolling-update.js';
import { requestStopOfDeployment } from '../../domain/service/service-changes.js';
import { alarmsStatus } from '../../domain/service/deployment-alarms.js';
import { serviceDeploymentArn, serviceRecordId, serviceRevisionArn, type Service, type ServiceDeploymentRecord, type ServiceDeploymentStatus } from '../../domain/service/service.js';
import { retryOnStale, type Scope, type Store, type StoredRecord } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { activeCluster, findCluster, KIND } from './records.js';
import { findService, serviceNotFound } from './services.js';

/**
 * The service deployment APIs (ListServiceDeployments,
 * DescribeServiceDeployments, DescribeServiceRevisions,
 * StopServiceDeployment): views over the history each service record keeps.
 */

/** `arn:...:service-deployment/<cluster>/<service>/<id>` (or service-revision) -> where it lives. */
export function locateServiceDeployment(arn: string, scope: Scope): { recordId: string; id: string } | undefined {
  return locate(arn, 'service-deployment', scope);
}

function locate(arn: string, type: 'service-deployment' | 'service-revision', scope: Scope): { recordId: string; id: string } | undefined {
  const parts = parseArn(arn);
  if (!parts || parts.service !== 'ecs' || parts.region !== scope.region || parts.account !== scope.account) return undefined;
  const [kind, cluster, service, id, ...rest] = parts.resource.split('/');
  if (kind !== type || !cluster || !service || !id || rest.length > 0) return undefined;
  return { recordId: serviceRecordId(cluster, service), id };
}

function revisionSummary(service: Service, revisionId: string) {
  const deployments = service.deployments.filter((d) => service.wharf.deployments[d.id]?.revisionId === revisionId);
  return {
    arn: serviceRevisionArn(service, revisionId),
    requestedTaskCount: deployments.reduce((sum, d) => sum + d.desiredCount, 0),
    runningTaskCount: deployments.reduce((sum, d) => sum + d.runningCount, 0),
    pendingTaskCount: deployments.reduce((sum, d) => sum + d.pendingCount, 0),
  };
}

/** What the brief (ListServiceDeployments) and the full description share. */
function commonFields(service: Service, record: ServiceDeploymentRecord) {
  return {
    serviceDeploymentArn: serviceDeploymentArn(service, record.id),
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    ...(record.finishedAt !== undefined ? { finishedAt: record.finishedAt } : {}),
    status: record.status,
    ...(record.statusReason ? { statusReason: record.statusReason } : {}),
  };
}

function showDeployment(service: Service, record: ServiceDeploymentRecord) {
  return {
    ...commonFields(service, record),
    updatedAt: record.updatedAt,
    ...(record.stoppedAt !== undefined ? { stoppedAt: record.stoppedAt } : {}),
    sourceServiceRevisions: record.sourceRevisionIds.map((id) => revisionSummary(service, id)),
    targetServiceRevision: revisionSummary(service, record.targetRevisionId),
    deploymentConfiguration: record.deploymentConfiguration,
    ...(record.rollback ? { rollback: { reason: record.rollback.reason, startedAt: record.rollback.startedAt, serviceRevisionArn: serviceRevisionArn(service, record.rollback.revisionId) } } : {}),
    deploymentCircuitBreaker: { status: record.circuitBreakerStatus, failureCount: record.failureCount, threshold: circuitBreakerThreshold(service.desiredCount) },
    alarms: {
      status: alarmsStatus(record),
      ...(record.deploymentConfiguration.alarms?.enable ? { alarmNames: record.deploymentConfiguration.alarms.alarmNames } : {}),
      ...(record.triggeredAlarmNames?.length ? { triggeredAlarmNames: record.triggeredAlarmNames } : {}),
    },
    ...(record.shift
      ? {
          lifecycleStage: record.shift.stage,
          lifecycleHookDetails: record.shift.hooks.map((run) => ({
            hookId: run.hookId,
            targetType: run.targetType,
            status: run.status,
            expiresAt: run.expiresAt,
            timeoutAction: run.timeoutAction,
          })),
        }
      : {}),
  };
}

function showBrief(service: Service, record: ServiceDeploymentRecord) {
  return { ...commonFields(service, record), targetServiceRevisionArn: serviceRevisionArn(service, record.targetRevisionId) };
}

export function serviceDeploymentHandlers(store: Store) {
  const notFound = () => new AwsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');

  async function byArns<T>(arns: string[], type: 'service-deployment' | 'service-revision', scope: Scope, show: (service: Service, id: string) => T | undefined) {
    if (arns.length === 0) throw invalidParameter(`${type === 'service-deployment' ? 'serviceDeploymentArns' : 'serviceRevisionArns'} cannot be empty.`);
    if (arns.length > 20) throw invalidParameter(`${type === 'service-deployment' ? 'serviceDeploymentArns' : 'serviceRevisionArns'} cannot have more than 20 elements.`);
    const found: T[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const arn of arns) {
      const where = locate(arn, type, scope);
      const record = where ? await store.get<Service>(KIND.service, scope, where.recordId) : undefined;
      const shown = record && where ? show(record.doc, where.id) : undefined;
      if (shown) found.push(shown);
      else failures.push({ arn, reason: 'MISSING' });
    }
    return { found, failures };
  }

  return {
    async ListServiceDeployments(
      input: { cluster?: string; service: string; status?: ServiceDeploymentStatus[]; createdAt?: { after?: Date; before?: Date }; maxResults?: number; nextToken?: string },
      ctx: RequestContext,
    ) {
      const cluster = await findCluster(store, ctx.scope, input.cluster);
      if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      const limit = checkMaxResults(input.maxResults, 100, 20);
      const record = await findService(store, ctx.scope, cluster.doc.clusterName, input.service);
      if (!record) throw serviceNotFound();
      const service = record.doc;
      const after = input.createdAt?.after?.getTime();
      const before = input.createdAt?.before?.getTime();
      // Newest first. The key is the creation time counted down, then the id: it does not move when a
      // new deployment is added in front (an array position did, so pages skipped or repeated entries).
      const matching = service.wharf.serviceDeployments
        .filter((sd) => (input.status === undefined || input.status.includes(sd.status)) && (after === undefined || sd.createdAt >= after) && (before === undefined || sd.createdAt <= before))
        .map((sd) => ({ sd, key: `${String(Number.MAX_SAFE_INTEGER - sd.createdAt).padStart(16, '0')}:${sd.id}` }));
      const result = page(matching, (entry) => entry.key, decodePageToken(input.nextToken), limit);
      return { serviceDeployments: result.items.map((entry) => showBrief(service, entry.sd)), nextToken: result.nextToken };
    },

    async DescribeServiceDeployments(input: { serviceDeploymentArns: string[] }, ctx: RequestContext) {
      const { found, failures } = await byArns(input.serviceDeploymentArns, 'service-deployment', ctx.scope, (service, id) => {
        const record = service.wharf.serviceDeployments.find((sd) => sd.id === id);
        return record ? showDeployment(service, record) : undefined;
      });
      return { serviceDeployments: found, failures };
    },

    async DescribeServiceRevisions(input: { serviceRevisionArns: string[] }, ctx: RequestContext) {
      const { found, failures } = await byArns(input.serviceRevisionArns, 'service-revision', ctx.scope, (service, id) => {
        const revision = service.wharf.revisions.find((r) => r.id === id);
        if (!revision) return undefined;
        const { id: _id, ...rest } = revision;
        // Revisions do not snapshot load balancers yet: every revision shows the service's current ones.
        return { ...rest, serviceRevisionArn: serviceRevisionArn(service, id), serviceArn: service.serviceArn, clusterArn: service.clusterArn, loadBalancers: service.loadBalancers ?? [], serviceRegistries: [], guardDutyEnabled: false };
      });
      return { serviceRevisions: found, failures };
    },

    async StopServiceDeployment(input: { serviceDeploymentArn: string; stopType?: 'ABORT' | 'ROLLBACK' }, ctx: RequestContext) {
      const where = locate(input.serviceDeploymentArn, 'service-deployment', ctx.scope);
      if (!where) throw notFound();
      await activeCluster(store, ctx.scope, where.recordId.split('/')[0]);
      return retryOnStale(async () => {
        const record: StoredRecord<Service> | undefined = await store.get<Service>(KIND.service, ctx.scope, where.recordId);
        if (!record || !record.doc.wharf.serviceDeployments.some((sd) => sd.id === where.id)) throw notFound();
        const next = requestStopOfDeployment(record.doc, where.id, input.stopType ?? 'ROLLBACK', ctx.now.getTime());
        await store.write([{ op: 'put', kind: KIND.service, scope: ctx.scope, id: record.id, doc: next, expect: record.version }]);
        return { serviceDeploymentArn: input.serviceDeploymentArn };
      });
    },
  };
}
