/**
 * The one placement step: which container instance each task goes to, or
 * ECS's reason why none can take it. RunTask, StartTask and the service
 * scheduler all place through here.
 *
 * Per task, as the ECS developer guide orders it: keep the ACTIVE instances
 * with the CPU and memory the task needs, then those that satisfy every
 * constraint (memberOf, distinctInstance), then order them by the strategies
 * (the first strategy decides, the next breaks its ties; the instances' own
 * order breaks the last tie) and take the first. A placed task takes its
 * resources and its group with it, so the next task of the same call sees them.
 *
 * A task nobody can take fails with the reason of the instance that came
 * closest (the one that got furthest through the checks), named by its ARN,
 * or, for Fargate capacity, the cluster's ARN, as ECS names it.
 */
import { NO_CONTAINER_INSTANCES } from '../task/launch-capacity.js';
import { ATTRIBUTE, remainingOf, type ContainerInstance, type ContainerInstanceStatus } from './container-instance.js';
import type { PlacementConstraint, PlacementStrategy } from './placement-inputs.js';
import { evaluate, parseExpression, type Expression } from './query-language.js';

/** ECS's failure reasons, as RunTask and StartTask return them in `failures[].reason`. */
export const PLACEMENT_FAILURE = {
  memory: 'RESOURCE:MEMORY',
  cpu: 'RESOURCE:CPU',
  memberOf: 'MemberOf placement constraint unsatisfied.',
  distinctInstance: 'DistinctInstance placement constraint unsatisfied.',
} as const;

export interface PlacementCandidate {
  readonly instanceId: string;
  /** What a failure on this instance names: its ARN, or the cluster's for Fargate capacity. */
  readonly failureArn: string;
  readonly status: ContainerInstanceStatus;
  /** Whether its engine answered its last check: ECS places nothing on an instance whose agent is disconnected. */
  readonly connected: boolean;
  /** CPU units and MiB left; Infinity when unlimited. */
  readonly remaining: { readonly cpu: number; readonly memory: number };
  readonly attributes: ReadonlyMap<string, string | undefined>;
  /** The group of every task the instance holds. */
  readonly taskGroups: readonly string[];
}

export interface TaskDemand {
  readonly cpu: number;
  readonly memory: number;
  readonly group: string;
}

export interface PlacementOptions {
  readonly strategy: readonly PlacementStrategy[];
  readonly constraints: readonly PlacementConstraint[];
  /** Draws in [0, 1) for the random strategy; injected, so a seeded one makes tests repeatable. */
  readonly random?: () => number;
  /** Named by the failure when the cluster has no instance at all. */
  readonly clusterArn: string;
}

export type PlacementOutcome = { readonly instanceId: string } | { readonly failure: { readonly arn: string; readonly reason: string } };

export function isPlaced(outcome: PlacementOutcome): outcome is { readonly instanceId: string } {
  return 'instanceId' in outcome;
}

/**
 * A stored instance as placement sees it. An instance without an
 * availability zone of its own is in the request's region's first zone (the
 * zone Wharf's tasks report).
 */
export function candidateOf(instance: ContainerInstance, where: { readonly failureArn: string; readonly region: string }): PlacementCandidate {
  const attributes = new Map<string, string | undefined>(instance.attributes.map((attribute) => [attribute.name, attribute.value]));
  if (!attributes.has(ATTRIBUTE.availabilityZone)) attributes.set(ATTRIBUTE.availabilityZone, `${where.region}a`);
  return {
    instanceId: instance.containerInstanceId,
    failureArn: where.failureArn,
    status: instance.status,
    // Implicit instances are the local engine's, which is not checked this way.
    connected: instance.agentConnected !== false,
    remaining: remainingOf(instance),
    attributes,
    taskGroups: Object.values(instance.reservations).map((reservation) => reservation.group),
  };
}

/** ACTIVE and connected: an instance placement may choose. */
function takesTasks(candidate: PlacementCandidate): boolean {
  return candidate.status === 'ACTIVE' && candidate.connected;
}

/** What is left for new tasks on the ACTIVE candidates together (the service scheduler's budget). */
export function freeCapacity(candidates: readonly PlacementCandidate[]): { cpuUnits: number; memoryMiB: number } {
  let cpuUnits = 0;
  let memoryMiB = 0;
  for (const candidate of candidates) {
    if (!takesTasks(candidate)) continue;
    cpuUnits += Math.max(0, candidate.remaining.cpu);
    memoryMiB += Math.max(0, candidate.remaining.memory);
  }
  return { cpuUnits, memoryMiB };
}

