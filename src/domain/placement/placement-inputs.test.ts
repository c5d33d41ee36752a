import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { checkPlacement, checkPlacementConstraints, checkPlacementStrategy, FARGATE_PLACEMENT } from './placement-inputs.js';

function invalid(run: () => unknown, pattern: RegExp | string): void {
  assert.throws(run, (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && (typeof pattern === 'string' ? error.message === pattern : pattern.test(error.message)));
}

describe('placement strategy and constraint inputs', () => {
  test('strategies: binpack on cpu or memory, spread on instanceId (or host) or an attribute, random', () => {
    assert.deepEqual(checkPlacementStrategy([{ type: 'binpack', field: 'memory' }, { type: 'binpack', field: 'CPU' }]), [{ type: 'binpack', field: 'memory' }, { type: 'binpack', field: 'cpu' }]);
    assert.deepEqual(checkPlacementStrategy([{ type: 'spread', field: 'attribute:ecs.availability-zone' }, { type: 'spread', field: 'host' }, { type: 'random' }]), [
      { type: 'spread', field: 'attribute:ecs.availability-zone' },
      { type: 'spread', field: 'instanceId' },
      { type: 'random' },
    ]);
    assert.deepEqual(checkPlacementStrategy(undefined), []);
  });

  test('strategies: fields that do not fit the type and too many items are refused', () => {
    invalid(() => checkPlacementStrategy([{ type: 'binpack', field: 'disk' }]), /binpack placement strategy: disk/);
    invalid(() => checkPlacementStrategy([{ type: 'binpack' }]), /binpack placement strategy: \(none\)/);
    invalid(() => checkPlacementStrategy([{ type: 'spread', field: 'attribute:' }]), /spread placement strategy/);
    invalid(() => checkPlacementStrategy([{ type: 'spread' }]), /spread placement strategy/);
    invalid(() => checkPlacementStrategy([{ field: 'cpu' }]), /must have a type/);
    invalid(() => checkPlacementStrategy(Array.from({ length: 6 }, () => ({ type: 'random' }))), 'placementStrategy can have at most 5 items.');
    assert.equal(checkPlacementStrategy(Array.from({ length: 5 }, () => ({ type: 'random' }))).length, 5);
  });

  test('constraints: distinctInstance without an expression, memberOf with a valid one', () => {
    assert.deepEqual(checkPlacementConstraints([{ type: 'distinctInstance' }, { type: 'memberOf', expression: 'attribute:ecs.instance-type == t2.small' }]), [
      { type: 'distinctInstance' },
      { type: 'memberOf', expression: 'attribute:ecs.instance-type == t2.small' },
    ]);
    invalid(() => checkPlacementConstraints([{ type: 'distinctInstance', expression: 'task:group exists' }]), /cannot be specified for a distinctInstance/);
    invalid(() => checkPlacementConstraints([{ type: 'memberOf' }]), /requires an expression/);
    invalid(() => checkPlacementConstraints([{ type: 'memberOf', expression: 'attribute:x =~ y' }]), /does not support the operator/);
    invalid(() => checkPlacementConstraints([{ expression: 'attribute:x exists' }]), /must have a type/);
    invalid(() => checkPlacementConstraints(Array.from({ length: 11 }, () => ({ type: 'distinctInstance' }))), 'placementConstraints can have at most 10 items.');
  });

  test('Fargate refuses strategies and constraints in ECS words; the definition constraints join the request', () => {
    invalid(() => checkPlacement({ placementStrategy: [{ type: 'random' }] }, [], true), FARGATE_PLACEMENT.strategies);
    invalid(() => checkPlacement({ placementConstraints: [{ type: 'distinctInstance' }] }, [], true), FARGATE_PLACEMENT.constraints);
    invalid(() => checkPlacement({}, [{ type: 'memberOf', expression: 'attribute:x exists' }], true), FARGATE_PLACEMENT.constraints);
    assert.deepEqual(checkPlacement({}, undefined, true), { strategy: [], constraints: [] });
    assert.deepEqual(checkPlacement({ placementConstraints: [{ type: 'distinctInstance' }] }, [{ type: 'memberOf', expression: 'attribute:x exists' }], false), {
      strategy: [],
      constraints: [{ type: 'distinctInstance' }, { type: 'memberOf', expression: 'attribute:x exists' }],
    });
    // A bad input is refused before the Fargate rule, so the caller learns what is wrong with it.
    invalid(() => checkPlacement({ placementStrategy: [{ type: 'binpack', field: 'disk' }] }, [], true), /binpack placement strategy/);
  });
});
