import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, ListContainerInstancesCommand, type Task } from '@aws-sdk/client-ecs';
import { AWS_CLI, awsCliEnv, describeOneService, docker, isSteady, servedListenerUrl, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { TmuxTerminal } from './exec-terminal.js';
import { dockerCli } from './registry-helpers.js';
import { ensureTestImage } from './test-images.js';

const run = promisify(execFile);
const WHARF_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'wharf.js');

/** The extra engines `npm test` starts (ensure_extra_engines 3 in scripts/lib/setup.sh). */
const ENGINES = (process.env.WHARF_TEST_ENGINES ?? '').split(',').map((url) => url.trim()).filter(Boolean);
/**
 * A host's tasks reach 169.254.170.2 with their own address only if the host does not masquerade that
 * traffic. route_extra_engine_tasks (scripts/lib/setup.sh) adds the RETURN rule, but dockerd puts the
 * masquerade rule of each network it creates (Wharf's task network, made with a host's first task) at
 * the top of POSTROUTING, above it; as the README tells operators, the rule goes back on top once the
 * network exists.
 */
async function keepMetadataUnmasqueraded(engine: number): Promise<void> {
  const namespace = `--net=/run/netns/wharf-eng-${engine}`;
  const match = ['-s', `10.220.${engine}.0/24`, '-d', '169.254.170.2/32', '-j', 'RETURN'];
  await run('nsenter', [namespace, 'iptables', '-t', 'nat', '-D', 'POSTROUTING', ...match]).catch(() => undefined);
  await run('nsenter', [namespace, 'iptables', '-t', 'nat', '-I', 'POSTROUTING', '1', ...match]);
}

/** tcp://10.203.<i>.2:2375 -> i: each engine's task subnet 10.220.<i>.0/24 is routed to it from here. */
const indexOf = (url: string) => Number(/^tcp:\/\/10\.203\.(\d+)\.2:/.exec(url)?.[1]);
/** Engine i's dockerd, to freeze and thaw (a host that stops answering, then comes back). */
const dockerdPid = (url: string) => Number(readFileSync(`/var/lib/wharf-test-engines/${indexOf(url)}/dockerd.pid`, 'utf8').trim());

const TIME_SCALE = '20';
const CLUSTER = 'fleet';
const SERVICE = 'web';
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa"],"securityGroups":["sg-web"],"assignPublicIp":"DISABLED"}}';
const SERVER = ['echo "serving as $(hostname)"', 'mkdir -p /www', 'echo "task $(hostname)" > /www/index.html', 'echo ok > /www/health', 'exec httpd -f -p 8080 -h /www'].join(' && ');

interface HostView {
  name: string;
  url: string;
  containerInstanceArn: string;
  agentConnected: boolean;
  status: string;
}

