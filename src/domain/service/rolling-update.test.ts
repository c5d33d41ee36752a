import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { circuitBreakerThreshold, deploymentBounds, planRolloutStep, type RolloutSnapshot } from './rolling-update.js';

const base: RolloutSnapshot = { desiredCount: 4, minimumHealthyPercent: 100, maximumPercent: 200, newHealthy: 0, newStarting: 0, oldHealthy: 4, oldStarting: 0, stopping: 0 };

describe('rolling update arithmetic', () => {
  test('bounds round as ECS does', () => {
    assert.deepEqual(deploymentBounds(3, 50, 200), { minHealthy: 2, maxTotal: 6 });
    assert.deepEqual(deploymentBounds(3, 100, 150), { minHealthy: 3, maxTotal: 4 });
    assert.deepEqual(deploymentBounds(2), { minHealthy: 2, maxTotal: 4 });
  });

  test('100/200: start the whole new set, stop nothing until new tasks are healthy', () => {
    assert.deepEqual(planRolloutStep(base), { start: 4, stopOld: 0, stopReplacing: 0, blocked: false });
    assert.deepEqual(planRolloutStep({ ...base, newStarting: 4 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: false });
    assert.deepEqual(planRolloutStep({ ...base, newHealthy: 2, newStarting: 2 }), { start: 0, stopOld: 2, stopReplacing: 0, blocked: false });
    assert.deepEqual(planRolloutStep({ ...base, newHealthy: 4, oldHealthy: 0 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: false });
  });

  test('50/100: stop half first, then replace', () => {
    const snapshot = { ...base, minimumHealthyPercent: 50, maximumPercent: 100 };
    assert.deepEqual(planRolloutStep(snapshot), { start: 0, stopOld: 2, stopReplacing: 0, blocked: false });
    assert.deepEqual(planRolloutStep({ ...snapshot, oldHealthy: 2, stopping: 2 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: false });
    assert.deepEqual(planRolloutStep({ ...snapshot, oldHealthy: 2 }), { start: 2, stopOld: 0, stopReplacing: 0, blocked: false });
  });

  test('100/100 cannot move: the configuration prevents progress', () => {
    assert.deepEqual(planRolloutStep({ ...base, maximumPercent: 100 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: true });
  });

  test('the invariants hold across a simulated rollout with any bounds', () => {
    for (const [desired, min, max] of [[4, 100, 200], [4, 50, 100], [5, 50, 150], [1, 0, 100], [10, 90, 110], [3, 100, 134]] as const) {
      let s: RolloutSnapshot = { desiredCount: desired, minimumHealthyPercent: min, maximumPercent: max, newHealthy: 0, newStarting: 0, oldHealthy: desired, oldStarting: 0, stopping: 0 };
      const { minHealthy, maxTotal } = deploymentBounds(desired, min, max);
      for (let round = 0; round < 50 && (s.oldHealthy + s.oldStarting > 0 || s.newHealthy < desired); round++) {
        const step = planRolloutStep(s);
        assert.ok(!step.blocked, `blocked at ${JSON.stringify(s)} for ${desired}/${min}/${max}`);
        const fromStarting = Math.min(step.stopOld, s.oldStarting);
        s = { ...s, newStarting: s.newStarting + step.start, oldStarting: s.oldStarting - fromStarting, oldHealthy: s.oldHealthy - (step.stopOld - fromStarting), stopping: s.stopping + step.stopOld };
        assert.ok(s.newHealthy + s.newStarting + s.oldHealthy + s.oldStarting + s.stopping <= Math.max(maxTotal, desired), `over the maximum: ${JSON.stringify(s)}`);
        assert.ok(s.newHealthy + s.oldHealthy >= Math.min(minHealthy, desired), `under the minimum: ${JSON.stringify(s)}`);
        // Time passes: stopping tasks finish, starting ones become healthy.
        s = { ...s, newHealthy: s.newHealthy + s.newStarting, newStarting: 0, stopping: 0 };
      }
      assert.equal(s.newHealthy, desired, `${desired}/${min}/${max} finished`);
      assert.equal(s.oldHealthy + s.oldStarting, 0);
    }
  });

  test('unhealthy tasks: replacements start first, within the maximum, and the unhealthy ones leave as replacements turn healthy', () => {
    const steady: RolloutSnapshot = { desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 200, newHealthy: 0, newStarting: 0, oldHealthy: 0, oldStarting: 0, stopping: 0, replacing: 2 };
    // Both unhealthy: two replacements start, both unhealthy tasks keep running (they still take traffic).
    assert.deepEqual(planRolloutStep(steady), { start: 2, stopOld: 0, stopReplacing: 0, blocked: false });
    assert.deepEqual(planRolloutStep({ ...steady, newStarting: 2 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: false });
    // One replacement healthy: one unhealthy task goes.
    assert.deepEqual(planRolloutStep({ ...steady, newHealthy: 1, newStarting: 1 }), { start: 0, stopOld: 0, stopReplacing: 1, blocked: false });
    assert.deepEqual(planRolloutStep({ ...steady, newHealthy: 2 }), { start: 0, stopOld: 0, stopReplacing: 2, blocked: false });
    // One of two unhealthy, 150%: its replacement starts beside it.
    assert.deepEqual(planRolloutStep({ ...steady, maximumPercent: 150, newHealthy: 1, replacing: 1 }), { start: 1, stopOld: 0, stopReplacing: 0, blocked: false });
  });

  test('unhealthy tasks with no room to start a replacement first go one at a time', () => {
    const full: RolloutSnapshot = { desiredCount: 3, minimumHealthyPercent: 100, maximumPercent: 100, newHealthy: 1, newStarting: 0, oldHealthy: 0, oldStarting: 0, stopping: 0, replacing: 2 };
    assert.deepEqual(planRolloutStep(full), { start: 0, stopOld: 0, stopReplacing: 1, blocked: false });
    // While that one stops (or its replacement starts) nothing else goes.
    assert.deepEqual(planRolloutStep({ ...full, replacing: 1, stopping: 1 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: false });
    assert.deepEqual(planRolloutStep({ ...full, replacing: 1, newStarting: 1 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: false });
  });

  test('replacing unhealthy tasks never goes over the maximum and ends with the desired count healthy', () => {
    for (const [desired, min, max, unhealthy] of [[2, 100, 200, 2], [4, 50, 100, 4], [5, 100, 120, 3], [1, 0, 100, 1], [3, 100, 100, 3]] as const) {
      let s: RolloutSnapshot = { desiredCount: desired, minimumHealthyPercent: min, maximumPercent: max, newHealthy: desired - unhealthy, newStarting: 0, oldHealthy: 0, oldStarting: 0, stopping: 0, replacing: unhealthy };
      const { maxTotal } = deploymentBounds(desired, min, max);
      for (let round = 0; round < 50 && (s.replacing! > 0 || s.newHealthy < desired); round++) {
        const step = planRolloutStep(s);
        assert.ok(!step.blocked, `blocked at ${JSON.stringify(s)}`);
        s = { ...s, newStarting: s.newStarting + step.start, replacing: s.replacing! - step.stopReplacing, stopping: s.stopping + step.stopReplacing };
        assert.ok(s.newHealthy + s.newStarting + s.stopping + s.replacing! <= Math.max(maxTotal, desired), `over the maximum: ${JSON.stringify(s)}`);
        s = { ...s, newHealthy: s.newHealthy + s.newStarting, newStarting: 0, stopping: 0 };
      }
      assert.equal(s.newHealthy, desired, `${desired}/${min}/${max} finished`);
      assert.equal(s.replacing, 0);
    }
  });

  test('healthy tasks being replaced (a draining instance) stop one by one only above the healthy minimum', () => {
    const draining: RolloutSnapshot = { desiredCount: 2, minimumHealthyPercent: 50, maximumPercent: 100, newHealthy: 0, newStarting: 0, oldHealthy: 0, oldStarting: 0, stopping: 0, replacing: 2, replacingHealthy: 2 };
    assert.deepEqual(planRolloutStep(draining), { start: 0, stopOld: 0, stopReplacing: 1, blocked: false }, '2 healthy, the minimum 1: one may go');
    assert.deepEqual(planRolloutStep({ ...draining, replacing: 1, replacingHealthy: 1 }), { start: 1, stopOld: 0, stopReplacing: 0, blocked: false }, 'the last healthy one stays while its replacement starts');
    assert.deepEqual(planRolloutStep({ ...draining, replacing: 1, replacingHealthy: 0 }), { start: 1, stopOld: 0, stopReplacing: 1, blocked: false }, 'an unhealthy one still goes');
    assert.deepEqual(planRolloutStep({ ...draining, newHealthy: 1, replacing: 1, replacingHealthy: 1 }), { start: 0, stopOld: 0, stopReplacing: 1, blocked: false });
    assert.deepEqual(planRolloutStep({ ...draining, minimumHealthyPercent: 100 }), { start: 0, stopOld: 0, stopReplacing: 0, blocked: true }, '100/100 cannot drain');
  });

  test('circuit breaker threshold', () => {
    assert.equal(circuitBreakerThreshold(1), 3);
    assert.equal(circuitBreakerThreshold(10), 5);
    assert.equal(circuitBreakerThreshold(11), 6);
    assert.equal(circuitBreakerThreshold(1000), 200);
  });
});
