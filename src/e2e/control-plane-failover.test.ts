/**
 * Two Wharf processes on one PostgreSQL database (and one data directory, as
 * replicas share it): both answer the API, one leads the controllers. The
 * leader is killed with kill -9 in the middle of a rolling deployment; the
 * other takes over and finishes it with exactly the desired tasks, each with
 * one container, and none left behind by the dead leader.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createTestDatabase, type TestDatabase } from '../adapters/postgres/test-database.js';
import { containerProblems } from './chaos/crashable-wharf.js';
import { describeOneService, ecsClientAt, isSteady, sdkClient, serviceTasksOf, spawnWharf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';
import { docker } from './harness.js';
import { WHARF_LABELS } from '../ports/runtime.js';

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' as const } };
const DESIRED = 6;

interface Replica {
  readonly child: ChildProcess;
  readonly endpoint: string;
}

let database: TestDatabase;
let dataDir: string;
const replicas: Replica[] = [];

before(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'wharf-replicas-'));
});

after(async () => {
  const survivor = replicas.find((replica) => replica.child.exitCode === null && replica.child.signalCode === null);
  if (survivor) await fetch(`${survivor.endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
  for (const replica of replicas) {
    if (replica.child.exitCode === null && replica.child.signalCode === null) {
      replica.child.kill('SIGTERM');
      await new Promise((resolve) => replica.child.once('exit', resolve));
    }
  }
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startReplica(): Promise<Replica> {
  const replica = await spawnWharf(dataDir, 0, { WHARF_STORE: database.url, WHARF_TIME_SCALE: '8' });
  replicas.push(replica);
  return replica;
}

/** The pid of the process the database says leads (its holder is host:pid:nonce), once some process leads. */
async function leaderPid(): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const row = await client.query<{ holder: string }>("SELECT holder FROM wharf_leader WHERE name = 'controllers'").catch(() => ({ rows: [] as { holder: string }[] }));
    const holder = row.rows[0]?.holder;
    return holder ? Number(holder.split(':')[1]) : undefined;
  } finally {
    await client.end();
  }
}

/** Task ARN -> the app containers the engine runs for it, of this data directory's Wharfs. */
async function runningContainersByTask(): Promise<Map<string, number>> {
  const instance = readFileSync(join(dataDir, 'instance-id'), 'utf8').trim();
  const lines = await docker(['ps', '--filter', `label=${WHARF_LABELS.instance}=${instance}`, '--filter', `label=${WHARF_LABELS.role}=app`, '--format', `{{.Label "${WHARF_LABELS.taskArn}"}}`]);
  const counts = new Map<string, number>();
  for (const arn of lines.split('\n').filter(Boolean)) counts.set(arn, (counts.get(arn) ?? 0) + 1);
  return counts;
}

test('two Wharf processes on one PostgreSQL database: both answer, one leads; kill -9 of the leader mid-deployment and the other finishes it with exactly the desired tasks', { timeout: 300_000 }, async () => {
  const image = await ensureTestImage();
  const first = await startReplica();
  await waitFor(leaderPid, (pid) => pid === first.child.pid, 30_000, 'the first process leads');
  const second = await startReplica();

  // Everything through the follower: its writes reach the leader's controllers through the database.
  const ecs = ecsClientAt(second.endpoint);
  await ecs.send(new CreateClusterCommand({ clusterName: 'replicas' }));
  const register = async (revision: number) =>
    (
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'roll', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
          containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 2, environment: [{ name: 'REVISION', value: String(revision) }] }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
  const v1 = await register(1);
  await ecs.send(new CreateServiceCommand({ cluster: 'replicas', serviceName: 'roll', taskDefinition: v1, desiredCount: DESIRED, launchType: 'FARGATE', networkConfiguration: NETWORK, deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 50 } }));
  await waitFor(() => describeOneService(ecs, 'replicas', 'roll'), (s) => isSteady(s) && s.runningCount === DESIRED, 120_000, 'revision 1 steady (scheduled by the leader, asked of the follower)');

  // Both processes answer every API: a secret written through one is read through the other.
  await sdkClient(SecretsManagerClient, first).send(new CreateSecretCommand({ Name: 'shared', SecretString: 'both-see-it' }));
  assert.equal((await sdkClient(SecretsManagerClient, second).send(new GetSecretValueCommand({ SecretId: 'shared' }))).SecretString, 'both-see-it');

  const v2 = await register(2);
  await ecs.send(new UpdateServiceCommand({ cluster: 'replicas', service: 'roll', taskDefinition: v2 }));
  // In the middle of the rollout: some revision-2 task has started, and revision 1 still runs.
  await waitFor(
    () => serviceTasksOf(ecs, 'replicas', 'roll'),
    (tasks) => tasks.some((t) => t.taskDefinitionArn === v2 && t.lastStatus === 'RUNNING') && tasks.some((t) => t.taskDefinitionArn === v1 && t.lastStatus === 'RUNNING'),
    120_000,
    'the rollout under way',
  );
  first.child.kill('SIGKILL');
  await new Promise((resolve) => (first.child.exitCode !== null || first.child.signalCode !== null ? resolve(undefined) : first.child.once('exit', resolve)));

  await waitFor(leaderPid, (pid) => pid === second.child.pid, 15_000, 'the surviving process took over the lead');
  const done = await waitFor(() => describeOneService(ecs, 'replicas', 'roll'), (s) => isSteady(s) && s.runningCount === DESIRED && s.taskDefinition === v2, 180_000, 'the new leader finished the rollout');
  assert.equal(done.deployments!.length, 1);
  assert.equal(done.deployments![0]!.rolloutState, 'COMPLETED');
  const running = await serviceTasksOf(ecs, 'replicas', 'roll');
  assert.equal(running.length, DESIRED, JSON.stringify(running.map((t) => [t.taskArn, t.lastStatus, t.desiredStatus])));
  assert.ok(running.every((t) => t.taskDefinitionArn === v2 && t.lastStatus === 'RUNNING'));
  // Exactly one container per running task, and none for a task that is not running.
  await waitFor(runningContainersByTask, (containers) => containerProblems(running, containers).length === 0, 60_000, 'containers match the running tasks').catch(async (error: Error) => {
    throw new Error(`${error.message}: ${containerProblems(running, await runningContainersByTask()).join('; ')}`);
  });
});
