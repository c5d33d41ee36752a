import { invalidParameter } from '../../domain/errors.js';
import type { Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { activeCluster } from './records.js';

/**
 * Container instances. Wharf's capacity is Fargate and no instance can
 * register yet, so the lists are empty; the calls still check what ECS
 * checks, and DiscoverPollEndpoint sends an agent to Wharf itself.
 * `wharfHost` is Wharf's own `host:port` (the one port every API listens on).
 */
export function containerInstanceHandlers(store: Store, wharfHost?: () => string | undefined) {
  return {
    async ListContainerInstances(input: { cluster?: string }, ctx: RequestContext) {
      await activeCluster(store, ctx.scope, input.cluster);
      return { containerInstanceArns: [] };
    },

    async DescribeContainerInstances(input: { cluster?: string; containerInstances: string[] }, ctx: RequestContext) {
      const cluster = (await activeCluster(store, ctx.scope, input.cluster)).doc;
      if (input.containerInstances.length === 0) throw invalidParameter('ContainerInstances cannot be empty.'); // unverified wording (DescribeTasks' is "Tasks cannot be empty.")
      if (input.containerInstances.length > 100) throw invalidParameter('ContainerInstances cannot have more than 100 elements.'); // unverified wording
      const failures = input.containerInstances.map((reference) => ({
        arn: reference.startsWith('arn:') ? reference : `${cluster.clusterArn.replace(':cluster/', ':container-instance/')}/${reference}`,
        reason: 'MISSING',
      }));
      return { containerInstances: [], failures };
    },

    /**
     * ECS answers with its agent endpoints (`https://ecs-a-1.<region>.amazonaws.com/`,
     * `https://ecs-t-1.<region>...`, `https://ecs-sc.<region>.api.aws`); Wharf's
     * agent, telemetry and Service Connect endpoints are its own port.
     */
    async DiscoverPollEndpoint(input: { cluster?: string; containerInstance?: string }, ctx: RequestContext) {
      if (input.cluster !== undefined) await activeCluster(store, ctx.scope, input.cluster);
      const host = wharfHost?.() ?? `ecs.${ctx.scope.region}.amazonaws.com`;
      const url = `http://${host}/`;
      return { endpoint: url, telemetryEndpoint: url, serviceConnectEndpoint: url };
    },
  };
}
