import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Task } from '@aws-sdk/client-ecs';
import { WHARF_LABELS } from '../ports/runtime.js';
import { awsAt, describeOneService, docker, ecsClientAt, isSteady, serviceTasksOf, spawnWharf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

// ECS's 40 s health wait becomes 5 s: slow enough to catch the rollout half-way, quick overall.
const WHARF_ENV = { WHARF_TIME_SCALE: '8' };
const CLUSTER = 'restart';
const SERVICE = 'rolling';
const DESIRED = 4;
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa"],"securityGroups":["sg-12345"],"assignPublicIp":"DISABLED"}}';

/** At most one task per slot: every task beyond `desired` must stand in for one that stopped for another reason than scaling. */
function assertNoDuplicateStarts(tasks: readonly Task[], desired: number, what: string): void {
  const replaced = tasks.filter((t) => t.desiredStatus === 'STOPPED' && !(t.stopCode === 'ServiceSchedulerInitiated' && t.stoppedReason?.startsWith('Scaling activity')));
  assert.ok(
    tasks.length <= desired + replaced.length,
    `${tasks.length} ${what} tasks were started for ${desired} slots with ${replaced.length} replacement(s): ${JSON.stringify(tasks.map((t) => [t.taskArn, t.lastStatus, t.stopCode, t.stoppedReason]))}`,
  );
}

test('kill -9 Wharf in the middle of a rolling deployment; started again, the deployment carries on to the same end with no lost and no duplicate tasks', async () => {
  const image = await ensureTestImage();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-svc-restart-'));
  let { child, endpoint } = await spawnWharf(dataDir, 0, WHARF_ENV);
  const port = Number(new URL(endpoint).port);
  const aws = (args: readonly string[]) => awsAt(endpoint, dataDir, args);
  const ecs = () => ecsClientAt(endpoint);

  const serviceTasks = (desiredStatus: 'RUNNING' | 'STOPPED') => serviceTasksOf(ecs(), CLUSTER, SERVICE, desiredStatus);
  const steady = (what: string) => waitFor(() => describeOneService(ecs(), CLUSTER, SERVICE), (s) => isSteady(s) && s.runningCount === DESIRED, 90_000, what);
  const exited = () => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));

  try {
    await aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER]);
    const register = async (revision: string) =>
      (
        await aws([
          'ecs', 'register-task-definition', '--family', SERVICE, '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE', '--cpu', '256', '--memory', '512',
          '--container-definitions', JSON.stringify([{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 2, environment: [{ name: 'REVISION', value: revision }] }]),
        ])
      ).taskDefinition.taskDefinitionArn as string;
    const revision1 = await register('1');
    await aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', SERVICE, '--task-definition', revision1,
      '--desired-count', String(DESIRED), '--launch-type', 'FARGATE', '--network-configuration', NETWORK,
    ]);
    await steady('revision 1 steady');

    const revision2 = await register('2');
    const updated = await aws([
      'ecs', 'update-service', '--cluster', CLUSTER, '--service', SERVICE, '--task-definition', revision2,
      '--deployment-configuration', '{"maximumPercent":150,"minimumHealthyPercent":50}',
    ]);
    const primary = updated.service.deployments.find((d: { status: string }) => d.status === 'PRIMARY');
    assert.equal(primary.taskDefinition, revision2);

    // Between 2 and 6 tasks at a time: the rollout takes several steps, each waiting for the new tasks to count as healthy.
    const midway = await waitFor(
      () => serviceTasks('RUNNING'),
      (tasks) => tasks.some((t) => t.taskDefinitionArn === revision2) && tasks.some((t) => t.taskDefinitionArn === revision1 && t.lastStatus === 'RUNNING'),
      60_000,
      'the rollout half-way',
    );
    child.kill('SIGKILL');
    await exited();
    const inFlight = midway.filter((t) => t.taskDefinitionArn === revision2);
    assert.ok(inFlight.every((t) => t.startedBy === primary.id), 'revision 2 is started by the new deployment');

    ({ child, endpoint } = await spawnWharf(dataDir, port, WHARF_ENV));
    const done = await steady('the deployment finished after the restart');

    assert.equal(done.taskDefinition, revision2);
    assert.equal(done.deployments!.length, 1);
    const [deployment] = done.deployments!;
    assert.equal(deployment!.id, primary.id, 'the same deployment carried on');
    assert.equal(deployment!.status, 'PRIMARY');
    assert.equal(deployment!.rolloutState, 'COMPLETED');
    assert.equal(deployment!.taskDefinition, revision2);
    assert.equal(deployment!.runningCount, DESIRED);

    const running = await serviceTasks('RUNNING');
    assert.equal(running.length, DESIRED, JSON.stringify(running.map((t) => [t.taskArn, t.lastStatus])));
    for (const task of running) {
      assert.equal(task.lastStatus, 'RUNNING');
      assert.equal(task.taskDefinitionArn, revision2);
      assert.equal(task.startedBy, primary.id);
    }

    // The engine agrees: exactly the four tasks' app containers run, no duplicates, no orphans of revision 1.
    const instance = readFileSync(join(dataDir, 'instance-id'), 'utf8').trim();
    const containers = (await docker(['ps', '--filter', `label=${WHARF_LABELS.instance}=${instance}`, '--filter', `label=${WHARF_LABELS.role}=app`, '--format', `{{.Label "${WHARF_LABELS.taskArn}"}}`]))
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(containers.sort(), running.map((t) => t.taskArn!).sort());

    // No slot got two tasks: every task beyond four replaced one that stopped for a reason other than scaling.
    const all = [...running, ...(await serviceTasks('STOPPED'))];
    assertNoDuplicateStarts(all.filter((t) => t.taskDefinitionArn === revision2), DESIRED, 'revision-2');
    assertNoDuplicateStarts(all.filter((t) => t.taskDefinitionArn === revision1), DESIRED, 'revision-1');
    for (const old of all.filter((t) => t.taskDefinitionArn === revision1)) {
      assert.equal(old.lastStatus, 'STOPPED');
      assert.equal(old.stopCode, 'ServiceSchedulerInitiated');
      assert.equal(old.stoppedReason, `Scaling activity initiated by (deployment ${primary.id})`);
    }
    assert.equal(done.events![0]!.message, `(service ${SERVICE}) has reached a steady state.`);
    assert.ok(done.events!.some((e) => e.message === `(service ${SERVICE}) (deployment ${primary.id}) deployment completed.`), JSON.stringify(done.events));
  } finally {
    await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    child.kill('SIGTERM');
    await exited();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
