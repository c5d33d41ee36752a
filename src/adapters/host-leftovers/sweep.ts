import type { Logger } from '../../ports/logger.js';
import type { DockerRuntime } from '../runtime-docker/docker-runtime.js';
import type { IptablesTaskEndpoint } from '../task-endpoint-iptables/iptables-task-endpoint.js';
import { liveInstances } from './live-instances.js';

/**
 * At start-up, removes what Wharf instances that are no longer running left
 * on the host: their task-endpoint iptables rules (by the `wharf:<id>`
 * comment, when no live instance has that id: see live-instances.ts) and
 * empty task cgroup folders no container owns. Never fails the start: a host
 * without iptables or cgroup access has nothing of ours to sweep.
 */
export async function sweepHostLeftovers(deps: { network: IptablesTaskEndpoint; runtime: DockerRuntime; logger: Logger }): Promise<void> {
  try {
    const live = await liveInstances();
    if (!live.complete) {
      deps.logger.info({}, 'some processes could not be inspected: iptables rules of other Wharf instances are left alone');
    } else {
      const removed = await deps.network.sweepDeadInstances(live.ids);
      if (removed > 0) deps.logger.info({ removed }, 'removed task-endpoint iptables rules of Wharf instances that are not running');
    }
  } catch (error) {
    deps.logger.debug({ err: (error as Error).message }, 'no iptables rules swept');
  }
  try {
    const removed = await deps.runtime.sweepLeftoverCgroups();
    if (removed.length > 0) deps.logger.info({ removed }, 'removed empty task cgroup folders no container owns');
  } catch (error) {
    deps.logger.debug({ err: (error as Error).message }, 'no task cgroups swept');
  }
}
