import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentId, rolloutReasons, serviceEvents } from './service-events.js';

test('service events and rollout reasons use ECS wording', () => {
  assert.equal(serviceEvents.startedTasks('web', ['a', 'b']), '(service web) has started 2 tasks: (task a) (task b).');
  assert.equal(serviceEvents.stoppedTasks('web', ['a']), '(service web) has stopped 1 running tasks: (task a).');
  assert.equal(serviceEvents.steadyState('web'), '(service web) has reached a steady state.');
  assert.equal(serviceEvents.deploymentCompleted('web', 'ecs-svc/1234567890123456789'), '(service web) (deployment ecs-svc/1234567890123456789) deployment completed.');
  assert.equal(serviceEvents.rollingBack('web', 'ecs-svc/1'), '(service web) rolling back to deployment ecs-svc/1.');
  assert.equal(rolloutReasons.inProgress('ecs-svc/1'), 'ECS deployment ecs-svc/1 in progress.');
  assert.equal(rolloutReasons.circuitBreakerFailed(), 'ECS deployment circuit breaker: tasks failed to start.');
  assert.equal(rolloutReasons.rollingBack('ecs-svc/2'), 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2.');
  assert.equal(deploymentId('1234567890123456789'), 'ecs-svc/1234567890123456789');
  assert.throws(() => deploymentId('12'));
});
