/**
 * A container's stats as the engine reports them. `stream=false` waits for a
 * second sample (1-2 s) so precpu_stats is filled and CPU use can be worked
 * out from the pair, as the ECS agent's answers allow.
 */
import type Docker from 'dockerode';
import type { ContainerStats } from '../../ports/runtime.js';
import { isNotFound } from './engine-errors.js';

export async function containerStats(docker: Docker, id: string): Promise<ContainerStats | undefined> {
  try {
    return (await docker.getContainer(id).stats({ stream: false })) as unknown as ContainerStats;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
