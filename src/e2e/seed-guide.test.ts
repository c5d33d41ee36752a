/**
 * The seed ECS/Fargate guide walked from top to bottom, in its order, as a
 * user would: the guide's commands through /usr/bin/aws (only
 * `--endpoint-url` added, ARNs and the repositoryUri taken from Wharf's own
 * answers) and the docker CLI for the image. Polling goes through the SDK
 * (the CLI costs seconds a call). Each step is one named test; a failed step
 * skips the rest, and the end prints every step's wall time.
 *
 * WHARF_TIME_SCALE=20: ECS's, ELB's and CloudWatch's waits are divided by 20
 * (the guide's 60 s scale-out cooldown is 3 s, a 30 s health check interval 1.5 s).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import { DescribeTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { AWS_CLI, awsCliEnv, describeOneService, isSteady, servedListenerUrl, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { TmuxTerminal } from './exec-terminal.js';
import { dockerCli, run } from './registry-helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin');
const CLUSTER = 'my-app';
const SERVICE = 'my-app-service';
const SECRET_VALUE = `s3cr3t-${process.pid}-db-password`;
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa","subnet-bbb"],"securityGroups":["sg-12345"],"assignPublicIp":"DISABLED"}}';
const MIGRATION_NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa"],"securityGroups":["sg-12345"],"assignPublicIp":"DISABLED"}}';
const DEPLOYMENT_CONFIGURATION = '{"maximumPercent":200,"minimumHealthyPercent":100,"deploymentCircuitBreaker":{"enable":true,"rollback":true}}';
const ECS_TASKS_TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/**
 * The app: busybox httpd on 8080. `/health` answers at once; `/cgi-bin/whoami`
 * names the build and the task's host; `/cgi-bin/burn` spins a CPU for a
 * second (so CPU follows the request rate). `curl` is a wget wrapper so the
 * guide's health check command runs as written; `python manage.py migrate`
 * stands in for the guide's migration.
 */
const APP_FILES: Record<string, string> = {
  // httpd as PID 1 would ignore SIGTERM (PID 1 has no default handlers) and wait out the stop
  // timeout; the guide's apps shut down cleanly on SIGTERM, so the shell forwards it.
  'app/start.sh': '#!/bin/sh\necho "my-app build $(cat /app/build-id) starting on $(hostname) (NODE_ENV=$NODE_ENV)"\nhttpd -f -v -p 8080 -h /www &\ntrap \'kill $!; exit 0\' TERM\nwait\n',
  'www/health': 'ok\n',
  'www/cgi-bin/whoami': '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s %s\\n" "$(cat /app/build-id)" "$(hostname)"\n',
  'www/cgi-bin/burn': '#!/bin/sh\ntimeout 1 yes > /dev/null\nprintf "Content-Type: text/plain\\r\\n\\r\\nburnt\\n"\n',
  'usr/bin/curl': '#!/bin/sh\n# curl -f URL, as far as health checks go\nfor url; do :; done\nexec wget -q -O /dev/null "$url"\n',
  'usr/bin/python': '#!/bin/sh\n[ "$1 $2" = "manage.py migrate" ] || { echo "only manage.py migrate here" >&2; exit 2; }\necho "Operations to perform: apply all migrations"\necho "Running migrations: OK"\n',
};
const BROKEN_START = '#!/bin/sh\necho "my-app build $(cat /app/build-id): missing configuration, exiting" >&2\nexit 1\n';

const timings: { step: string; seconds: number; outcome: string }[] = [];
let failedStep: string | undefined;

/** One named step of the walk: timed, skipped after an earlier failure, and its failure names it. */
function step(name: string, body: () => Promise<void>, timeoutMs = 120_000): void {
  test(name, { timeout: timeoutMs }, async (t: TestContext) => {
    if (failedStep) {
      timings.push({ step: name, seconds: 0, outcome: 'skipped' });
      t.skip(`an earlier step failed: ${failedStep}`);
      return;
    }
    const started = Date.now();
    try {
      await body();
      timings.push({ step: name, seconds: (Date.now() - started) / 1000, outcome: 'ok' });
    } catch (error) {
      failedStep = name;
      timings.push({ step: name, seconds: (Date.now() - started) / 1000, outcome: 'FAILED' });
      const wrapped = new Error(`step "${name}" failed: ${(error as Error).message}`);
      wrapped.stack = `${wrapped.message}\n${(error as Error).stack ?? ''}`;
      throw wrapped;
    }
  });
}

