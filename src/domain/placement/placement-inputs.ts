/**
 * ECS's checks of `placementStrategy` and `placementConstraints` (RunTask,
 * CreateService, UpdateService) and of a task definition's constraints. The
 * type enums are the model's (checked before a handler runs); these are the
 * rules the model cannot say.
 */
import { invalidParameter } from '../errors.js';
import { parseExpression } from './query-language.js';

export const MAX_PLACEMENT_STRATEGIES = 5;
export const MAX_PLACEMENT_CONSTRAINTS = 10;

export type PlacementStrategy =
  | { readonly type: 'binpack'; readonly field: 'cpu' | 'memory' }
  | { readonly type: 'spread'; readonly field: 'instanceId' | `attribute:${string}` }
  | { readonly type: 'random' };

export type PlacementConstraint = { readonly type: 'distinctInstance' } | { readonly type: 'memberOf'; readonly expression: string };

/** The wire shapes, as the model lets them through. */
export interface PlacementStrategyInput {
  readonly type?: string;
  readonly field?: string;
}
export interface PlacementConstraintInput {
  readonly type?: string;
  readonly expression?: string;
}

/** Both verified against ECS's answers (InvalidParameterException). */
export const FARGATE_PLACEMENT = {
  strategies: 'Placement strategies are not supported with FARGATE launch type.',
  constraints: 'Placement constraints are not supported with FARGATE launch type.',
} as const;

export function checkPlacementStrategy(items: readonly PlacementStrategyInput[] | undefined): PlacementStrategy[] {
  const list = items ?? [];
  // (unverified) wordings below follow the other list limits of ECS ("subnets can have at most 16 items.").
  if (list.length > MAX_PLACEMENT_STRATEGIES) throw invalidParameter(`placementStrategy can have at most ${MAX_PLACEMENT_STRATEGIES} items.`);
  return list.map((item) => {
    switch (item.type) {
      case 'binpack': {
        const field = item.field?.toLowerCase();
        if (field !== 'cpu' && field !== 'memory') throw invalidParameter(`Invalid field for binpack placement strategy: ${item.field ?? '(none)'}. Valid fields are cpu and memory.`);
        return { type: 'binpack', field };
      }
      case 'spread': {
        const field = item.field ?? '';
        // `host` is the older name of instanceId.
        if (field === 'instanceId' || field === 'host') return { type: 'spread', field: 'instanceId' };
        if (field.startsWith('attribute:') && field.length > 'attribute:'.length) return { type: 'spread', field: field as `attribute:${string}` };
        throw invalidParameter(`Invalid field for spread placement strategy: ${item.field ?? '(none)'}. Valid fields are instanceId, host or attribute:<name>.`);
      }
      case 'random':
        // ECS ignores a field on random.
        return { type: 'random' };
      default:
        throw invalidParameter('A placement strategy must have a type: random, spread or binpack.');
    }
  });
}

export function checkPlacementConstraints(items: readonly PlacementConstraintInput[] | undefined): PlacementConstraint[] {
  const list = items ?? [];
  if (list.length > MAX_PLACEMENT_CONSTRAINTS) throw invalidParameter(`placementConstraints can have at most ${MAX_PLACEMENT_CONSTRAINTS} items.`);
  return list.map((item) => {
    switch (item.type) {
      case 'distinctInstance':
        // The API reference: "You can't specify an expression if the constraint type is distinctInstance."
        if (item.expression !== undefined && item.expression !== '') throw invalidParameter('An expression cannot be specified for a distinctInstance placement constraint.');
        return { type: 'distinctInstance' };
      case 'memberOf':
        if (item.expression === undefined || item.expression.trim() === '') throw invalidParameter('A memberOf placement constraint requires an expression.');
        parseExpression(item.expression);
        return { type: 'memberOf', expression: item.expression };
      default:
        throw invalidParameter('A placement constraint must have a type: distinctInstance or memberOf.');
    }
  });
}

export interface PlacementRequest {
  readonly strategy: PlacementStrategy[];
  readonly constraints: PlacementConstraint[];
}

/**
 * A launch's placement settings, checked: the request's strategy and
 * constraints plus the task definition's constraints (memberOf only, by its
 * model). Fargate places by itself and refuses both.
 */
export function checkPlacement(
  input: { readonly placementStrategy?: readonly PlacementStrategyInput[]; readonly placementConstraints?: readonly PlacementConstraintInput[] },
  definitionConstraints: readonly PlacementConstraintInput[] | undefined,
  fargate: boolean,
): PlacementRequest {
  const strategy = checkPlacementStrategy(input.placementStrategy);
  const constraints = checkPlacementConstraints(input.placementConstraints);
  const fromDefinition = checkPlacementConstraints(definitionConstraints);
  if (fargate && strategy.length > 0) throw invalidParameter(FARGATE_PLACEMENT.strategies);
  // (A definition with constraints is not FARGATE-compatible, so RunTask refuses its launch type before this.)
  if (fargate && constraints.length + fromDefinition.length > 0) throw invalidParameter(FARGATE_PLACEMENT.constraints);
  return { strategy, constraints: [...constraints, ...fromDefinition] };
}
