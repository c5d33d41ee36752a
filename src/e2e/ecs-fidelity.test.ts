import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { describeOneService, startTestWharf, waitFor, type TestWharf } from './harness.js';

// Placement retries every 10 s / 20 = 0.5 s.
const TIME_SCALE = '20';
const CLUSTER = 'fidelity';
const NO_INSTANCES = (service: string) =>
  `(service ${service}) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`;

describe('ECS fidelity: launches without container instances', () => {
  let wharf: TestWharf;
  let ecs: ECSClient;
  before(async () => {
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    ecs = wharf.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    // A bridge-mode EC2 definition, as EC2 users register them.
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'ec2-web', containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }] }));
  });
  after(() => wharf.stop());

  for (const [what, launch] of [
    ['no launch type and no strategy', {}],
    ['launch type EC2', { launchType: 'EC2' as const }],
  ] as const) {
    test(`CreateService with ${what} creates the service, which reports that no container instance was found`, async () => {
      const name = `svc-${what.replace(/\W+/g, '-')}`;
      const { service } = await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: name, taskDefinition: 'ec2-web', desiredCount: 2, ...launch }));
      assert.equal(service?.status, 'ACTIVE');
      assert.equal(service?.desiredCount, 2);
      assert.equal(service?.launchType, 'EC2');
      assert.equal(service?.platformVersion, undefined);
      const described = await waitFor(() => describeOneService(ecs, CLUSTER, name), (s) => (s.events ?? []).length > 0, 10_000, 'the placement event');
      assert.deepEqual(described.events!.map((e) => e.message), [NO_INSTANCES(name)]);
      assert.equal(described.runningCount, 0);
      assert.equal(described.pendingCount, 0);
      assert.equal(described.desiredCount, 2);
      // Placement is retried (every 0.5 s here) but the event is not repeated.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const later = await describeOneService(ecs, CLUSTER, name);
      assert.equal(later.events!.length, 1);
      assert.equal(later.deployments![0]!.rolloutState, 'IN_PROGRESS');
    });
  }

  test('RunTask on EC2 without container instances is refused as ECS refuses it', async () => {
    for (const launch of [{}, { launchType: 'EC2' as const }]) {
      await assert.rejects(ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'ec2-web', ...launch })), (error: Error) => {
        assert.equal(error.name, 'InvalidParameterException');
        assert.equal(error.message, 'No Container Instances were found in your cluster.');
        return true;
      });
    }
  });
});
