import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CreateClusterCommand, ECSClient, ListClustersCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { DEFAULT_KEY } from '../cli/config.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'wharf.js');

/** Waits for the banner line that names the endpoint. */
function endpointOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`wharf exited with ${code} before listening: ${output}`)));
  });
}

test('`wharf up` prints the endpoint and environment, serves extra key pairs per account, and stops cleanly on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-up-'));
  const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, WHARF_ACCESS_KEYS: 'AKIAOTHERACCOUNT0001:other-secret:210987654321', WHARF_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let banner = '';
  child.stdout!.on('data', (chunk: Buffer) => (banner += chunk.toString()));
  try {
    const endpoint = await endpointOf(child);
    assert.match(banner, new RegExp(`export AWS_ENDPOINT_URL=${endpoint} AWS_DEFAULT_REGION=us-east-1`));
    assert.match(banner, new RegExp(`AWS_ACCESS_KEY_ID=${DEFAULT_KEY.accessKeyId} AWS_SECRET_ACCESS_KEY=${DEFAULT_KEY.secretAccessKey.replace(/\//g, '\\/')}`));
    assert.match(banner, /alias aws='aws --endpoint-url /);

    const mine = new ECSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } });
    const theirs = new ECSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAOTHERACCOUNT0001', secretAccessKey: 'other-secret' } });
    const created = await theirs.send(new CreateClusterCommand({ clusterName: 'elsewhere' }));
    assert.equal(created.cluster?.clusterArn, 'arn:aws:ecs:us-east-1:210987654321:cluster/elsewhere');
    assert.deepEqual((await mine.send(new ListClustersCommand({}))).clusterArns, []);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(banner, /Wharf stopped\./);
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('without a Docker engine Wharf still serves the API and tasks wait in PROVISIONING', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-nodocker-'));
  const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, WHARF_DOCKER_SOCKET: join(dataDir, 'no-such-engine.sock'), WHARF_LOG_LEVEL: 'error', WHARF_SANDBOX_POOL: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const endpoint = await endpointOf(child);
    const ecs = new ECSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } });
    await ecs.send(new CreateClusterCommand({ clusterName: 'offline' }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'f', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'a', image: 'busybox' }] }));
    const run = await ecs.send(new RunTaskCommand({ cluster: 'offline', taskDefinition: 'f', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'] } } }));
    assert.equal(run.tasks?.[0]?.lastStatus, 'PROVISIONING');
  } finally {
    const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('`wharf up` explains a bad port instead of crashing', async () => {
  const child = spawn(process.execPath, [BIN, 'up', '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /--port must be a TCP port number/);
});

test('`wharf up --store` on a PostgreSQL that is not there says what to check, without a stack trace or the password', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-nostore-'));
  try {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir, '--store', 'postgres://wharf:hunter2@127.0.0.1:1/wharf'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WHARF_LOG_LEVEL: 'error' } });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /cannot use the PostgreSQL database at postgres:\/\/wharf:\*\*\*@127\.0\.0\.1:1\/wharf: .*ECONNREFUSED.*Check that the server runs/s);
    assert.doesNotMatch(stderr, /hunter2/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
