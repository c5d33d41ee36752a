import assert from 'node:assert/strict';
import { test } from 'node:test';
import { placesOnRegisteredInstances } from '../task/launch-capacity.js';
import { placementLaunch, type Service, type TaskSet } from './service.js';

const service = (fields: Partial<Service>): Service => ({ serviceName: 's', deployments: [], events: [], ...fields }) as unknown as Service;
const taskSet = (status: TaskSet['status'], launchType: string): TaskSet => ({ id: `ts-${status}`, status, launchType }) as unknown as TaskSet;

test("a service's tasks are placed by its own launch, or by its PRIMARY task set's when it runs task sets", () => {
  assert.deepEqual(placementLaunch(service({ launchType: 'EC2' })), { launchType: 'EC2' });
  assert.deepEqual(placementLaunch(service({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] })), { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] });
  // An EXTERNAL service has no launch of its own: its task sets' decide (the PRIMARY one first).
  const external = service({ taskSets: [taskSet('ACTIVE', 'EC2'), taskSet('PRIMARY', 'FARGATE')] });
  assert.deepEqual(placementLaunch(external), { launchType: 'FARGATE' });
  assert.equal(placesOnRegisteredInstances(placementLaunch(external)), false);
  assert.equal(placesOnRegisteredInstances(placementLaunch(service({ taskSets: [taskSet('ACTIVE', 'EC2')] }))), true);
});
