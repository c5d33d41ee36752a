import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PLACEMENT_RETRY_MS, scheduleService, WARNING_REPEAT_MS, type SchedulerContext } from './scheduler.js';
import { newService, type ResolvedRevision } from './service-changes.js';
import type { Service } from './service.js';
import { T0, ids } from './scheduler-fixtures.js';


function create(launch: ResolvedRevision['launch']): Service {
  const revision: ResolvedRevision = { taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/web:1', containerImages: [], cpu: 0, memory: 0, launch };
  const ctx = { region: 'us-east-1', account: '1', clusterName: 'c', clusterArn: 'arn:aws:ecs:us-east-1:1:cluster/c', now: T0, principalArn: 'arn:aws:iam::1:root', ids };
  return newService({ serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 }, revision, ctx);
}

const ctx = (now: number, timeScale = 1): SchedulerContext => ({ now, timeScale, ids, free: { cpuUnits: Infinity, memoryMiB: Infinity } });
const NO_INSTANCES =
  '(service web) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.';

describe('placing a service without container instances', () => {
  test('an EC2 service starts nothing, keeps its desired count, says why once and retries', () => {
    let service = create({ launchType: 'EC2' });
    assert.equal(service.launchType, 'EC2');
    assert.equal(service.platformVersion, undefined);
    const first = scheduleService(service, [], ctx(T0));
    service = first.service;
    assert.equal(first.start.length, 0);
    assert.equal(service.desiredCount, 2);
    assert.equal(service.pendingCount, 0);
    assert.equal(service.status, 'ACTIVE');
    assert.deepEqual(service.events.map((e) => e.message), [NO_INSTANCES]);
    assert.equal(first.recheckAfterMs, PLACEMENT_RETRY_MS);

    // Every reconcile tries again, but the event is not repeated...
    for (let i = 1; i <= 10; i++) {
      const again = scheduleService(service, [], ctx(T0 + i * PLACEMENT_RETRY_MS));
      assert.equal(again.start.length, 0);
      service = again.service;
    }
    assert.equal(service.events.length, 1);
    // ...until six hours have passed with the cause still there.
    service = scheduleService(service, [], ctx(T0 + WARNING_REPEAT_MS)).service;
    assert.deepEqual(service.events.map((e) => e.message), [NO_INSTANCES, NO_INSTANCES]);
  });

  test('a strategy of Auto Scaling group providers names the capacity provider', () => {
    const service = scheduleService(create({ capacityProviderStrategy: [{ capacityProvider: 'my-asg', weight: 1 }] }), [], ctx(T0)).service;
    assert.match(service.events[0]!.message, /Reason: No Container Instances were found in your capacity provider\. For more/);
  });

  test('a Fargate service is placed as before', () => {
    const plan = scheduleService(create({ launchType: 'FARGATE', platformVersion: 'LATEST' }), [], ctx(T0));
    assert.equal(plan.start.length, 2);
  });
});