describe('the seed ECS/Fargate guide, end to end (aws CLI + docker, WHARF_TIME_SCALE=20)', () => {
  let wharf: TestWharf;
  let scratch: string;
  let docker: ReturnType<typeof dockerCli>;
  const pushed: string[] = [];
  const walkStarted = Date.now();

  // Wharf's earlier answers, used by later commands as a user would copy them.
  let repositoryUri: string;
  let registryHost: string;
  let executionRoleArn: string;
  let taskRoleArn: string;
  let secretArn: string;
  let targetGroupArn: string;
  let listenerUrl: string;
  let buildId: string;

  const aws = (args: readonly string[]) => wharf.aws(args);
  const ecs = () => wharf.ecs();
  const service = () => describeOneService(ecs(), CLUSTER, SERVICE);
  const describeTask = async (arn: string): Promise<Task> => (await ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0]!;
  const stopped = (arn: string, timeoutMs = 60_000) => waitFor(() => describeTask(arn), (task) => task.lastStatus === 'STOPPED', timeoutMs, `task ${arn} STOPPED`);

  /** The guide's task-definition.json with this walk's image, roles and secret, as a file the CLI reads. */
  const taskDefinitionFile = (name: string, change: (definition: any) => void = () => undefined): string => {
    const definition = guideTaskDefinition(`${repositoryUri}:${buildId}`, executionRoleArn, taskRoleArn, secretArn);
    change(definition);
    const file = join(scratch, `${name}.json`);
    writeFileSync(file, JSON.stringify(definition, null, 2));
    return file;
  };

  /** Builds the app image FROM scratch with the host's static busybox, its build id baked in. */
  const buildApp = async (ref: string, id: string, start = APP_FILES['app/start.sh']!) => {
    const context = mkdtempSync(join(scratch, 'build-'));
    copyFileSync('/bin/busybox', join(context, 'busybox'));
    for (const [path, content] of Object.entries({ ...APP_FILES, 'app/start.sh': start, 'app/build-id': `${id}\n` })) {
      mkdirSync(dirname(join(context, 'rootfs', path)), { recursive: true });
      writeFileSync(join(context, 'rootfs', path), content, { mode: 0o755 });
    }
    mkdirSync(join(context, 'rootfs', 'tmp'), { recursive: true });
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCOPY rootfs/ /\nCMD ["/app/start.sh"]\n',
    );
    await docker(['build', '-q', '-t', ref, context]);
  };

  const push = async (localTag: string, id: string) => {
    const remote = `${repositoryUri}:${id}`;
    await docker(['tag', localTag, remote]);
    pushed.push(remote);
    const out = await docker(['push', remote]);
    assert.match(out.stdout, /digest: sha256:[0-9a-f]{64}/, out.stdout);
  };

  /** GET through the load balancer's listener. */
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${listenerUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.text() };
  };

  /** The aws CLI with Wharf's session-manager-plugin first on PATH (for execute-command). */
  const cliEnv = () => {
    const env = awsCliEnv(wharf.dataDir);
    return { ...env, PATH: `${BIN}:${env.PATH ?? ''}`, TERM: 'xterm' };
  };
  const terminals: TmuxTerminal[] = [];

  /** What drove (or did not drive) scaling: the target tracking alarms and the service's recent CPU. */
  const scalingDiagnostics = async () => {
    const alarms = (await aws(['cloudwatch', 'describe-alarms'])).MetricAlarms.map((a: { AlarmName: string; StateValue: string; StateReason: string }) => ({ name: a.AlarmName, state: a.StateValue, reason: a.StateReason }));
    const now = Date.now();
    const cpu = await aws([
      'cloudwatch', 'get-metric-statistics', '--namespace', 'AWS/ECS', '--metric-name', 'CPUUtilization', '--dimensions', `Name=ClusterName,Value=${CLUSTER}`, `Name=ServiceName,Value=${SERVICE}`,
      '--start-time', new Date(now - 5 * 60_000).toISOString(), '--end-time', new Date(now).toISOString(), '--period', '60', '--statistics', 'Average', 'Maximum',
    ]);
    return { alarms, cpu: cpu.Datapoints };
  };

  const runningTaskOf = async (): Promise<Task> => (await serviceTasksOf(ecs(), CLUSTER, SERVICE)).find((t) => t.lastStatus === 'RUNNING')!;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'wharf-guide-'));
    docker = dockerCli(join(scratch, 'docker-config'));
    wharf = await startTestWharf({ WHARF_TIME_SCALE: '20' });
    buildId = `build-${Date.now().toString(36)}`;
  });

  after(async () => {
    for (const terminal of terminals) await terminal.close();
    await wharf?.stop();
    for (const ref of pushed) await docker(['rmi', '-f', ref], { allowFailure: true });
    await docker(['rmi', '-f', 'my-app', 'my-app:broken'], { allowFailure: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    const width = Math.max(...timings.map((t) => t.step.length));
    const table = timings.map((t) => `${t.step.padEnd(width)}  ${t.seconds.toFixed(1).padStart(6)} s  ${t.outcome}`);
    console.log(`\nseed guide walk, wall time per step:\n${'step'.padEnd(width)}  seconds\n${table.join('\n')}\n${'total'.padEnd(width)}  ${((Date.now() - walkStarted) / 1000).toFixed(1).padStart(6)} s\n`);
  });

  step('create-cluster with FARGATE and FARGATE_SPOT', async () => {
    const { cluster } = await aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER, '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']);
    assert.equal(cluster.status, 'ACTIVE');
    assert.deepEqual(cluster.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
  });

  step('ECR: create-repository, get-login-password | docker login, build, tag with the build id, push', async () => {
    const { repository } = await aws(['ecr', 'create-repository', '--repository-name', 'my-app']);
    repositoryUri = repository.repositoryUri;
    registryHost = repositoryUri.slice(0, repositoryUri.indexOf('/'));
    const password = await run(AWS_CLI, ['ecr', 'get-login-password', '--region', 'us-east-1', '--endpoint-url', wharf.endpoint], { env: awsCliEnv(wharf.dataDir) });
    assert.equal(password.code, 0, password.stderr);
    const login = await docker(['login', '--username', 'AWS', '--password-stdin', registryHost], { input: password.stdout.trim() });
    assert.match(login.stdout, /Login Succeeded/);
    await buildApp('my-app', buildId);
    await push('my-app', buildId);
    const images = await aws(['ecr', 'describe-images', '--repository-name', 'my-app']);
    assert.deepEqual(images.imageDetails.map((i: { imageTags: string[] }) => i.imageTags).flat(), [buildId]);
  });

  step('the log group /ecs/my-app', async () => {
    await aws(['logs', 'create-log-group', '--log-group-name', '/ecs/my-app']);
  });

  step('the secret db-password in Secrets Manager', async () => {
    const secret = await aws(['secretsmanager', 'create-secret', '--name', 'db-password', '--secret-string', SECRET_VALUE]);
    secretArn = secret.ARN;
    assert.match(secretArn, /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:db-password-[A-Za-z0-9]{6}$/);
  });

  step('the execution and task roles (iam create-role)', async () => {
    const execution = await aws(['iam', 'create-role', '--role-name', 'ecsTaskExecutionRole', '--assume-role-policy-document', ECS_TASKS_TRUST]);
    await aws(['iam', 'attach-role-policy', '--role-name', 'ecsTaskExecutionRole', '--policy-arn', 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy']);
    const task = await aws(['iam', 'create-role', '--role-name', 'ecsTaskRole', '--assume-role-policy-document', ECS_TASKS_TRUST]);
    executionRoleArn = execution.Role.Arn;
    taskRoleArn = task.Role.Arn;
  });

  step('register-task-definition --cli-input-json file://task-definition.json', async () => {
    const { taskDefinition } = await aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${taskDefinitionFile('task-definition')}`]);
    assert.equal(`${taskDefinition.family}:${taskDefinition.revision}`, 'my-app:1');
    assert.equal(taskDefinition.containerDefinitions[0].image, `${repositoryUri}:${buildId}`);
  });

  step('the ALB, its target group on /health and the listener', async () => {
    const lb = (await aws(['elbv2', 'create-load-balancer', '--name', 'my-app-alb', '--type', 'application', '--subnets', 'subnet-aaa', 'subnet-bbb', '--security-groups', 'sg-alb'])).LoadBalancers[0];
    const group = await aws([
      'elbv2', 'create-target-group', '--name', 'my-app', '--protocol', 'HTTP', '--port', '8080', '--vpc-id', lb.VpcId, '--target-type', 'ip',
      '--health-check-path', '/health', '--health-check-interval-seconds', '10', '--healthy-threshold-count', '2',
    ]);
    targetGroupArn = group.TargetGroups[0].TargetGroupArn;
    await aws(['elbv2', 'modify-target-group-attributes', '--target-group-arn', targetGroupArn, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=10']);
    await aws(['elbv2', 'create-listener', '--load-balancer-arn', lb.LoadBalancerArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${targetGroupArn}`]);
    listenerUrl = await servedListenerUrl(wharf, 'my-app-alb');
  });

  step('create-service with desired count 2 behind the target group', async () => {
    const created = await aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', SERVICE, '--task-definition', 'my-app:1', '--desired-count', '2',
      '--launch-type', 'FARGATE', '--network-configuration', NETWORK,
      '--load-balancers', JSON.stringify([{ targetGroupArn, containerName: 'app', containerPort: 8080 }]),
      // The guide's pitfall: a grace period long enough for the app to start.
      '--health-check-grace-period-seconds', '60',
    ]);
    assert.equal(created.service.desiredCount, 2);
  });

  step('aws ecs wait services-stable', async () => {
    await aws(['ecs', 'wait', 'services-stable', '--cluster', CLUSTER, '--services', SERVICE]);
    // As on AWS, the waiter returns once one deployment runs the desired count; the rollout
    // completes when the targets are healthy too.
    const s = await waitFor(service, isSteady, 60_000, 'the rollout COMPLETED');
    assert.equal(s.runningCount, 2);
  });

  step('requests through the load balancer are answered by both tasks', async () => {
    assert.equal((await get('/health')).status, 200);
    const hosts = new Set<string>();
    for (let i = 0; i < 20 && hosts.size < 2; i++) {
      const answer = await get('/cgi-bin/whoami');
      assert.equal(answer.status, 200, answer.body);
      const [build, host] = answer.body.trim().split(' ');
      assert.equal(build, buildId);
      hosts.add(host!);
    }
    assert.equal(hosts.size, 2, `answered by ${[...hosts].join(', ')}`);
  });

  step('scalable target and CPU target tracking: out under a bounded CPU load, back in', async () => {
    const resource = ['--service-namespace', 'ecs', '--resource-id', `service/${CLUSTER}/${SERVICE}`, '--scalable-dimension', 'ecs:service:DesiredCount'];
    await aws(['application-autoscaling', 'register-scalable-target', ...resource, '--min-capacity', '2', '--max-capacity', '20']);
    await aws([
      'application-autoscaling', 'put-scaling-policy', ...resource, '--policy-name', 'cpu-scaling', '--policy-type', 'TargetTrackingScaling',
      '--target-tracking-scaling-policy-configuration',
      '{"TargetValue":70.0,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleInCooldown":300,"ScaleOutCooldown":60}',
    ]);
    // Bounded load: six request loops keep both quarter-vCPU tasks busy until the service has scaled out.
    let loading = true;
    const loops = Array.from({ length: 6 }, async () => {
      while (loading) await get('/cgi-bin/burn').catch(() => undefined);
    });
    try {
      await waitFor(service, (s) => (s.desiredCount ?? 0) > 2, 90_000, 'the service scaled out above 2');
    } catch (error) {
      throw new Error(`${(error as Error).message.slice(0, 300)}\nalarms and CPU seen: ${JSON.stringify(await scalingDiagnostics())}`);
    } finally {
      loading = false;
      await Promise.all(loops);
    }
    await waitFor(service, (s) => s.desiredCount === 2 && isSteady(s), 150_000, 'the service scaled back in to 2');
    const activities = (await aws(['application-autoscaling', 'describe-scaling-activities', '--service-namespace', 'ecs'])).ScalingActivities as { Cause: string }[];
    assert.ok(activities.some((a) => /AlarmHigh/.test(a.Cause)) && activities.some((a) => /AlarmLow/.test(a.Cause)), JSON.stringify(activities));
  }, 300_000);

  step('revision 2 rolled out with the guide’s deployment configuration, no failed request', async () => {
    const buildId2 = `${buildId}-2`;
    await buildApp('my-app', buildId2);
    await push('my-app', buildId2);
    const previous = buildId;
    buildId = buildId2;
    const { taskDefinition } = await aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${taskDefinitionFile('task-definition')}`]);
    assert.equal(taskDefinition.revision, 2);

    const failures: string[] = [];
    const builds = new Set<string>();
    let probing = true;
    const probe = (async () => {
      while (probing) {
        try {
          const answer = await get('/cgi-bin/whoami');
          if (answer.status !== 200) failures.push(`${answer.status} ${answer.body.slice(0, 200)}`);
          else builds.add(answer.body.split(' ')[0]!);
        } catch (error) {
          failures.push(String(error));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await aws(['ecs', 'update-service', '--cluster', CLUSTER, '--service', SERVICE, '--task-definition', 'my-app:2', '--deployment-configuration', DEPLOYMENT_CONFIGURATION]);
      await aws(['ecs', 'wait', 'services-stable', '--cluster', CLUSTER, '--services', SERVICE]);
      // The old tasks leave only after their deregistration delay: keep probing until they are gone.
      await waitFor(() => serviceTasksOf(ecs(), CLUSTER, SERVICE), (tasks) => tasks.length === 2 && tasks.every((t) => t.taskDefinitionArn!.endsWith(':2')), 60_000, 'only revision 2 tasks');
    } finally {
      probing = false;
      await probe;
    }
    assert.deepEqual(failures, [], 'no request failed during the rollout');
    assert.ok(builds.has(previous) && builds.has(buildId2), `answers came from both builds: ${[...builds].join(', ')}`);
    const s = await service();
    assert.match(s.taskDefinition!, /:task-definition\/my-app:2$/);
    assert.deepEqual(s.deploymentConfiguration?.deploymentCircuitBreaker, { enable: true, rollback: true });
  });

  step('a broken revision 3 is rolled back to 2 by the circuit breaker', async () => {
    const brokenId = `${buildId}-broken`;
    await buildApp('my-app:broken', brokenId, BROKEN_START);
    await push('my-app:broken', brokenId);
    const file = taskDefinitionFile('task-definition-broken', (d) => (d.containerDefinitions[0].image = `${repositoryUri}:${brokenId}`));
    assert.equal((await aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`])).taskDefinition.revision, 3);
    await aws(['ecs', 'update-service', '--cluster', CLUSTER, '--service', SERVICE, '--task-definition', 'my-app:3', '--deployment-configuration', DEPLOYMENT_CONFIGURATION]);
    const rolledBack = await waitFor(
      service,
      (s) => s.taskDefinition!.endsWith('my-app:2') && isSteady(s) && (s.events ?? []).some((e) => /rolling back|circuit breaker/i.test(e.message ?? '')),
      120_000,
      'the circuit breaker rolling back to my-app:2',
    );
    assert.equal(rolledBack.deployments![0]!.taskDefinition!.endsWith('my-app:2'), true);
    assert.equal(rolledBack.runningCount, 2);
    assert.equal((await get('/health')).status, 200, 'the service still answers');
  }, 180_000);

  step('the one-off migration task: run-task with a command override exits 0', async () => {
    const file = taskDefinitionFile('task-definition-migration', (d) => (d.family = 'my-app-migration'));
    await aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`]);
    const result = await aws([
      'ecs', 'run-task', '--cluster', CLUSTER, '--task-definition', 'my-app-migration:1', '--launch-type', 'FARGATE',
      '--network-configuration', MIGRATION_NETWORK,
      '--overrides', '{"containerOverrides":[{"name":"app","command":["python","manage.py","migrate"]}]}',
    ]);
    assert.deepEqual(result.failures, []);
    const task = await stopped(result.tasks[0].taskArn);
    assert.equal(task.containers![0]!.exitCode, 0, JSON.stringify(task.containers));
    assert.equal(task.stopCode, 'EssentialContainerExited');
  });

  step('update-service --enable-execute-command, and a command run in a task with execute-command', async () => {
    await aws(['ecs', 'update-service', '--cluster', CLUSTER, '--service', SERVICE, '--enable-execute-command', '--force-new-deployment']);
    await waitFor(
      () => serviceTasksOf(ecs(), CLUSTER, SERVICE),
      (tasks) => tasks.length === 2 && tasks.every((t) => t.enableExecuteCommand && t.containers![0]!.managedAgents?.[0]?.lastStatus === 'RUNNING'),
      90_000,
      'two tasks with a RUNNING ExecuteCommandAgent',
    );
    const task = await runningTaskOf();
    const line = `${AWS_CLI} ecs execute-command --cluster ${CLUSTER} --task ${task.taskArn} --container app --interactive --command "/bin/sh" --endpoint-url ${wharf.endpoint}`;
    const terminal = await TmuxTerminal.start(wharf.dataDir, 'guide-shell', line, cliEnv());
    terminals.push(terminal);
    await terminal.waitForScreen((screen) => /[#$] $/m.test(screen), 'the shell prompt');
    await terminal.type('cat /app/build-id; exit');
    await terminal.keys('Enter');
    const screen = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the session to end');
    assert.match(screen, new RegExp(`^${buildId}\\s*$`, 'm'));
    assert.match(screen, /\[exit status: 0\]/);
  });

  step('the app’s logs read from the log group (aws logs tail)', async () => {
    const tail = await waitFor(
      () => run(AWS_CLI, ['logs', 'tail', '/ecs/my-app', '--since', '1h', '--endpoint-url', wharf.endpoint], { env: awsCliEnv(wharf.dataDir) }),
      (out) => out.code === 0 && out.stdout.includes(`my-app build ${buildId} starting on`),
      30_000,
      'the start line in aws logs tail',
    );
    assert.match(tail.stdout, /app\/app\/[0-9a-f]{32} /, 'streams named prefix/container/task id');
    assert.match(tail.stdout, /NODE_ENV=production/);
  });

  step('the secret is in the task’s environment and in no describe output', async () => {
    const task = await runningTaskOf();
    const line = `${AWS_CLI} ecs execute-command --cluster ${CLUSTER} --task ${task.taskArn} --container app --interactive --command "sh -c 'test -n \\"\\$DB_PASSWORD\\" && echo present'" --endpoint-url ${wharf.endpoint}`;
    const terminal = await TmuxTerminal.start(wharf.dataDir, 'guide-secret', line, cliEnv());
    terminals.push(terminal);
    const screen = await terminal.waitForScreen((text) => text.includes('[exit status:'), 'the session to end');
    assert.match(screen, /^present\s*$/m, screen);
    assert.doesNotMatch(screen, new RegExp(SECRET_VALUE));
    const outputs = [
      await aws(['ecs', 'describe-task-definition', '--task-definition', 'my-app:2']),
      await aws(['ecs', 'describe-tasks', '--cluster', CLUSTER, '--tasks', task.taskArn!]),
      await aws(['ecs', 'describe-services', '--cluster', CLUSTER, '--services', SERVICE]),
    ];
    for (const output of outputs) assert.ok(!JSON.stringify(output).includes(SECRET_VALUE), 'the secret value never shows in a describe output');
    assert.deepEqual(outputs[0].taskDefinition.containerDefinitions[0].secrets, [{ name: 'DB_PASSWORD', valueFrom: secretArn }]);
  });

  step('a task on FARGATE_SPOT is interrupted and replaced', async () => {
    await aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', 'my-app-worker', '--task-definition', 'my-app:2', '--desired-count', '1',
      '--capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1', '--network-configuration', NETWORK,
    ]);
    const workerTasks = () => serviceTasksOf(ecs(), CLUSTER, 'my-app-worker');
    const [spot] = await waitFor(workerTasks, (tasks) => tasks.length === 1 && tasks[0]!.lastStatus === 'RUNNING', 60_000, 'the worker task RUNNING');
    assert.equal(spot!.capacityProviderName, 'FARGATE_SPOT');
    const cli = await run(process.execPath, [join(BIN, 'wharf.js'), 'spot-interrupt', '--endpoint', wharf.endpoint, '--cluster', CLUSTER, '--task', spot!.taskArn!]);
    assert.equal(cli.code, 0, cli.stderr);
    const gone = await stopped(spot!.taskArn!);
    assert.equal(gone.stopCode, 'SpotInterruption');
    const [replacement] = await waitFor(workerTasks, (tasks) => tasks.length === 1 && tasks[0]!.taskArn !== spot!.taskArn && tasks[0]!.lastStatus === 'RUNNING', 60_000, 'a replacement worker task');
    assert.equal(replacement!.capacityProviderName, 'FARGATE_SPOT');
  });

  step('insufficient memory: the task stops with exit 137 and ECS’s OutOfMemoryError reason', async () => {
    const file = taskDefinitionFile('task-definition-oom', (d) => {
      d.family = 'my-app-oom';
      d.cpu = '256';
      d.memory = '512';
      d.containerDefinitions[0].command = ['tail', '/dev/zero'];
      delete d.containerDefinitions[0].healthCheck;
    });
    await aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`]);
    const result = await aws(['ecs', 'run-task', '--cluster', CLUSTER, '--task-definition', 'my-app-oom', '--launch-type', 'FARGATE', '--network-configuration', MIGRATION_NETWORK]);
    const task = await stopped(result.tasks[0].taskArn, 90_000);
    const described = (await aws(['ecs', 'describe-tasks', '--cluster', CLUSTER, '--tasks', task.taskArn!])).tasks[0];
    assert.equal(described.containers[0].exitCode, 137, JSON.stringify(described.containers));
    assert.equal(described.containers[0].reason, 'OutOfMemoryError: Container killed due to memory usage');
    assert.equal(described.stopCode, 'EssentialContainerExited');
  });

  step('pitfall: a missing awslogs group fails the task; awslogs-create-group "true" starts it', async () => {
    const runOnce = async (family: string, options: Record<string, string>) => {
      const file = taskDefinitionFile(`task-definition-${family}`, (d) => {
        d.family = family;
        d.containerDefinitions[0].logConfiguration.options = options;
        d.containerDefinitions[0].command = ['sh', '-c', 'echo started with a new log group'];
        delete d.containerDefinitions[0].healthCheck;
      });
      await aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`]);
      const result = await aws(['ecs', 'run-task', '--cluster', CLUSTER, '--task-definition', family, '--launch-type', 'FARGATE', '--network-configuration', MIGRATION_NETWORK]);
      await stopped(result.tasks[0].taskArn);
      return (await aws(['ecs', 'describe-tasks', '--cluster', CLUSTER, '--tasks', result.tasks[0].taskArn])).tasks[0];
    };
    const base = { 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' };
    const failed = await runOnce('my-app-nogroup', { ...base, 'awslogs-group': '/ecs/my-app-nogroup' });
    assert.equal(failed.stopCode, 'TaskFailedToStart');
    assert.match(failed.stoppedReason, /^ResourceInitializationError: .*log group does not exist/);
    const made = await runOnce('my-app-newgroup', { ...base, 'awslogs-group': '/ecs/my-app-newgroup', 'awslogs-create-group': 'true' });
    assert.equal(made.containers[0].exitCode, 0, JSON.stringify(made));
    const events = await waitFor(
      () => aws(['logs', 'filter-log-events', '--log-group-name', '/ecs/my-app-newgroup']),
      (out) => (out.events ?? []).some((e: { message: string }) => e.message === 'started with a new log group'),
      20_000,
      'the line in the created group',
    );
    assert.ok(events.events.length >= 1);
  });
});

/** The guide's task-definition.json with the image, roles and secret ARN of this walk filled in. */
function guideTaskDefinition(image: string, executionRoleArn: string, taskRoleArn: string, secretArn: string): any {
  return {
    family: 'my-app',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    // The guide says 512; a busybox httpd needs far less ("set CPU realistically"), and a
    // quarter vCPU is what a bounded load can keep busy on a small shared test machine.
    cpu: '256',
    memory: '1024',
    executionRoleArn,
    taskRoleArn,
    containerDefinitions: [
      {
        name: 'app',
        image,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/my-app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' } },
        environment: [{ name: 'NODE_ENV', value: 'production' }],
        secrets: [{ name: 'DB_PASSWORD', valueFrom: secretArn }],
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], interval: 30, timeout: 5, retries: 3 },
      },
    ],
  };
}