if (ENGINES.length < 3) {
  test('three remote Docker engines to place tasks on (WHARF_TEST_ENGINES)', () => {
    assert.fail(
      `WHARF_TEST_ENGINES names ${ENGINES.length} engine(s): the several-hosts tests need three. \`npm test\` starts them (ensure_extra_engines 3 in scripts/lib/setup.sh) ` +
        'and sets it; to run these tests alone, start them that way and set WHARF_TEST_ENGINES=tcp://10.203.1.2:2375,tcp://10.203.2.2:2375,tcp://10.203.3.2:2375.',
    );
  });
} else {
  describe('several Docker hosts as ECS container instances', () => {
    const [h1, h2, h3] = ENGINES as [string, string, string];
    const zoneOf = new Map([[h1, 'us-east-1a'], [h2, 'us-east-1b'], [h3, 'us-east-1c']]);
    let wharf: TestWharf;
    let image: string;
    let listenerUrl: string;
    /** Where each container instance's engine is. */
    const engineOf = new Map<string, string>();
    let frozen: number | undefined;

    const wharfCli = async (args: string[]) => (await run(process.execPath, [WHARF_BIN, ...args, '--endpoint', wharf.endpoint], { env: { ...process.env } })).stdout;
    const hosts = async () => ((await (await fetch(`${wharf.endpoint}/_wharf/hosts`)).json()) as { hosts: HostView[] }).hosts;
    const ecs = () => wharf.ecs();
    const describeTasks = async (arns: string[]) => (await ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks!;
    /** The app containers of a task running on an engine (the pause container left out). */
    const runningOn = async (engine: string, taskArn: string) =>
      (await docker(['-H', engine, 'ps', '-q', '--filter', `label=com.amazonaws.ecs.task-arn=${taskArn}`, '--filter', 'label=com.amazonaws.ecs.container-name=app'])).split('\n').filter(Boolean);

    before(async () => {
      // Task addresses must be routed to their engine (route_extra_engine_tasks in scripts/lib/setup.sh), never out of this machine.
      for (const url of [h1, h2, h3]) {
        const route = (await run('ip', ['route', 'show', `10.220.${indexOf(url)}.0/24`])).stdout;
        assert.match(route, new RegExp(`via 10\\.203\\.${indexOf(url)}\\.2 `), `10.220.${indexOf(url)}.0/24 must be routed to ${url}'s namespace: run route_extra_engine_tasks ${indexOf(url)} (scripts/lib/setup.sh)`);
      }
      image = await ensureTestImage();
      // On every address, so the hosts reach its registry at this machine's 10.203.<i>.1 (their dockerd takes it as an insecure registry).
      wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE, WHARF_HOST: '0.0.0.0' });
      const port = new URL(wharf.endpoint).port;
      await wharf.aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER]);
      for (const [index, url] of [h1, h2, h3].entries()) {
        await wharfCli([
          'hosts', 'add', `h${index + 1}`, url, '--cluster', CLUSTER, '--task-subnet', `10.220.${indexOf(url)}.0/24`, '--attribute', `ecs.availability-zone=${zoneOf.get(url)}`,
          '--registry-address', `10.203.${indexOf(url)}.1:${port}`,
        ]);
      }
      const connected = await waitFor(hosts, (list) => list.length === 3 && list.every((host) => host.agentConnected), 60_000, 'three hosts connected');
      for (const host of connected) engineOf.set(host.containerInstanceArn, host.url);
      await wharf.aws([
        'ecs', 'register-task-definition', '--family', 'fleet-web', '--network-mode', 'awsvpc', '--requires-compatibilities', 'EC2', '--cpu', '256', '--memory', '128',
        '--container-definitions',
        JSON.stringify([
          {
            name: 'app', image, command: ['sh', '-c', SERVER], portMappings: [{ containerPort: 8080, protocol: 'tcp' }], stopTimeout: 2,
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/fleet', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'fleet', 'awslogs-create-group': 'true' } },
          },
        ]),
      ]);
    });

    after(async () => {
      if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
      const instance = readFileSync(join(wharf.dataDir, 'instance-id'), 'utf8').trim();
      // The harness's stop resets Wharf, which removes what this Wharf made on the registered hosts too.
      await wharf.stop();
      const left: string[] = [];
      for (const engine of [h1, h2, h3]) {
        const ids = (await docker(['-H', engine, 'ps', '-aq', '--filter', `label=wharf.instance=${instance}`])).split('\n').filter(Boolean);
        if (ids.length > 0) await docker(['-H', engine, 'rm', '-f', ...ids]);
        left.push(...ids);
      }
      assert.deepEqual(left, [], 'the reset removed every container this Wharf made on the hosts');
    });

    test('wharf hosts list and ListContainerInstances show the registered hosts, with the engines\' CPU and memory', async () => {
      const table = await wharfCli(['hosts', 'list']);
      for (const name of ['h1', 'h2', 'h3']) assert.match(table, new RegExp(`^${name}\\s`, 'm'));
      const { containerInstanceArns } = await ecs().send(new ListContainerInstancesCommand({ cluster: CLUSTER }));
      assert.equal(containerInstanceArns!.length, 3);
      assert.equal((await wharf.aws(['ecs', 'describe-clusters', '--clusters', CLUSTER])).clusters[0].registeredContainerInstancesCount, 3);
      const { containerInstances } = await ecs().send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: containerInstanceArns! }));
      for (const instance of containerInstances!) {
        assert.equal(instance.status, 'ACTIVE');
        assert.equal(instance.agentConnected, true);
        assert.ok((instance.registeredResources!.find((r) => r.name === 'CPU')!.integerValue ?? 0) >= 1024, 'CPU units from the engine');
        assert.ok((instance.registeredResources!.find((r) => r.name === 'MEMORY')!.integerValue ?? 0) > 256, 'memory from the engine');
        assert.match(instance.ec2InstanceId!, /^i-[0-9a-f]{17}$/);
      }
      const zones = containerInstances!.map((instance) => instance.attributes!.find((a) => a.name === 'ecs.availability-zone')?.value).sort();
      assert.deepEqual(zones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    });

    test('binpack puts every task on one host; spread by instanceId goes to the hosts holding fewest of the family; each runs on its host\'s engine', async () => {
      const placeAndCheck = async (strategy: string) => {
        const result = await wharf.aws(['ecs', 'run-task', '--cluster', CLUSTER, '--launch-type', 'EC2', '--task-definition', 'fleet-web', '--count', '3', '--network-configuration', NETWORK, '--placement-strategy', strategy]);
        assert.deepEqual(result.failures, []);
        const arns = (result.tasks as Task[]).map((task) => task.taskArn!);
        const running = await waitFor(() => describeTasks(arns), (tasks) => tasks.every((task) => task.lastStatus === 'RUNNING'), 90_000, `${strategy} tasks RUNNING`);
        for (const task of running) {
          assert.equal(task.launchType, 'EC2');
          const engine = engineOf.get(task.containerInstanceArn!)!;
          assert.ok(engine, `task ${task.taskArn} names a registered instance`);
          assert.equal(task.availabilityZone, zoneOf.get(engine));
          assert.equal((await runningOn(engine, task.taskArn!)).length, 1, 'its container runs on that host');
          for (const other of [h1, h2, h3].filter((url) => url !== engine)) assert.deepEqual(await runningOn(other, task.taskArn!), [], 'and on no other');
        }
        return running;
      };
      const packed = await placeAndCheck('type=binpack,field=memory');
      // The awslogs driver reads a remote host's containers too.
      const taskId = packed[0]!.taskArn!.split('/').pop()!;
      await waitFor(
        async () => (await wharf.aws(['logs', 'get-log-events', '--log-group-name', '/fleet', '--log-stream-name', `fleet/app/${taskId}`]).catch(() => ({ events: [] }))).events as { message: string }[],
        (events) => events.some((event) => event.message.startsWith('serving as ')),
        30_000,
        "the remote task's output in CloudWatch Logs",
      );
      assert.equal(new Set(packed.map((task) => task.containerInstanceArn)).size, 1, 'binpack fills one host first');
      // Spread counts the family's tasks per host: with the packed ones still running, the new ones go to the other two hosts.
      const spread = await placeAndCheck('type=spread,field=instanceId');
      const spreadOn = spread.map((task) => task.containerInstanceArn!);
      assert.ok(!spreadOn.includes(packed[0]!.containerInstanceArn!), 'spread avoids the host that holds the family');
      assert.equal(new Set(spreadOn).size, 2, 'and uses both others');
      for (const task of [...packed, ...spread]) await wharf.aws(['ecs', 'stop-task', '--cluster', CLUSTER, '--task', task.taskArn!]);
      await waitFor(() => describeTasks([...packed, ...spread].map((task) => task.taskArn!)), (tasks) => tasks.every((task) => task.lastStatus === 'STOPPED'), 60_000, 'the tasks STOPPED');
    });

    test("StartTask on a chosen host; its task metadata, and ECS Exec into it through that host's engine", async () => {
      const h1Arn = [...engineOf].find(([, url]) => url === h1)![0];
      const result = await wharf.aws(['ecs', 'start-task', '--cluster', CLUSTER, '--task-definition', 'fleet-web', '--container-instances', h1Arn, '--enable-execute-command', '--network-configuration', NETWORK]);
      assert.deepEqual(result.failures, []);
      const taskArn = (result.tasks as Task[])[0]!.taskArn!;
      assert.equal((result.tasks as Task[])[0]!.containerInstanceArn, h1Arn);
      const [task] = await waitFor(() => describeTasks([taskArn]), ([t]) => t?.lastStatus === 'RUNNING' && t.containers![0]!.managedAgents?.[0]?.lastStatus === 'RUNNING', 90_000, 'the exec task RUNNING with its agent');
      assert.equal(engineOf.get(task!.containerInstanceArn!), h1);
      // The task metadata endpoint answers a container on a registered host (its host routes 169.254.170.2 to Wharf's machine).
      await keepMetadataUnmasqueraded(indexOf(h1));
      const metadata = JSON.parse(await docker(['-H', h1, 'exec', task!.containers![0]!.runtimeId!, 'sh', '-c', 'wget -qO- "$ECS_CONTAINER_METADATA_URI_V4/task"']));
      assert.equal(metadata.TaskARN, taskArn);
      assert.equal(metadata.Containers[0].DockerId, task!.containers![0]!.runtimeId);
      const hostname = await docker(['-H', h1, 'exec', task!.containers![0]!.runtimeId!, 'cat', '/etc/hostname']);
      const env = awsCliEnv(wharf.dataDir);
      const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin');
      const terminal = await TmuxTerminal.start(
        wharf.dataDir,
        'remote-exec',
        `${AWS_CLI} ecs execute-command --cluster ${CLUSTER} --task ${taskArn} --container app --interactive --command 'cat /etc/hostname' --endpoint-url ${wharf.endpoint}`,
        { ...env, PATH: `${bin}:${env.PATH ?? ''}`, TERM: 'xterm' },
      );
      try {
        const screen = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the session to end');
        assert.ok(screen.split('\n').map((line) => line.trim()).includes(hostname.trim()), `the remote container's hostname ${hostname} on the screen:\n${screen}`);
        assert.match(screen, /\[exit status: 0\]/);
      } finally {
        await terminal.close();
      }
      await wharf.aws(['ecs', 'stop-task', '--cluster', CLUSTER, '--task', taskArn]);
    });

    test("an image pushed to Wharf's ECR runs on a registered host, pulled from the registry at the host's address for it", async () => {
      const repository = (await wharf.aws(['ecr', 'create-repository', '--repository-name', 'fleet-app'])).repository;
      const password = (await run(AWS_CLI, ['ecr', 'get-login-password', '--endpoint-url', wharf.endpoint], { env: awsCliEnv(wharf.dataDir) })).stdout.trim();
      const push = dockerCli(mkdtempSync(join(wharf.dataDir, 'docker-')));
      await push(['login', '--username', 'AWS', '--password-stdin', new URL(`http://${repository.repositoryUri}`).host], { input: password });
      await push(['tag', image, `${repository.repositoryUri}:v1`]);
      await push(['push', `${repository.repositoryUri}:v1`]);
      await wharf.aws([
        'ecs', 'register-task-definition', '--family', 'fleet-ecr', '--network-mode', 'awsvpc', '--requires-compatibilities', 'EC2', '--cpu', '128', '--memory', '64',
        '--container-definitions', JSON.stringify([{ name: 'app', image: `${repository.repositoryUri}:v1`, command: ['sleep', '600'], stopTimeout: 1 }]),
      ]);
      const result = await wharf.aws(['ecs', 'run-task', '--cluster', CLUSTER, '--launch-type', 'EC2', '--task-definition', 'fleet-ecr', '--network-configuration', NETWORK, '--placement-constraints', 'type=memberOf,expression=attribute:ecs.availability-zone == us-east-1a']);
      const taskArn = (result.tasks as Task[])[0]!.taskArn!;
      const [task] = await waitFor(() => describeTasks([taskArn]), ([t]) => t?.lastStatus === 'RUNNING' || t?.lastStatus === 'STOPPED', 90_000, 'the ECR task RUNNING');
      assert.equal(task!.lastStatus, 'RUNNING', task!.stoppedReason);
      assert.equal(engineOf.get(task!.containerInstanceArn!), h1);
      assert.match(task!.containers![0]!.imageDigest!, /^sha256:[0-9a-f]{64}$/);
      assert.equal((await runningOn(h1, taskArn)).length, 1);
      await wharf.aws(['ecs', 'stop-task', '--cluster', CLUSTER, '--task', taskArn]);
    });

    test('a service behind the load balancer answers from tasks on two hosts', async () => {
      const lb = (await wharf.aws(['elbv2', 'create-load-balancer', '--name', 'fleet-alb', '--type', 'application', '--subnets', 'subnet-aaa', 'subnet-bbb'])).LoadBalancers[0];
      const group = await wharf.aws([
        'elbv2', 'create-target-group', '--name', 'fleet-tg', '--protocol', 'HTTP', '--port', '8080', '--vpc-id', lb.VpcId, '--target-type', 'ip',
        '--health-check-path', '/health', '--health-check-interval-seconds', '5', '--health-check-timeout-seconds', '2', '--healthy-threshold-count', '2', '--unhealthy-threshold-count', '2',
      ]);
      const targetGroupArn = group.TargetGroups[0].TargetGroupArn;
      await wharf.aws(['elbv2', 'modify-target-group-attributes', '--target-group-arn', targetGroupArn, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=2']);
      await wharf.aws(['elbv2', 'create-listener', '--load-balancer-arn', lb.LoadBalancerArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${targetGroupArn}`]);
      listenerUrl = await servedListenerUrl(wharf, 'fleet-alb');

      // Only h2 and h3 (their zones) may take the service's tasks, one each.
      await wharf.aws([
        'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', SERVICE, '--task-definition', 'fleet-web', '--desired-count', '2', '--launch-type', 'EC2',
        '--network-configuration', NETWORK, '--load-balancers', `targetGroupArn=${targetGroupArn},containerName=app,containerPort=8080`,
        '--placement-constraints', JSON.stringify([{ type: 'memberOf', expression: 'attribute:ecs.availability-zone in [us-east-1b, us-east-1c]' }]),
        '--placement-strategy', 'type=spread,field=instanceId', '--deployment-configuration', 'maximumPercent=200,minimumHealthyPercent=50',
      ]);
      await waitFor(() => describeOneService(ecs(), CLUSTER, SERVICE), isSteady, 120_000, 'the service steady');
      const tasks = await serviceTasksOf(ecs(), CLUSTER, SERVICE);
      assert.deepEqual(tasks.map((task) => engineOf.get(task.containerInstanceArn!)).sort(), [h2, h3].sort());
      const seen = new Set<string>();
      await waitFor(
        async () => {
          const response = await fetch(listenerUrl);
          if (response.ok) seen.add((await response.text()).trim());
          return seen.size;
        },
        (size) => size === 2,
        30_000,
        'answers from both hosts\' tasks',
      );
    });

    test('a host that stops answering: its task is STOPPED with the host named and replaced on another host; back, its containers go', async () => {
      const before = await serviceTasksOf(ecs(), CLUSTER, SERVICE);
      const onH3 = before.find((task) => engineOf.get(task.containerInstanceArn!) === h3)!;
      assert.ok(onH3, 'a service task runs on h3');
      frozen = dockerdPid(h3);
      process.kill(frozen, 'SIGSTOP');
      const [lost] = await waitFor(() => describeTasks([onH3.taskArn!]), ([task]) => task?.lastStatus === 'STOPPED', 90_000, 'the task on the silent host STOPPED');
      assert.match(lost!.stoppedReason!, /^Host EC2 \(instance i-[0-9a-f]{17}\) stopped answering/);
      assert.equal(lost!.stopCode, 'TerminationNotice');
      assert.equal((await hosts()).find((host) => host.url === h3)!.agentConnected, false);
      // The replacement can only go to h2 (h3 is silent, h1 is outside the constraint).
      const steady = await waitFor(() => describeOneService(ecs(), CLUSTER, SERVICE), isSteady, 120_000, 'the service steady again');
      assert.equal(steady.runningCount, 2);
      const now = await serviceTasksOf(ecs(), CLUSTER, SERVICE);
      assert.deepEqual(now.map((task) => engineOf.get(task.containerInstanceArn!)), [h2, h2]);
      assert.match(await (await fetch(listenerUrl)).text(), /^task /);

      process.kill(frozen, 'SIGCONT');
      frozen = undefined;
      await waitFor(hosts, (list) => list.find((host) => host.url === h3)!.agentConnected, 60_000, 'h3 answering again');
      await waitFor(() => runningOn(h3, onH3.taskArn!), (ids) => ids.length === 0, 60_000, "the stopped task's container removed from h3");
    });

    test('a drained host: the service moves its tasks to the other host, replacements first; nothing new lands on it', async () => {
      const h2Arn = [...engineOf].find(([, url]) => url === h2)![0];
      const drained = await wharf.aws(['ecs', 'update-container-instances-state', '--cluster', CLUSTER, '--container-instances', h2Arn, '--status', 'DRAINING']);
      assert.equal(drained.containerInstances[0].status, 'DRAINING');
      const moved = await waitFor(
        async () => ({ service: await describeOneService(ecs(), CLUSTER, SERVICE), tasks: await serviceTasksOf(ecs(), CLUSTER, SERVICE) }),
        ({ service, tasks }) => isSteady(service) && tasks.length === 2 && tasks.every((task) => engineOf.get(task.containerInstanceArn!) === h3),
        120_000,
        'the service on h3 only',
      );
      assert.equal(moved.service.runningCount, 2);
      const stopped = await serviceTasksOf(ecs(), CLUSTER, SERVICE, 'STOPPED');
      assert.ok(stopped.some((task) => /container instance is in DRAINING state/.test(task.stoppedReason ?? '')), 'a task stopped for the drain says so');
      const { containerInstances } = await ecs().send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [h2Arn] }));
      assert.equal(containerInstances![0]!.runningTasksCount, 0);
    });
  });
}
