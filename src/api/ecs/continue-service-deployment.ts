import { AwsError } from '../../domain/errors.js';
import { continueServiceDeployment } from '../../domain/service/service-changes.js';
import type { HookAction } from '../../domain/service/deployment-strategy.js';
import type { Service } from '../../domain/service/service.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { activeCluster, KIND } from './records.js';
import { locateServiceDeployment } from './service-deployments.js';

/**
 * ContinueServiceDeployment: answers a PAUSE lifecycle hook awaiting action.
 * The service record keeps the answer; the scheduler moves the deployment
 * on (CONTINUE) or rolls it back (ROLLBACK) on its next reconcile.
 */
export function continueServiceDeploymentHandlers(store: Store) {
  const notFound = () => new AwsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
  return {
    async ContinueServiceDeployment(input: { serviceDeploymentArn: string; hookId: string; action?: HookAction }, ctx: RequestContext) {
      const where = locateServiceDeployment(input.serviceDeploymentArn, ctx.scope);
      if (!where) throw notFound();
      await activeCluster(store, ctx.scope, where.recordId.split('/')[0]);
      return retryOnStale(async () => {
        const record = await store.get<Service>(KIND.service, ctx.scope, where.recordId);
        if (!record || !record.doc.wharf.serviceDeployments.some((sd) => sd.id === where.id)) throw notFound();
        const next = continueServiceDeployment(record.doc, where.id, input.hookId, input.action, ctx.now.getTime());
        await store.write([{ op: 'put', kind: KIND.service, scope: ctx.scope, id: record.id, doc: next, expect: record.version }]);
        return { serviceDeploymentArn: input.serviceDeploymentArn };
      });
    },
  };
}
