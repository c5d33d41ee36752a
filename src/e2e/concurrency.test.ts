import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ecsClientAt, signedRequest, spawnWharf } from './harness.js';

const WRITERS = 50;
// The long form (npm run chaos): 200 clients for 60 s.
const CLIENTS = Number(process.env.CONCURRENCY_CLIENTS ?? 200);
const SECONDS = Number(process.env.CONCURRENCY_SECONDS ?? 10);
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' as const } };

async function withSpawnedWharf(run: (endpoint: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-concurrency-'));
  const { child, endpoint } = await spawnWharf(dataDir, 0);
  try {
    await run(endpoint);
  } finally {
    await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('50 parallel RegisterTaskDefinition on one family get revisions 1..50 once each, each holding what one call sent; 50 parallel UpdateService on one service leave one submitted state whole', async () => {
  await withSpawnedWharf(async (endpoint) => {
    const ecs = ecsClientAt(endpoint);
    await ecs.send(new CreateClusterCommand({ clusterName: 'conc' }));

    const registered = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        ecs.send(
          new RegisterTaskDefinitionCommand({
            family: 'conc',
            networkMode: 'awsvpc',
            requiresCompatibilities: ['FARGATE'],
            cpu: '256',
            memory: '512',
            containerDefinitions: [{ name: 'app', image: 'busybox', command: ['sleep', '1'], environment: [{ name: 'WRITER', value: String(i) }] }],
          }),
        ),
      ),
    );
    const revisions = registered.map((r) => r.taskDefinition!.revision!).sort((a, b) => a - b);
    assert.deepEqual(revisions, Array.from({ length: WRITERS }, (_, i) => i + 1), 'revisions are gapless and unique');
    // Each revision, read back, holds exactly what the call that got it sent.
    const writerOf = new Map(registered.map((r) => [r.taskDefinition!.revision!, r.taskDefinition!.containerDefinitions![0]!.environment![0]!.value!]));
    assert.equal(new Set(writerOf.values()).size, WRITERS, 'every call got its own revision');
    for (const revision of [1, 17, 33, WRITERS]) {
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `conc:${revision}` }));
      assert.equal(taskDefinition!.containerDefinitions![0]!.environment![0]!.value, writerOf.get(revision));
    }

    // desiredCount 0: the updates race on the record, not on containers.
    await ecs.send(new CreateServiceCommand({ cluster: 'conc', serviceName: 'svc', taskDefinition: 'conc:1', desiredCount: 0, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const submitted = Array.from({ length: WRITERS }, (_, i) => ({ revision: i + 1, maximumPercent: 150 + i, minimumHealthyPercent: i % 100 }));
    const answers = await Promise.allSettled(
      submitted.map((s) =>
        ecs.send(
          new UpdateServiceCommand({
            cluster: 'conc',
            service: 'svc',
            taskDefinition: `conc:${s.revision}`,
            deploymentConfiguration: { maximumPercent: s.maximumPercent, minimumHealthyPercent: s.minimumHealthyPercent },
          }),
        ),
      ),
    );
    const failed = answers.filter((a) => a.status === 'rejected');
    assert.equal(failed.length, 0, `UpdateService failures: ${failed.map((f) => String((f as PromiseRejectedResult).reason)).join('; ')}`);

    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'conc', services: ['svc'] }))).services![0]!;
    const revision = Number(service.taskDefinition!.split(':').pop());
    const winner = submitted.find((s) => s.revision === revision);
    assert.ok(winner, `final task definition ${service.taskDefinition} is one of the submitted`);
    // Not a mix of two updates: the deployment configuration came with the same call as the task definition.
    assert.equal(service.deploymentConfiguration!.maximumPercent, winner.maximumPercent);
    assert.equal(service.deploymentConfiguration!.minimumHealthyPercent, winner.minimumHealthyPercent);
    const primary = service.deployments!.find((d) => d.status === 'PRIMARY')!;
    assert.equal(primary.taskDefinition, service.taskDefinition, 'the primary deployment runs the final revision');
    assert.ok(new Set(service.deployments!.map((d) => d.id)).size === service.deployments!.length, 'deployment ids are unique');
  });
});

/** The p-th percentile of sorted `values`. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

test(`${CLIENTS} concurrent clients for ${SECONDS} s, reads and writes over ECS, Logs and SSM: 0 errors, the p99 printed`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  await withSpawnedWharf(async (endpoint) => {
    const ecs = ecsClientAt(endpoint);
    await ecs.send(new CreateClusterCommand({ clusterName: 'load' }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'load', containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }] }));
    const call = (service: string, target: string, body: unknown) => signedRequest(endpoint, { service, target, body: JSON.stringify(body) });
    await call('logs', 'Logs_20140328.CreateLogGroup', { logGroupName: 'load' });
    await call('logs', 'Logs_20140328.CreateLogStream', { logGroupName: 'load', logStreamName: 'load' });

    // Each client loops over a mix of reads and writes with its own names, as many independent tools would.
    const mix = (client: number, n: number) => {
      switch (n % 6) {
        case 0:
          return call('ecs', 'AmazonEC2ContainerServiceV20141113.DescribeClusters', { clusters: ['load'] });
        case 1:
          return call('ecs', 'AmazonEC2ContainerServiceV20141113.ListTaskDefinitions', { familyPrefix: 'load' });
        case 2:
          return call('ssm', 'AmazonSSM.PutParameter', { Name: `/load/${client}`, Value: String(n), Type: 'String', Overwrite: true });
        case 3:
          return call('ssm', 'AmazonSSM.GetParameter', { Name: `/load/${client}` });
        case 4:
          return call('logs', 'Logs_20140328.PutLogEvents', { logGroupName: 'load', logStreamName: 'load', logEvents: [{ timestamp: Date.now(), message: `client ${client} call ${n}` }] });
        default:
          return call('ecs', 'AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition', { taskDefinition: 'load' });
      }
    };
    const durations: number[] = [];
    const errors: string[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        // Its parameter exists before it reads it.
        await call('ssm', 'AmazonSSM.PutParameter', { Name: `/load/${client}`, Value: 'start', Type: 'String', Overwrite: true });
        // At least one measured call each, however loaded the machine: every client must be answered.
        for (let n = client; n === client || Date.now() < deadline; n++) {
          const started = performance.now();
          try {
            const answer = await mix(client, n);
            if (answer.status !== 200) errors.push(`${answer.status} ${answer.body.slice(0, 200)}`);
          } catch (error) {
            errors.push(String(error));
          }
          durations.push(performance.now() - started);
        }
      }),
    );
    durations.sort((a, b) => a - b);
    console.log(
      `load: ${CLIENTS} clients, ${SECONDS} s: ${durations.length} requests (${Math.round(durations.length / SECONDS)}/s), p50 ${percentile(durations, 0.5).toFixed(1)} ms, p99 ${percentile(durations, 0.99).toFixed(1)} ms, max ${(durations.at(-1) ?? 0).toFixed(1)} ms, ${errors.length} errors`,
    );
    assert.equal(errors.length, 0, `errors under load: ${errors.slice(0, 5).join('; ')}`);
    assert.ok(durations.length >= CLIENTS, 'every client got answers');
  });
});
