import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_KEY } from '../cli/config.js';
import { awsAt, docker, ecsClientAt, spawnWharf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

const ACCOUNT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };
/** Long and distinctive, so finding one of them anywhere cannot be chance. */
const VALUES = {
  db: 'db-s3cr3t-value-e2e-7f3a91',
  apiKey: 'api-k3y-value-e2e-52c0de',
  user: 'json-user-value-e2e-a1b2c3',
  jsonPassword: 'json-password-value-e2e-d4e5f6',
  previous: 'previous-rotation-value-e2e-0badf00d',
  current: 'current-rotation-value-e2e-c0ffee42',
};

/** Every file under `dir`, recursively (the SQLite database, its WAL and shared memory, keys, logs). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('task secrets: Secrets Manager and Parameter Store values in the container environment only', () => {
  let dataDir: string;
  let child: ChildProcess;
  let endpoint: string;
  let ecs: ECSClient;
  let image: string;
  let output = '';
  let rotatedFirstVersion: string;
  let rotatedArn: string;

  before(async () => {
    image = await ensureTestImage();
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-task-secrets-'));
    // A child process, so everything Wharf logs (at debug) can be searched for the values.
    ({ child, endpoint } = await spawnWharf(dataDir, 0, { WHARF_LOG_LEVEL: 'debug' }));
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    ecs = ecsClientAt(endpoint);
    const credentials = { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey };
    const sm = new SecretsManagerClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const ssm = new SSMClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    await ecs.send(new CreateClusterCommand({ clusterName: 'secrets' }));
    // The two commands, through the aws CLI.
    await awsAt(endpoint, dataDir, ['secretsmanager', 'create-secret', '--name', 'db-password', '--secret-string', VALUES.db]);
    await awsAt(endpoint, dataDir, ['ssm', 'put-parameter', '--name', '/my-app/api-key', '--type', 'SecureString', '--value', VALUES.apiKey]);
    await sm.send(new CreateSecretCommand({ Name: 'db-json', SecretString: JSON.stringify({ username: VALUES.user, password: VALUES.jsonPassword }) }));
    const rotated = await sm.send(new CreateSecretCommand({ Name: 'rotated', SecretString: VALUES.previous }));
    rotatedFirstVersion = rotated.VersionId!;
    rotatedArn = rotated.ARN!;
    await sm.send(new PutSecretValueCommand({ SecretId: 'rotated', SecretString: VALUES.current }));
    await ssm.send(new PutParameterCommand({ Name: 'plain-setting', Type: 'String', Value: 'plain-visible' }));
  });

  after(async () => {
    await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' }).catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function register(family: string, secrets: { name: string; valueFrom: string }[]): Promise<void> {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: EXECUTION_ROLE,
        containerDefinitions: [
          { name: 'app', image, command: ['sh', '-c', 'sleep 600'], secrets },
          { name: 'sidecar', image, command: ['sh', '-c', 'sleep 600'], essential: false },
        ],
      }),
    );
  }

  const run = async (family: string) => (await ecs.send(new RunTaskCommand({ cluster: 'secrets', taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK }))).tasks![0]!.taskArn!;
  const describeTask = async (arn: string): Promise<Task> => (await ecs.send(new DescribeTasksCommand({ cluster: 'secrets', tasks: [arn] }))).tasks![0]!;
  const environmentOf = async (taskArn: string, container: string) => {
    const lines = (await docker(['exec', `wharf-${taskArn.split('/').pop()}-${container}`, 'env'])).split('\n');
    return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  };

  test('the secrets reach that container, and only it; the plaintext is nowhere else', async () => {
    await register('with-secrets', [
      { name: 'DB_PASSWORD', valueFrom: `${ACCOUNT_ARN}:db-password` },
      { name: 'API_KEY', valueFrom: '/my-app/api-key' },
      { name: 'DB_USER', valueFrom: `${ACCOUNT_ARN}:db-json:username::` },
      { name: 'ROTATED_PREVIOUS', valueFrom: `${rotatedArn}::AWSPREVIOUS:` },
      { name: 'ROTATED_PINNED', valueFrom: `${ACCOUNT_ARN}:rotated:::${rotatedFirstVersion}` },
      { name: 'ROTATED_CURRENT', valueFrom: rotatedArn },
      { name: 'PLAIN', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/plain-setting' },
    ]);
    const arn = await run('with-secrets');
    const running = await waitFor(() => describeTask(arn), (task) => task.lastStatus === 'RUNNING' || task.lastStatus === 'STOPPED', 90_000, 'RUNNING');
    assert.equal(running.lastStatus, 'RUNNING', running.stoppedReason);

    const app = await environmentOf(arn, 'app');
    assert.equal(app.DB_PASSWORD, VALUES.db);
    assert.equal(app.API_KEY, VALUES.apiKey);
    assert.equal(app.DB_USER, VALUES.user);
    assert.equal(app.ROTATED_PREVIOUS, VALUES.previous);
    assert.equal(app.ROTATED_PINNED, VALUES.previous);
    assert.equal(app.ROTATED_CURRENT, VALUES.current);
    assert.equal(app.PLAIN, 'plain-visible');
    const sidecar = await environmentOf(arn, 'sidecar');
    for (const name of ['DB_PASSWORD', 'API_KEY', 'DB_USER', 'ROTATED_PREVIOUS']) assert.equal(sidecar[name], undefined, name);
    assert.ok(!Object.values(sidecar).some((value) => Object.values(VALUES).includes(value)));

    // Describe calls show the references only.
    const shown = [
      JSON.stringify(await awsAt(endpoint, dataDir, ['ecs', 'describe-task-definition', '--task-definition', 'with-secrets'])),
      JSON.stringify(await awsAt(endpoint, dataDir, ['ecs', 'describe-tasks', '--cluster', 'secrets', '--tasks', arn])),
    ].join('\n');
    assert.ok(shown.includes('/my-app/api-key'));
    for (const [name, value] of Object.entries(VALUES)) assert.ok(!shown.includes(value), `${name} in a describe answer`);

    await ecs.send(new StopTaskCommand({ cluster: 'secrets', task: arn }));
    await waitFor(() => describeTask(arn), (task) => task.lastStatus === 'STOPPED', 60_000, 'STOPPED');

    // Nothing under the data directory holds a value: not the database, not its WAL, not any other file.
    const files = filesUnder(dataDir);
    assert.ok(files.some((file) => file.endsWith('wharf.db-wal')) || files.some((file) => file.endsWith('wharf.db')));
    // The scan does see records: the references themselves are stored.
    assert.ok(files.some((file) => readFileSync(file).includes(Buffer.from('/my-app/api-key'))), 'the references are found by the same scan');
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const [name, value] of Object.entries(VALUES)) assert.ok(!bytes.includes(Buffer.from(value)), `${name} found in ${file}`);
    }
    // Nor does Wharf's own output, at debug level.
    assert.ok(output.length > 0, 'Wharf logged something');
    for (const [name, value] of Object.entries(VALUES)) assert.ok(!output.includes(value), `${name} in Wharf's log`);
  });

  test('a missing secret or parameter stops the task before it starts, in ECS words', async () => {
    await register('missing-secret', [{ name: 'DB_PASSWORD', valueFrom: `${ACCOUNT_ARN}:nope` }]);
    const asmArn = await run('missing-secret');
    const stoppedAsm = await waitFor(() => describeTask(asmArn), (task) => task.lastStatus === 'STOPPED', 60_000, 'STOPPED');
    assert.equal(stoppedAsm.stopCode, 'TaskFailedToStart');
    const expected =
      `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${ACCOUNT_ARN}:nope from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`;
    assert.equal(stoppedAsm.stoppedReason, expected.slice(0, 255));
    assert.ok(stoppedAsm.containers!.every((c) => c.exitCode === undefined));

    await register('missing-parameter', [{ name: 'API_KEY', valueFrom: '/my-app/none' }]);
    const ssmArn = await run('missing-parameter');
    const stoppedSsm = await waitFor(() => describeTask(ssmArn), (task) => task.lastStatus === 'STOPPED', 60_000, 'STOPPED');
    assert.equal(stoppedSsm.stopCode, 'TaskFailedToStart');
    assert.equal(
      stoppedSsm.stoppedReason,
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /my-app/none',
    );

    // Log secretOptions resolve the same way: a missing one stops the task too.
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'missing-log-secret', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: EXECUTION_ROLE,
        containerDefinitions: [{
          name: 'app', image, command: ['sh', '-c', 'sleep 600'],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/secret-logs', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app', 'awslogs-create-group': 'true' },
            secretOptions: [{ name: 'awslogs-endpoint', valueFrom: '/logs/missing' }],
          },
        }],
      }),
    );
    const logArn = await run('missing-log-secret');
    const stoppedLog = await waitFor(() => describeTask(logArn), (task) => task.lastStatus === 'STOPPED', 60_000, 'STOPPED');
    assert.equal(stoppedLog.stopCode, 'TaskFailedToStart');
    assert.match(stoppedLog.stoppedReason!, /unable to retrieve secrets from ssm: .*invalid parameters: \/logs\/missing$/);

    await register('missing-key', [{ name: 'DB_USER', valueFrom: `${ACCOUNT_ARN}:db-json:nokey::` }]);
    const keyArn = await run('missing-key');
    const stoppedKey = await waitFor(() => describeTask(keyArn), (t) => t.lastStatus === 'STOPPED', 60_000, 'STOPPED');
    assert.match(stoppedKey.stoppedReason!, /did not contain json key nokey/);
  });

  test('secrets need an execution role: RegisterTaskDefinition refuses them without one', async () => {
    await assert.rejects(
      ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'no-role', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
          containerDefinitions: [{ name: 'app', image, secrets: [{ name: 'A', valueFrom: '/my-app/api-key' }] }],
        }),
      ),
      (error: Error) => error.name === 'ClientException' && error.message === "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
    );
  });
});
