/**
 * The console in a real browser: headless Chromium (Debian's `chromium`) driven by
 * playwright-core (installed in console/node_modules), against a real Wharf and Docker.
 * Every step is done on the page as a user would; the SDK only sets the scene (a cluster,
 * a service, a bad revision) and reads what the page should then show.
 *
 * Screenshots of the main pages go to test-artifacts/console/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ApplicationAutoScalingClient, PutScalingPolicyCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { DEFAULT_KEY, loadConfig } from '../cli/config.js';
import { startWharf, type RunningWharf } from '../main.js';
import { silentLogger } from '../ports/logger.js';
import { docker, ecsClientAt, serviceTasksOf, startTestWharf, type TestWharf } from './harness.js';
import { ensureTestImage, TEST_IMAGE } from './test-images.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PLAYWRIGHT = join(ROOT, 'console', 'node_modules', 'playwright-core', 'index.mjs');
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'console');
const CHROMIUM = process.env.WHARF_CHROMIUM ?? '/usr/bin/chromium';
const CLUSTER = 'shop';
const SERVICE = 'web';
const LOG_GROUP = '/ecs/web';
// The task prints a numbered tick each second, so the tail always has fresh lines.
const TICKER = 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done';

/* The slice of playwright-core's API this test uses (it is loaded from console/node_modules at run time). */
interface Locator {
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  textContent(): Promise<string | null>;
  count(): Promise<number>;
  first(): Locator;
  nth(index: number): Locator;
  locator(selector: string): Locator;
  getAttribute(name: string): Promise<string | null>;
  waitFor(options?: { state?: string; timeout?: number }): Promise<void>;
}
interface Page {
  goto(url: string): Promise<unknown>;
  locator(selector: string): Locator;
  getByTestId(id: string): Locator;
  getByRole(role: string, options?: { name?: string | RegExp }): Locator;
  evaluate(expression: string): Promise<unknown>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  keyboard: { type(text: string): Promise<void>; press(key: string): Promise<void> };
  on(event: 'dialog', handler: (dialog: { accept(): Promise<void> }) => void): void;
  on(event: 'pageerror', handler: (error: Error) => void): void;
  on(event: 'console', handler: (message: { type(): string; text(): string }) => void): void;
  close(): Promise<void>;
}
interface Browser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

async function launchChromium(): Promise<Browser> {
  const { chromium } = (await import(pathToFileURL(PLAYWRIGHT).href)) as { chromium: { launch(options: object): Promise<Browser> } };
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A laptop-sized page that accepts confirmations and records script errors. */
async function newPage(browser: Browser, pageErrors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
  page.on('dialog', (dialog) => void dialog.accept());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // A style or script the page's CSP refused is a failure too.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
  });
  return page;
}

/**
 * Waits until `expression`, evaluated in the page, is truthy. Polled from here: the page's CSP
 * (script-src 'self') refuses the eval that Playwright's in-page waitForFunction would need.
 */
