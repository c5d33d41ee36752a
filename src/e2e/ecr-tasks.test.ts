import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { AWS_CLI, awsCliEnv, docker, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const run = promisify(execFile);
const ACCOUNT = '123456789012';
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa"],"securityGroups":["sg-12345"],"assignPublicIp":"DISABLED"}}';
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;

/**
 * Tasks run images pushed to Wharf's registry with the real docker CLI: the
 * AWS-form URI is pulled from Wharf with ECR credentials, pinned to the digest
 * pushed, and a missing tag or repository stops the task as ECS does.
 */
describe('tasks run images from Wharf’s registry (docker CLI push, aws CLI, Docker engine)', () => {
  const suffix = randomBytes(4).toString('hex');
  const repo = `e2e-tasks-${suffix}`;
  const tag = `v-${suffix}`;
  const marker = `wharf-ecr-task-${suffix}`;
  let wharf: TestWharf;
  let dockerConfig: string;
  let buildContext: string;
  let registryHost: string;
  let repositoryUri: string;
  let pushedDigest: string;

  /** The docker CLI with this test's own config directory (its login stays out of the user's). */
  const dockerCli = async (args: readonly string[], input?: string): Promise<string> => {
    const child = run('docker', args, { env: { ...process.env, DOCKER_CONFIG: dockerConfig }, maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    }
    return (await child).stdout.trim();
  };

  /** `aws <args>` printing text (get-login-password prints the password, not JSON). */
  const awsText = async (args: readonly string[]): Promise<string> => {
    const env = awsCliEnv(wharf.dataDir);
    return (await run(AWS_CLI, [...args, '--endpoint-url', wharf.endpoint], { env })).stdout.trim();
  };

  const registerTaskDefinition = (family: string, image: string, extra: Record<string, unknown> = {}) =>
    wharf.aws([
      'ecs', 'register-task-definition', '--cli-input-json',
      JSON.stringify({
        family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'app', image, essential: true, stopTimeout: 2 }],
        ...extra,
      }),
    ]);

  const runTask = async (family: string): Promise<string> => {
    const result = await wharf.aws(['ecs', 'run-task', '--cluster', 'ecr-tasks', '--task-definition', family, '--launch-type', 'FARGATE', '--network-configuration', NETWORK]);
    assert.deepEqual(result.failures, []);
    return result.tasks[0].taskArn;
  };

  const describeTask = async (arn: string) => (await wharf.aws(['ecs', 'describe-tasks', '--cluster', 'ecr-tasks', '--tasks', arn])).tasks[0];

  before(async () => {
    await ensureTestImage();
    wharf = await startTestWharf();
    dockerConfig = mkdtempSync(join(tmpdir(), 'wharf-e2e-docker-config-'));
    buildContext = mkdtempSync(join(tmpdir(), 'wharf-e2e-build-'));
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'ecr-tasks']);

    const created = await wharf.aws(['ecr', 'create-repository', '--repository-name', repo]);
    repositoryUri = created.repository.repositoryUri;
    registryHost = repositoryUri.slice(0, repositoryUri.indexOf('/'));
    assert.equal(repositoryUri, `127.0.0.1:${new URL(wharf.endpoint).port}/${repo}`);

    const password = await awsText(['ecr', 'get-login-password']);
    await dockerCli(['login', '--username', 'AWS', '--password-stdin', registryHost], password);

    // An image no other test has: busybox plus a file only this run knows, printed at start.
    writeFileSync(join(buildContext, 'marker.txt'), `${marker}\n`);
    writeFileSync(join(buildContext, 'Dockerfile'), 'FROM wharf-test/busybox:latest\nCOPY marker.txt /marker.txt\nCMD ["sh", "-c", "cat /marker.txt; exec sleep 3600"]\n');
    await dockerCli(['build', '-q', '-t', `${repositoryUri}:${tag}`, buildContext]);
    await dockerCli(['push', `${repositoryUri}:${tag}`]);
    const described = await wharf.aws(['ecr', 'describe-images', '--repository-name', repo, '--image-ids', `imageTag=${tag}`]);
    pushedDigest = described.imageDetails[0].imageDigest;
    assert.match(pushedDigest, /^sha256:[0-9a-f]{64}$/);
    // Gone from the engine: the task must pull it from Wharf.
    await dockerCli(['rmi', `${repositoryUri}:${tag}`]);
    await assert.rejects(dockerCli(['image', 'inspect', `${repositoryUri}:${tag}`]));
  });

  after(async () => {
    try {
      await wharf?.stop();
    } finally {
      // What the build left or the tasks pulled, by every name the engine filed it under.
      const left = repositoryUri ? await docker(['images', '--no-trunc', '--format', '{{.ID}}', '--filter', `reference=${repositoryUri}`]).catch(() => '') : '';
      for (const id of new Set(left.split('\n').filter(Boolean))) await docker(['rmi', '-f', id]).catch(() => undefined);
      if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
      if (buildContext) rmSync(buildContext, { recursive: true, force: true });
    }
  });

  test('a Fargate task whose image is the AWS-form URI runs the pushed image, by its digest', async () => {
    const image = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${repo}:${tag}`;
    await registerTaskDefinition('ecr-aws-form', image, { executionRoleArn: EXECUTION_ROLE });
    const arn = await runTask('ecr-aws-form');
    const task = await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED', 60_000, 'the task RUNNING');
    assert.equal(task.lastStatus, 'RUNNING', `stopped: ${task.stoppedReason}`);
    const container = task.containers[0];
    assert.equal(container.image, image, 'the task shows the image as the definition names it');
    assert.equal(container.imageDigest, pushedDigest, 'the task records the manifest digest that was pushed');

    // The engine runs exactly that image, pulled from Wharf and pinned to the digest.
    const inspected = JSON.parse(await docker(['inspect', container.runtimeId]))[0];
    assert.equal(inspected.Config.Image, `${repositoryUri}@${pushedDigest}`);
    const logs = await waitFor(() => run('docker', ['logs', container.runtimeId]).then((r) => r.stdout), (out) => out.includes(marker), 15_000, 'the marker in the logs');
    assert.match(logs, new RegExp(marker));
    await wharf.aws(['ecs', 'stop-task', '--cluster', 'ecr-tasks', '--task', arn]);
  });

  test('the repositoryUri form runs the same image, in the task’s own account and region', async () => {
    await registerTaskDefinition('ecr-uri-form', `${repositoryUri}:${tag}`, { executionRoleArn: EXECUTION_ROLE });
    const arn = await runTask('ecr-uri-form');
    const task = await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED', 60_000, 'the task RUNNING');
    assert.equal(task.lastStatus, 'RUNNING', `stopped: ${task.stoppedReason}`);
    assert.equal(task.containers[0].imageDigest, pushedDigest);
    await wharf.aws(['ecs', 'stop-task', '--cluster', 'ecr-tasks', '--task', arn]);
  });

  test('a missing tag or repository: STOPPED before running, TaskFailedToStart, CannotPullContainerError', async () => {
    for (const [family, image] of [
      ['ecr-missing-tag', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${repo}:no-such-tag`],
      ['ecr-missing-repo', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/no-such-repo-${suffix}:1`],
    ] as const) {
      await registerTaskDefinition(family, image, { executionRoleArn: EXECUTION_ROLE });
      const arn = await runTask(family);
      const task = await waitFor(() => describeTask(arn), (t) => t.lastStatus === 'STOPPED', 60_000, `${family} STOPPED`);
      const reason = `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: ${image}: not found`;
      assert.equal(task.stopCode, 'TaskFailedToStart', family);
      // The container keeps the whole sentence; the task's stoppedReason is cut at 255 characters, as Wharf stores stop reasons.
      assert.equal(task.containers[0].reason, reason, family);
      assert.equal(task.stoppedReason, reason.slice(0, 255), family);
      assert.equal(task.startedAt, undefined, `${family} never started`);
      assert.equal(task.containers[0].runtimeId, undefined, `${family} made no container`);
    }
  });

  test('an ECR image without an execution role is refused at registration, as ECS refuses it', async () => {
    for (const image of [`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${repo}:${tag}`, `${repositoryUri}:${tag}`]) {
      const family = `ecr-no-role-${image.includes('amazonaws') ? 'aws' : 'uri'}`;
      const definition = { family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image }] };
      const { code, stderr } = await wharf.awsFails(['ecs', 'register-task-definition', '--cli-input-json', JSON.stringify(definition)]);
      assert.equal(code, 254);
      assert.match(stderr, /An error occurred \(ClientException\) when calling the RegisterTaskDefinition operation: Fargate requires task definition to have execution role ARN to support ECR images\./);
    }
  });
});
