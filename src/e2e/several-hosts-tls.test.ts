import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { DescribeTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const run = promisify(execFile);
const WHARF_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'wharf.js');

/** The extra engine that takes only TLS clients (ensure_tls_engine in scripts/lib/setup.sh), and the test client's PEM files. */
const ENGINE = process.env.WHARF_TEST_TLS_ENGINE ?? '';
const CERTS = process.env.WHARF_TEST_TLS_CERTS ?? '';
const CLUSTER = 'secure';
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa"]}}';

/** The docker CLI against the TLS engine, with the test client's certificates. */
async function tlsDocker(args: readonly string[]): Promise<string> {
  const { stdout } = await run('docker', ['-H', ENGINE, ...args], { env: { ...process.env, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: CERTS } });
  return stdout.trim();
}

if (!ENGINE || !CERTS) {
  test('a Docker engine that takes only TLS clients (WHARF_TEST_TLS_ENGINE, WHARF_TEST_TLS_CERTS)', () => {
    assert.fail(
      'WHARF_TEST_TLS_ENGINE and WHARF_TEST_TLS_CERTS are not set: this test needs a dockerd run with --tlsverify. `npm test` starts one ' +
        '(ensure_tls_engine in scripts/lib/setup.sh) and sets both; to run this test alone, start it that way and set them.',
    );
  });
} else {
  describe('a registered host whose engine requires TLS client certificates (dockerd --tlsverify)', () => {
    let wharf: TestWharf;
    let image: string;
    const wharfCli = async (args: string[]) => run(process.execPath, [WHARF_BIN, ...args, '--endpoint', wharf.endpoint]);

    before(async () => {
      const index = /^tcp:\/\/10\.203\.(\d+)\.2:/.exec(ENGINE)?.[1];
      const route = (await run('ip', ['route', 'show', `10.220.${index}.0/24`])).stdout;
      assert.match(route, new RegExp(`via 10\\.203\\.${index}\\.2 `), `10.220.${index}.0/24 must be routed to the TLS engine's namespace (route_extra_engine_tasks in scripts/lib/setup.sh)`);
      image = await ensureTestImage();
      wharf = await startTestWharf({ WHARF_TIME_SCALE: '20' });
      await wharf.aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER]);
      await wharfCli([
        'hosts', 'add', 'secure-1', ENGINE, '--cluster', CLUSTER, '--task-subnet', `10.220.${index}.0/24`,
        '--tls-ca', join(CERTS, 'ca.pem'), '--tls-cert', join(CERTS, 'cert.pem'), '--tls-key', join(CERTS, 'key.pem'),
      ]);
      await wharf.aws([
        'ecs', 'register-task-definition', '--family', 'secure', '--network-mode', 'awsvpc', '--requires-compatibilities', 'EC2', '--cpu', '128', '--memory', '64',
        '--container-definitions', JSON.stringify([{ name: 'app', image, command: ['sleep', '600'], stopTimeout: 1 }]),
      ]);
    });

    after(async () => {
      const instance = readFileSync(join(wharf.dataDir, 'instance-id'), 'utf8').trim();
      await wharf.stop();
      const left = (await tlsDocker(['ps', '-aq', '--filter', `label=wharf.instance=${instance}`])).split('\n').filter(Boolean);
      if (left.length > 0) await tlsDocker(['rm', '-f', ...left]);
    });

    test('Wharf reaches the engine with the host\'s TLS files and runs a task there; a client without them is refused', async () => {
      const plain = await fetch(`${ENGINE.replace('tcp://', 'http://')}/version`).then((response) => response.status, () => 0);
      assert.notEqual(plain, 200, 'the engine refuses a client without TLS');
      const hosts = await waitFor(
        async () => ((await (await fetch(`${wharf.endpoint}/_wharf/hosts`)).json()) as { hosts: { name: string; agentConnected: boolean; containerInstanceArn: string }[] }).hosts,
        (list) => list.length === 1 && list[0]!.agentConnected,
        60_000,
        'the TLS host connected',
      );
      const result = await wharf.aws(['ecs', 'run-task', '--cluster', CLUSTER, '--launch-type', 'EC2', '--task-definition', 'secure', '--network-configuration', NETWORK]);
      const taskArn = (result.tasks as Task[])[0]!.taskArn!;
      const [task] = await waitFor(
        async () => (await wharf.ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks!,
        ([t]) => t?.lastStatus === 'RUNNING',
        90_000,
        'the task RUNNING on the TLS host',
      );
      assert.equal(task!.containerInstanceArn, hosts[0]!.containerInstanceArn);
      const running = await tlsDocker(['ps', '-q', '--filter', `label=com.amazonaws.ecs.task-arn=${taskArn}`, '--filter', 'label=com.amazonaws.ecs.container-name=app']);
      assert.equal(running.split('\n').filter(Boolean).length, 1, "the task's container runs on the TLS engine");
      await wharf.aws(['ecs', 'stop-task', '--cluster', CLUSTER, '--task', taskArn]);
      await waitFor(async () => (await wharf.ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks!, ([t]) => t?.lastStatus === 'STOPPED', 60_000, 'the task STOPPED');
    });
  });
}