/** How far an instance got through the checks; a higher stage is closer to taking the task. */
const STAGE = { memory: 0, cpu: 1, memberOf: 2, distinctInstance: 3, fits: 4 } as const;
const REASON_OF_STAGE = [PLACEMENT_FAILURE.memory, PLACEMENT_FAILURE.cpu, PLACEMENT_FAILURE.memberOf, PLACEMENT_FAILURE.distinctInstance] as const;

interface Working {
  readonly candidate: PlacementCandidate;
  readonly index: number;
  remaining: { cpu: number; memory: number };
  readonly taskGroups: string[];
}

export function placeTasks(demands: readonly TaskDemand[], candidates: readonly PlacementCandidate[], options: PlacementOptions): PlacementOutcome[] {
  const memberOf: Expression[] = options.constraints.flatMap((constraint) => (constraint.type === 'memberOf' ? [parseExpression(constraint.expression)] : []));
  const distinct = options.constraints.some((constraint) => constraint.type === 'distinctInstance');
  const working: Working[] = candidates.map((candidate, index) => ({ candidate, index, remaining: { ...candidate.remaining }, taskGroups: [...candidate.taskGroups] }));
  const active = working.filter((item) => takesTasks(item.candidate));

  const stageOf = (item: Working, demand: TaskDemand): number => {
    if (item.remaining.memory < demand.memory) return STAGE.memory;
    if (item.remaining.cpu < demand.cpu) return STAGE.cpu;
    const target = { attributes: item.candidate.attributes, taskGroups: item.taskGroups };
    if (!memberOf.every((expression) => evaluate(expression, target))) return STAGE.memberOf;
    if (distinct && item.taskGroups.includes(demand.group)) return STAGE.distinctInstance;
    return STAGE.fits;
  };

  return demands.map((demand): PlacementOutcome => {
    if (active.length === 0) return { failure: { arn: options.clusterArn, reason: NO_CONTAINER_INSTANCES.inCluster } };
    const fitting: Working[] = [];
    let closest: { item: Working; stage: number } | undefined;
    for (const item of active) {
      const stage = stageOf(item, demand);
      if (stage === STAGE.fits) fitting.push(item);
      else if (!closest || stage > closest.stage) closest = { item, stage };
    }
    if (fitting.length === 0) return { failure: { arn: closest!.item.candidate.failureArn, reason: REASON_OF_STAGE[closest!.stage]! } };
    const chosen = best(fitting, active, demand, options);
    chosen.remaining = { cpu: chosen.remaining.cpu - demand.cpu, memory: chosen.remaining.memory - demand.memory };
    chosen.taskGroups.push(demand.group);
    return { instanceId: chosen.candidate.instanceId };
  });
}

const ascending = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** The first of `fitting` by the strategies, in order; `active` is what spread counts over. */
function best(fitting: readonly Working[], active: readonly Working[], demand: TaskDemand, options: PlacementOptions): Working {
  const keys = new Map<Working, number[]>();
  for (const item of fitting) {
    keys.set(
      item,
      options.strategy.map((strategy) => {
        switch (strategy.type) {
          // Least left first: fill an instance before starting the next.
          case 'binpack':
            return strategy.field === 'cpu' ? item.remaining.cpu : item.remaining.memory;
          // Fewest tasks of this group first, on the instance or across every instance sharing its attribute value.
          case 'spread': {
            if (strategy.field === 'instanceId') return countOf(item.taskGroups, demand.group);
            const name = strategy.field.slice('attribute:'.length);
            const value = item.candidate.attributes.get(name);
            return active.filter((other) => other.candidate.attributes.get(name) === value).reduce((sum, other) => sum + countOf(other.taskGroups, demand.group), 0);
          }
          case 'random':
            return (options.random ?? (() => 0))();
        }
      }),
    );
  }
  const sorted = [...fitting].sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    for (let i = 0; i < ka.length; i++) {
      const order = ascending(ka[i]!, kb[i]!);
      if (order !== 0) return order;
    }
    return a.index - b.index;
  });
  return sorted[0]!;
}

function countOf(groups: readonly string[], group: string): number {
  let count = 0;
  for (const g of groups) if (g === group) count++;
  return count;
}