async function untilIn(page: Page, expression: string, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(expression).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting in the page for ${expression}; the page shows: ${(await page.locator('main').first().textContent())?.slice(0, 1500)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the console in headless Chromium', { timeout: 240_000 }, () => {
  let wharf: TestWharf;
  let ecs: ECSClient;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  async function register(command: string, image = TEST_IMAGE): Promise<string> {
    const out = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: SERVICE,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        executionRoleArn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'app',
            image,
            command: ['sh', '-c', command],
            stopTimeout: 2,
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': LOG_GROUP, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web', 'awslogs-create-group': 'true' } },
          },
        ],
      }),
    );
    return out.taskDefinition!.taskDefinitionArn!;
  }

  const until = (expression: string, timeout?: number) => untilIn(page, expression, timeout);
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    assert.ok(existsSync(join(ROOT, 'console', 'dist', 'index.html')), 'the console is built (bash scripts/test.sh builds it; or npm ci && npx vite build in console/)');
    assert.ok(existsSync(PLAYWRIGHT), 'playwright-core is installed in console/ (npm ci in console/)');
    assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium, or set WHARF_CHROMIUM)`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await ensureTestImage();
    // A second tag of the test image, for the page's "new image tag" action.
    await docker(['tag', TEST_IMAGE, TEST_IMAGE.replace(':latest', ':v2')]);
    wharf = await startTestWharf({ WHARF_TIME_SCALE: '20' });
    ecs = wharf.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }));
    await register(TICKER);
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: SERVICE,
        desiredCount: 1,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        enableExecuteCommand: true,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } },
        deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    browser = await launchChromium();
    page = await newPage(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
    await wharf?.stop();
  });

  test('a wrong key pair is refused at sign-in', async () => {
    await page.goto(`${wharf.endpoint}/console/`);
    await page.locator('input[name=accessKeyId]').fill(DEFAULT_KEY.accessKeyId);
    await page.locator('input[name=secretAccessKey]').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('sign-in-error').waitFor({ timeout: 10_000 });
    assert.match((await page.getByTestId('sign-in-error').textContent()) ?? '', /refused/i);
    assert.equal(await page.locator('nav').count(), 0, 'still on the sign-in form');
  });

  test('sign in, and the cluster page lists the service with its counts', async () => {
    await page.locator('input[name=secretAccessKey]').fill(DEFAULT_KEY.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until(`document.querySelector('[data-service="${SERVICE}"] [data-testid=running]')?.textContent === '1'`);
    assert.match((await page.getByTestId('identity').textContent()) ?? '', /arn:aws:|AKIA|[A-Z0-9]{16}/);
    await shot('clusters');
  });

  test('scale the service from the page and see the new task appear', async () => {
    await page.goto(`${wharf.endpoint}/console/#/clusters/${CLUSTER}/services/${SERVICE}`);
    await until(`document.querySelectorAll('[data-testid=tasks-table] tr[data-last-status=RUNNING]').length === 1`);
    await page.getByTestId('desired-input').fill('2');
    await page.getByTestId('scale').click();
    await until(`document.querySelectorAll('[data-testid=tasks-table] tr[data-last-status=RUNNING]').length === 2`);
    assert.equal(await page.getByTestId('service-desired').textContent(), '2');
  });

  test('a rolling deployment (a new image tag, from the page) progresses to COMPLETED', async () => {
    await page.getByTestId('image-tag').fill('v2');
    await page.getByTestId('deploy-tag').click();
    // First two deployments on the page (the new PRIMARY in progress, the old ACTIVE)...
    await until(`document.querySelectorAll('[data-testid=deployment]').length === 2 && document.querySelector('[data-testid=deployment][data-status=PRIMARY]')?.dataset.rollout === 'IN_PROGRESS'`, 30_000);
    // ...then one, COMPLETED, on revision 2.
    await until(`(() => { const d = document.querySelectorAll('[data-testid=deployment]'); return d.length === 1 && d[0].dataset.rollout === 'COMPLETED' && d[0].textContent.includes('${SERVICE}:2'); })()`, 90_000);
    const running = await serviceTasksOf(ecs, CLUSTER, SERVICE);
    assert.ok(running.every((t) => t.containers![0]!.image!.endsWith(':v2')), 'the tasks run the new tag');
    await shot('service');
  });

  test('a bad deployment rolls back, with the circuit-breaker count against its threshold', async () => {
    const bad = await register('echo failing on purpose; exit 1');
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: bad }));
    await until(`[...document.querySelectorAll('[data-testid=service-deployments] tr')].some((r) => r.dataset.status === 'ROLLBACK_SUCCESSFUL' || r.dataset.status === 'ROLLBACK_IN_PROGRESS')`, 90_000);
    const counts = await page.locator('[data-testid=service-deployments] tr[data-status^=ROLLBACK] [data-testid=failure-count]').first().textContent();
    const [failures, threshold] = (counts ?? '').split('/').map((n) => Number(n.trim()));
    assert.equal(threshold, 3, counts ?? '');
    assert.ok(failures! >= 3, counts ?? '');
    // The service settles back on revision 2.
    await until(`(() => { const d = document.querySelectorAll('[data-testid=deployment]'); return d.length === 1 && d[0].dataset.rollout === 'COMPLETED' && d[0].textContent.includes('${SERVICE}:2'); })()`, 90_000);
    await until(`document.querySelector('[data-testid=events]').textContent.includes('rolling back')`, 10_000);
    await shot('service-rollback');
  });

  test("tail a task's logs and see a line printed after the page opened; run echo $((6*7)) in the terminal", async () => {
    const [task] = await serviceTasksOf(ecs, CLUSTER, SERVICE);
    const taskId = task!.taskArn!.split('/').pop()!;
    // Container Insights points for the service, as Wharf's sampler publishes them: the charts read
    // them through GetMetricData (per-task figures first, then the service's).
    const now = Date.now();
    await new CloudWatchClient({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } }).send(
      new PutMetricDataCommand({
        Namespace: 'ECS/ContainerInsights',
        MetricData: [0, 1, 2, 3, 4, 5].flatMap((i) => [
          { MetricName: 'CpuUtilized', Dimensions: [{ Name: 'ClusterName', Value: CLUSTER }, { Name: 'ServiceName', Value: SERVICE }], Timestamp: new Date(now - (6 - i) * 10_000), Value: 40 + 20 * i, StorageResolution: 1 },
          { MetricName: 'MemoryUtilized', Dimensions: [{ Name: 'ClusterName', Value: CLUSTER }, { Name: 'ServiceName', Value: SERVICE }], Timestamp: new Date(now - (6 - i) * 10_000), Value: 100 + 30 * i, Unit: 'Megabytes', StorageResolution: 1 },
        ]),
      }),
    );
    await page.goto(`${wharf.endpoint}/console/#/clusters/${CLUSTER}/tasks/${taskId}`);
    await until(`document.querySelector('[data-testid=log-lines]')?.textContent.includes('tick')`, 30_000);
    await until(`document.querySelector('[data-testid=cpu-chart] figcaption')?.textContent.includes('service, per-task average') && document.querySelector('[data-testid=memory-chart] figcaption')?.textContent.includes('service, per-task average')`, 20_000);
    const marker = `printed-after-the-page-opened-${Date.now()}`;
    // Written to the container's own stdout, so it goes through the awslogs driver like any line.
    await docker(['exec', task!.containers![0]!.runtimeId!, 'sh', '-c', `echo ${marker} > /proc/1/fd/1`]);
    await until(`document.querySelector('[data-testid=log-lines]').textContent.includes('${marker}')`, 30_000);

    await page.getByTestId('terminal-open').click();
    await until(`document.querySelector('[data-testid=terminal-state]').textContent.startsWith('connected')`, 30_000);
    await page.locator('[data-testid=terminal] .xterm').click();
    await page.keyboard.type('echo $((6*7))');
    await page.keyboard.press('Enter');
    // The command line echoes without a 42; the answer is a row of its own.
    await until(`[...document.querySelectorAll('[data-testid=terminal] .xterm-rows > div')].some((row) => row.textContent.trim() === '42')`, 30_000);
    assert.deepEqual(pageErrors, [], 'no script error and nothing the CSP refused (xterm.js styles carry the nonce)');
    const styles = (await page.evaluate(`[...document.querySelectorAll('[data-testid=terminal] style')].map((s) => s.sheet ? s.sheet.cssRules.length : -1)`)) as number[];
    assert.ok(styles.length > 0 && styles.every((rules) => rules > 0), `xterm.js's style elements applied: ${JSON.stringify(styles)}`);
    await shot('task');
  });

  test('interrupt a Spot task from its page (the signed admin call): it stops with SpotInterruption and is replaced', async () => {
    const spot = (await serviceTasksOf(ecs, CLUSTER, SERVICE)).find((t) => t.capacityProviderName === 'FARGATE_SPOT');
    assert.ok(spot, 'the service runs a FARGATE_SPOT task (strategy FARGATE base 1, then 1:1)');
    await page.goto(`${wharf.endpoint}/console/#/clusters/${CLUSTER}/tasks/${spot.taskArn!.split('/').pop()}`);
    await page.getByTestId('interrupt-spot').click();
    await until(`document.querySelector('[data-testid=stopped-reason]')?.textContent.includes('SpotInterruption')`, 20_000);
    await page.goto(`${wharf.endpoint}/console/#/clusters/${CLUSTER}/services/${SERVICE}`);
    await until(`document.querySelectorAll('[data-testid=tasks-table] tr[data-last-status=RUNNING]').length === 2 && !document.querySelector('[data-testid=tasks-table] tr[data-task="${spot.taskArn!.split('/').pop()}"][data-last-status=RUNNING]')`, 30_000);
  });

  test('the other pages render without errors; a secret value shows only when asked for (screenshots for the docs)', async () => {
    const config = { endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } };
    await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    await new SecretsManagerClient(config).send(new CreateSecretCommand({ Name: 'db-password', SecretString: 'console-secret-value' }));
    const scaling = new ApplicationAutoScalingClient(config);
    const resource = { ServiceNamespace: 'ecs' as const, ResourceId: `service/${CLUSTER}/${SERVICE}`, ScalableDimension: 'ecs:service:DesiredCount' as const };
    await scaling.send(new RegisterScalableTargetCommand({ ...resource, MinCapacity: 1, MaxCapacity: 4 }));
    await scaling.send(new PutScalingPolicyCommand({ ...resource, PolicyName: 'cpu50', PolicyType: 'TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } } }));
    for (const [path, name, ready] of [
      ['load-balancers', 'load-balancers', 'h1'],
      [`scaling/${CLUSTER}/${SERVICE}`, 'scaling', '[data-testid=scaling-chart]'],
      ['log-groups/' + encodeURIComponent(LOG_GROUP), 'log-groups', 'table'],
      ['repositories', 'repositories', 'h1'],
      ['secrets', 'secrets', 'h1'],
    ] as const) {
      await page.goto(`${wharf.endpoint}/console/#/${path}`);
      await page.locator(ready).first().waitFor({ timeout: 10_000 });
      await until(`!document.body.textContent.includes('Loading')`, 10_000);
      assert.equal(await page.locator('[role=alert].error').count(), 0, `${name}: ${await page.locator('main').first().textContent()}`);
      await shot(name);
    }
    // The secrets page (open last) lists the name; the value only after "Show value" (GetSecretValue).
    assert.ok(!((await page.locator('main').first().textContent()) ?? '').includes('console-secret-value'));
    await page.getByRole('button', { name: 'Show value' }).first().click();
    await until(`document.querySelector('main').textContent.includes('console-secret-value')`, 10_000);
    await page.goto(`${wharf.endpoint}/console/#/scaling/${CLUSTER}/${SERVICE}`);
    await until(`document.querySelector('main').textContent.includes('cpu50') && document.querySelector('main').textContent.includes('TargetTracking-service/${CLUSTER}/${SERVICE}')`, 10_000);
    assert.deepEqual(pageErrors, []);
  });
});

