import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, DescribeTaskDefinitionCommand, ListClustersCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { startTestWharf, type TestWharf } from './harness.js';

describe('state survives a restart; the admin endpoints reset it', () => {
  let wharf: TestWharf;
  before(async () => {
    wharf = await startTestWharf();
  });
  after(() => wharf.stop());

  test('clusters and every task definition revision are still there after a restart', async () => {
    const ecs = wharf.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'durable', tags: [{ key: 'k', value: 'v' }] }));
    for (let i = 0; i < 3; i++) {
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'kept', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 + i }] }));
    }
    await wharf.restart();
    const after = wharf.ecs();
    assert.deepEqual((await after.send(new ListClustersCommand({}))).clusterArns, ['arn:aws:ecs:us-east-1:123456789012:cluster/durable']);
    const revisions = await after.send(new ListTaskDefinitionsCommand({ familyPrefix: 'kept' }));
    assert.equal(revisions.taskDefinitionArns?.length, 3);
    const third = await after.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'kept:3' }));
    assert.equal(third.taskDefinition?.containerDefinitions?.[0]?.memory, 66);
    const next = await after.send(new RegisterTaskDefinitionCommand({ family: 'kept', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 }] }));
    assert.equal(next.taskDefinition?.revision, 4);
  });

  test('GET /_wharf/health answers; POST /_wharf/reset from loopback wipes all state', async () => {
    const health = await fetch(`${wharf.endpoint}/_wharf/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, 'ok');
    await wharf.ecs('eu-north-1').send(new CreateClusterCommand({ clusterName: 'wiped' }));
    const reset = await fetch(`${wharf.endpoint}/_wharf/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    assert.deepEqual((await wharf.ecs('eu-north-1').send(new ListClustersCommand({}))).clusterArns, []);
    assert.deepEqual((await wharf.ecs().send(new ListClustersCommand({}))).clusterArns, []);
  });
});