describe('a Wharf restart while the console is open', { timeout: 90_000 }, () => {
  test('the page says Wharf is not answering, then reconnects by itself and updates again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-console-'));
    let running: RunningWharf = await startWharf(loadConfig({ port: '0', 'data-dir': dataDir }, {}), silentLogger);
    const port = running.port;
    const endpoint = `http://127.0.0.1:${port}`;
    const browser = await launchChromium();
    const pageErrors: string[] = [];
    try {
      const ecs = ecsClientAt(endpoint);
      await ecs.send(new CreateClusterCommand({ clusterName: 'quiet' }));
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'idle', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image: TEST_IMAGE }] }));
      await ecs.send(new CreateServiceCommand({ cluster: 'quiet', serviceName: 'idle', taskDefinition: 'idle', desiredCount: 0, launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'] } } }));
      const page = await newPage(browser, pageErrors);
      await page.goto(`${endpoint}/console/#/clusters/quiet/services/idle`);
      await page.locator('input[name=accessKeyId]').fill(DEFAULT_KEY.accessKeyId);
      await page.locator('input[name=secretAccessKey]').fill(DEFAULT_KEY.secretAccessKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await untilIn(page, `document.querySelector('[data-testid=service-desired]')?.textContent === '0'`, 10_000);

      await running.close();
      await untilIn(page, `!!document.querySelector('[data-testid=connection-lost]')`, 15_000);
      assert.match((await page.getByTestId('connection-lost').textContent()) ?? '', /not answering/);

      running = await startWharf(loadConfig({ port: String(port), 'data-dir': dataDir }, {}), silentLogger);
      await untilIn(page, `!document.querySelector('[data-testid=connection-lost]')`, 15_000);
      // Still signed in, and live again: a change made now shows on the page.
      await ecsClientAt(endpoint).send(new UpdateServiceCommand({ cluster: 'quiet', service: 'idle', desiredCount: 0, forceNewDeployment: true }));
      await untilIn(page, `document.querySelectorAll('[data-testid=service-deployments] tr[data-status]').length === 2`, 15_000);
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
