import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ensureTestImage } from '../e2e/test-images.js';
import {
  ImagePullError,
  WHARF_LABELS,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type RuntimeEvent,
  type Sandbox,
  type SandboxSpec,
} from '../ports/runtime.js';

export interface RuntimeContractOptions {
  /** The image the contract's containers run (busybox with its applets); must already be in the engine. */
  readonly testImage?: () => Promise<string>;
}

/**
 * What both parts of the contract share, set up inside their describe():
 * everything a run creates carries a per-run label and name prefix and is
 * removed in after(), even when a test fails half-way. `rt` and `image` are
 * there once before() has run.
 */
function contractHarness(newRuntime: () => Promise<ContainerRuntime>, options: RuntimeContractOptions) {
  const run = randomBytes(4).toString('hex');
  const RUN_LABEL = 'wharf.test-run';
  const events: RuntimeEvent[] = [];
  const sandboxes: Sandbox[] = [];
  const containers: string[] = [];
  let stopEvents: (() => void) | undefined;
  let counter = 0;
  const h = {
    run,
    RUN_LABEL,
    events,
    rt: undefined as unknown as ContainerRuntime,
    image: '',

    uniqueName: (what: string): string => `wharf-ct-${run}-${what}-${++counter}`,

    async newSandbox(spec: Partial<SandboxSpec> = {}): Promise<Sandbox> {
      const sandbox = await h.rt.createSandbox({
        name: h.uniqueName('pause'),
        labels: { [RUN_LABEL]: run, [WHARF_LABELS.taskKey]: `task-${counter}` },
        portMappings: [],
        ...spec,
      });
      sandboxes.push(sandbox);
      return sandbox;
    },

    async newContainer(sandbox: Sandbox, spec: Partial<ContainerSpec> & { command: string[] }): Promise<string> {
      const id = await h.rt.createContainer({
        name: h.uniqueName('app'),
        image: h.image,
        labels: { [RUN_LABEL]: run, [WHARF_LABELS.containerName]: 'app' },
        sandbox: { containerId: sandbox.containerId, cgroupParent: sandbox.cgroupParent },
        environment: {},
        stopTimeoutSeconds: 10,
        ...spec,
      });
      containers.push(id);
      return id;
    },

    async runContainer(sandbox: Sandbox, spec: Partial<ContainerSpec> & { command: string[] }): Promise<string> {
      const id = await h.newContainer(sandbox, spec);
      await h.rt.startContainer(id);
      return id;
    },

    /** Polls until `probe` returns a value, failing with `what` at the deadline. */
    async waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 100): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      for (;;) {
        try {
          const value = await probe();
          if (value !== undefined) return value;
        } catch (err) {
          lastError = err;
        }
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },

    waitExited: (id: string, timeoutMs = 15_000): Promise<ContainerState> =>
      h.waitFor(`container ${id.slice(0, 12)} to exit`, async () => {
        const state = await h.rt.inspectContainer(id);
        return state?.status === 'exited' ? state : undefined;
      }, timeoutMs),

    waitEvent: (what: string, pred: (e: RuntimeEvent) => boolean, timeoutMs = 15_000): Promise<RuntimeEvent> =>
      h.waitFor(what, () => events.find(pred), timeoutMs),
  };

  before(async () => {
    h.rt = await newRuntime();
    h.image = await (options.testImage ?? ensureTestImage)();
    stopEvents = h.rt.subscribe((e) => events.push(e));
  });

  after(async () => {
    stopEvents?.();
    const rt = h.rt;
    const failures: unknown[] = [];
    // Anything labelled with this run, including what a failed test did not get to record.
    const leftovers = rt ? (await rt.listManaged()).filter((c) => c.labels[RUN_LABEL] === run) : [];
    const ids = new Set([...containers, ...leftovers.filter((c) => c.labels[WHARF_LABELS.role] !== 'pause').map((c) => c.id)]);
    for (const id of ids) await rt.removeContainer(id).catch((e: unknown) => failures.push(e));
    for (const sandbox of sandboxes) await rt.removeSandbox(sandbox).catch((e: unknown) => failures.push(e));
    for (const c of leftovers) if (!sandboxes.some((s) => s.containerId === c.id)) await rt.removeContainer(c.id).catch((e: unknown) => failures.push(e));
    assert.deepEqual(failures, [], 'cleanup failed');
  });

  return h;
}

/**
 * What every ContainerRuntime must show through the port alone, the fake
 * runtime of the controller tests included: images, sandboxes and their
 * addresses, the container lifecycle as inspect, events and listManaged
 * report it, idempotent stops and removals, and what missing things answer.
 * Nothing here depends on what a container's process does.
 */
export function runRuntimeContract(name: string, newRuntime: () => Promise<ContainerRuntime>, options: RuntimeContractOptions = {}): void {
  describe(`ContainerRuntime contract: ${name}`, () => {
    const h = contractHarness(newRuntime, options);
    const { run, RUN_LABEL, newSandbox, newContainer, runContainer, waitFor, waitEvent } = h;

    test('ping answers and capacity reports the host', async () => {
      await h.rt.ping();
      const capacity = await h.rt.capacity();
      assert.ok(capacity.cpuUnits >= 1024 && capacity.cpuUnits % 1024 === 0, `cpuUnits ${capacity.cpuUnits}`);
      assert.ok(capacity.memoryMiB > 256, `memoryMiB ${capacity.memoryMiB}`);
    });

    test('ensureImage finds a local image and reports a missing one as ImagePullError', async () => {
      const local = await h.rt.ensureImage(h.image);
      assert.match(local.imageId, /^sha256:[0-9a-f]{64}$/);
      assert.equal(local.pulled, false);
      // Built locally, never pulled: no registry ever served it, so it has no manifest digest.
      assert.equal(local.repoDigest, undefined);
      const missing = `wharf-test/missing-${run}:1`;
      await assert.rejects(h.rt.ensureImage(missing), (err: unknown) => {
        assert.ok(err instanceof ImagePullError, `not an ImagePullError: ${String(err)}`);
        assert.equal(err.image, missing);
        // The engine's own reason, not a client library's wrapper around it.
        assert.ok(err.message.length > 0);
        assert.doesNotMatch(err.message, /HTTP code/);
        return true;
      });
    });

    test('ensureImage refuses a malformed reference in the engine\'s words, before asking it', async () => {
      for (const image of ['/fuzz', 'a//b:1', 'wharf-test/../x']) {
        await assert.rejects(h.rt.ensureImage(image), (err: unknown) => err instanceof ImagePullError && err.image === image && err.message === 'invalid reference format' && !err.notFound);
      }
    });

    test('createContainer never pulls: a missing image is an error', async () => {
      const sandbox = await newSandbox();
      await assert.rejects(newContainer(sandbox, { image: `wharf-test/missing-${run}:1`, command: ['true'] }));
    });

    test('a sandbox gets an address in its subnet, a MAC address and a 127.0.0.1 port per mapping', async () => {
      const sandbox = await newSandbox({ portMappings: [{ containerPort: 8080, protocol: 'tcp' }], hostname: 'web' });
      assert.match(sandbox.ipv4Address, /^\d+\.\d+\.\d+\.\d+$/);
      assert.ok(inCidr(sandbox.ipv4Address, sandbox.subnetCidr), `${sandbox.ipv4Address} in ${sandbox.subnetCidr}`);
      assert.ok(inCidr(sandbox.gateway, sandbox.subnetCidr), `${sandbox.gateway} in ${sandbox.subnetCidr}`);
      assert.match(sandbox.macAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.equal(sandbox.hostPorts.length, 1);
      const [binding] = sandbox.hostPorts;
      assert.equal(binding!.containerPort, 8080);
      assert.equal(binding!.protocol, 'tcp');
      assert.equal(binding!.bindIP, '127.0.0.1');
      assert.ok(binding!.hostPort > 0);
    });

    test('a started container runs; stopped, it has exited with its times, and start and die events carry its labels', async () => {
      const sandbox = await newSandbox();
      // With an init process, SIGTERM reaches sleep, which dies of it.
      const id = await runContainer(sandbox, { command: ['sleep', '1000'], initProcessEnabled: true });
      await waitFor('the container to run', async () => ((await h.rt.inspectContainer(id))?.status === 'running' ? true : undefined));
      // Stopped right after it reports running, the init process may not have started sleep yet and the
      // SIGTERM can be lost: SIGKILL after the timeout is then the answer (the engine contract tests SIGTERM itself).
      await h.rt.stopContainer(id, 1);
      const state = await h.rt.inspectContainer(id);
      assert.equal(state?.status, 'exited');
      assert.ok([0, 137, 143].includes(state?.exitCode ?? -1), `exit code ${state?.exitCode}`);
      assert.equal(state?.oomKilled, false);
      assert.ok(state?.startedAt instanceof Date && state.finishedAt instanceof Date);
      assert.ok(state.finishedAt.getTime() >= state.startedAt.getTime());
      assert.equal(state.labels[RUN_LABEL], run);
      assert.equal(state.labels[WHARF_LABELS.managed], 'true');
      assert.equal(state.labels[WHARF_LABELS.role], 'app');
      const start = await waitEvent('a start event', (e) => e.kind === 'start' && e.containerId === id);
      assert.equal(start.labels[RUN_LABEL], run);
      const die = await waitEvent('a die event', (e) => e.kind === 'die' && e.containerId === id);
      assert.ok(die.kind === 'die');
      assert.equal(die.exitCode, state.exitCode);
      assert.equal(die.labels[WHARF_LABELS.role], 'app');
      // Stopping again, or stopping what does not exist, is fine.
      await h.rt.stopContainer(id, 1);
      await h.rt.stopContainer(`wharf-ct-${run}-nonexistent`, 1);
    });

    test('a created container has no exit code and no times yet', async () => {
      const sandbox = await newSandbox();
      const id = await newContainer(sandbox, { command: ['true'] });
      const state = await h.rt.inspectContainer(id);
      assert.equal(state?.status, 'created');
      assert.equal(state?.exitCode, undefined);
      assert.equal(state?.startedAt, undefined);
      assert.equal(state?.finishedAt, undefined);
    });

    test('listManaged finds the pause and app containers by label', async () => {
      const sandbox = await newSandbox();
      const id = await newContainer(sandbox, { command: ['true'] });
      const mine = (await h.rt.listManaged()).filter((c) => c.labels[RUN_LABEL] === run);
      const app = mine.find((c) => c.id === id);
      const pause = mine.find((c) => c.id === sandbox.containerId);
      assert.equal(app?.labels[WHARF_LABELS.role], 'app');
      assert.equal(app?.status, 'created');
      assert.match(app?.imageId ?? '', /^sha256:/);
      assert.equal(pause?.labels[WHARF_LABELS.role], 'pause');
      assert.equal(pause?.status, 'running');
      for (const c of mine) assert.equal(c.labels[WHARF_LABELS.managed], 'true');
      // Every label given must match: the task key picks out the sandbox alone.
      const byKey = await h.rt.listManaged({ [RUN_LABEL]: run, [WHARF_LABELS.taskKey]: pause!.labels[WHARF_LABELS.taskKey]! });
      assert.deepEqual(byKey.map((c) => c.id), [sandbox.containerId]);
      // The uninspected list names the same containers with the same labels.
      const labelled = (await h.rt.listManagedLabels({ [RUN_LABEL]: run })).sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(labelled, mine.map((c) => ({ id: c.id, labels: c.labels })).sort((a, b) => a.id.localeCompare(b.id)));
      assert.deepEqual((await h.rt.listManagedLabels({ [RUN_LABEL]: run, [WHARF_LABELS.taskKey]: pause!.labels[WHARF_LABELS.taskKey]! })).map((c) => c.id), [sandbox.containerId]);
    });

    test('removal is forcible and idempotent; inspect of a removed container is undefined', async () => {
      const sandbox = await newSandbox({ memoryMiB: 128 });
      const id = await runContainer(sandbox, { command: ['sleep', '1000'] });
      await h.rt.removeContainer(id);
      assert.equal(await h.rt.inspectContainer(id), undefined);
      await h.rt.removeContainer(id);
      await h.rt.removeSandbox(sandbox);
      assert.equal(await h.rt.inspectContainer(sandbox.containerId), undefined);
      await h.rt.removeSandbox(sandbox);
    });

    test('a missing container has no logs and no stats, and a removed sandbox no usage', async () => {
      const lines = [];
      for await (const line of h.rt.followLogs(`missing-${run}`)) lines.push(line);
      assert.deepEqual(lines, []);
      assert.equal(await h.rt.containerStats(`missing-${run}`), undefined);
      const sandbox = await newSandbox();
      await h.rt.removeSandbox(sandbox);
      assert.equal(await h.rt.taskUsage(sandbox, []), undefined);
    });
  });
}

/**
 * What only an engine that really runs the containers' processes can show
 * (the Docker adapter, and any adapter for real hosts): exit codes, the
 * network namespace, task-level limits and OOM kills, SIGTERM and SIGKILL,
 * health checks, output and resource use.
 */
export function runEngineRuntimeContract(name: string, newRuntime: () => Promise<ContainerRuntime>, options: RuntimeContractOptions = {}): void {
  describe(`ContainerRuntime contract, on an engine: ${name}`, () => {
    const h = contractHarness(newRuntime, options);
    const { run, RUN_LABEL, newSandbox, runContainer, waitFor, waitExited, waitEvent } = h;

    test('an app answers through the sandbox\'s published port', async () => {
      const sandbox = await newSandbox({ portMappings: [{ containerPort: 8080, protocol: 'tcp' }], hostname: 'web' });
      const [binding] = sandbox.hostPorts;
      await runContainer(sandbox, {
        command: ['sh', '-c', 'mkdir -p /www && echo "hello $MARK" > /www/index.html && exec httpd -f -p 8080 -h /www'],
        environment: { MARK: run },
      });
      // The engine's port proxy accepts before httpd listens (then resets): wait for a real answer.
      const body = await waitFor('an HTTP answer through the published port', async () => {
        const res = await fetch(`http://127.0.0.1:${binding!.hostPort}/`, { signal: AbortSignal.timeout(2_000) });
        return res.ok ? await res.text() : undefined;
      });
      assert.equal(body.trim(), `hello ${run}`);
    });

    test('two containers of one sandbox talk over localhost', async () => {
      const sandbox = await newSandbox();
      await runContainer(sandbox, { command: ['sh', '-c', `mkdir -p /www && echo token-${run} > /www/index.html && exec httpd -f -p 8081 -h /www`] });
      // No wget -T: busybox 1.35's wget crashes with it. The loop gives up on its own.
      const client = await runContainer(sandbox, {
        command: ['sh', '-c', `i=0; while [ $i -lt 100 ]; do wget -q -O - http://127.0.0.1:8081/ 2>/dev/null | grep -q token-${run} && exit 0; i=$((i+1)); sleep 0.1; done; exit 1`],
      });
      const state = await waitExited(client);
      assert.equal(state.exitCode, 0);
    });

    test('an exit code is reported by inspect and by the die event', async () => {
      const sandbox = await newSandbox();
      const id = await runContainer(sandbox, { command: ['sh', '-c', 'exit 3'] });
      const state = await waitExited(id);
      assert.equal(state.exitCode, 3);
      assert.equal(state.oomKilled, false);
      assert.ok(state.startedAt instanceof Date && state.finishedAt instanceof Date);
      assert.ok(state.finishedAt.getTime() >= state.startedAt.getTime());
      assert.equal(state.labels[RUN_LABEL], run);
      assert.equal(state.labels[WHARF_LABELS.managed], 'true');
      assert.equal(state.labels[WHARF_LABELS.role], 'app');
      await waitEvent('a start event', (e) => e.kind === 'start' && e.containerId === id);
      const die = await waitEvent('a die event', (e) => e.kind === 'die' && e.containerId === id);
      assert.ok(die.kind === 'die');
      assert.equal(die.exitCode, 3);
      assert.equal(die.labels[RUN_LABEL], run);
    });

    test('the task-level memory limit OOM-kills a container that exceeds it', async () => {
      const sandbox = await newSandbox({ memoryMiB: 64, cpuUnits: 512 });
      // No container limit: only the task's 64 MiB bounds the doubling string.
      const id = await runContainer(sandbox, { command: ['sh', '-c', 'x=0123456789abcdef; while :; do x=$x$x; done'] });
      const state = await waitExited(id, 20_000);
      assert.equal(state.exitCode, 137);
      assert.equal(state.oomKilled, true);
      await waitEvent('an oom event', (e) => e.kind === 'oom' && e.containerId === id);
      await waitEvent('a die event with 137', (e) => e.kind === 'die' && e.containerId === id && e.exitCode === 137);
    });

    test('stop kills a container that ignores SIGTERM after the timeout; one that honours it exits at once', async () => {
      const sandbox = await newSandbox();
      const stubborn = await runContainer(sandbox, { command: ['sh', '-c', "trap '' TERM; sleep 1000"] });
      // With an init process, SIGTERM reaches sleep, which dies of it.
      const polite = await runContainer(sandbox, { command: ['sleep', '1000'], initProcessEnabled: true });
      await waitFor('both running', async () => ((await h.rt.inspectContainer(stubborn))?.status === 'running' && (await h.rt.inspectContainer(polite))?.status === 'running') || undefined);

      const t0 = Date.now();
      await h.rt.stopContainer(stubborn, 2);
      const stubbornMs = Date.now() - t0;
      const t1 = Date.now();
      await h.rt.stopContainer(polite, 10);
      const politeMs = Date.now() - t1;

      assert.ok(stubbornMs >= 1_800 && stubbornMs < 8_000, `ignored SIGTERM: stopped after ${stubbornMs} ms`);
      assert.equal((await h.rt.inspectContainer(stubborn))?.exitCode, 137);
      assert.ok(politeMs < 2_000, `honoured SIGTERM: stopped after ${politeMs} ms`);
      assert.ok([0, 143].includes((await h.rt.inspectContainer(polite))?.exitCode ?? -1));
      // Stopping again, or stopping what does not exist, is fine.
      await h.rt.stopContainer(polite, 1);
      await h.rt.stopContainer(`wharf-ct-${run}-nonexistent`, 1);
    });

    test('a passing health check is reported healthy by an event and by inspect', async () => {
      const sandbox = await newSandbox();
      const id = await runContainer(sandbox, {
        command: ['sleep', '1000'],
        initProcessEnabled: true,
        healthCheck: { command: ['CMD-SHELL', 'exit 0'], intervalSeconds: 1, timeoutSeconds: 2, retries: 1 },
      });
      const event = await waitEvent('a healthy event', (e) => e.kind === 'health' && e.containerId === id && e.health === 'healthy');
      assert.equal(event.labels[RUN_LABEL], run);
      assert.equal((await h.rt.inspectContainer(id))?.health, 'healthy');
    });

    test('followLogs yields stdout and stderr lines in order with nanosecond timestamps, and ends once the container exited', async () => {
      const sandbox = await newSandbox();
      const id = await runContainer(sandbox, { command: ['sh', '-c', 'for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.2; done; sleep 0.2; printf tail'] });
      const followed = [];
      for await (const line of h.rt.followLogs(id)) followed.push(line);
      await waitExited(id);
      // The engine may end a follow before its last output is copied: a read after the exit drains it.
      const lines = [];
      for await (const line of h.rt.followLogs(id)) lines.push(line);
      assert.deepEqual(followed, lines.slice(0, followed.length));
      // stdout and stderr are separate pipes: each keeps its own order.
      assert.deepEqual(lines.filter((l) => l.stream === 'stdout').map((l) => l.line), ['out 1', 'out 2', 'out 3', 'tail']);
      assert.deepEqual(lines.filter((l) => l.stream === 'stderr').map((l) => l.line), ['err 1', 'err 2', 'err 3']);
      for (const line of lines) assert.match(line.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
      // `since` skips what the engine received before it; following an exited container drains and ends.
      const later = [];
      for await (const line of h.rt.followLogs(id, { since: Math.floor(Date.now() / 1000) + 5 })) later.push(line);
      assert.deepEqual(later, []);
    });

    test('followLogs stops when its signal aborts', async () => {
      const sandbox = await newSandbox();
      const id = await runContainer(sandbox, { command: ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'] });
      const controller = new AbortController();
      let count = 0;
      for await (const _line of h.rt.followLogs(id, { signal: controller.signal })) {
        if (++count === 3) controller.abort();
      }
      assert.ok(count >= 3);
      await h.rt.removeContainer(id);
    });

    test('containerStats reports the engine stats document of a busy container; a missing one has none', async () => {
      const sandbox = await newSandbox({ memoryMiB: 128 });
      const id = await runContainer(sandbox, { command: ['sh', '-c', 'while :; do :; done'] });
      const stats = (await h.rt.containerStats(id)) as any;
      assert.ok(stats, 'stats of a running container');
      assert.ok(stats.cpu_stats.cpu_usage.total_usage > 0, 'cpu used');
      assert.ok(stats.memory_stats.usage > 0, 'memory used');
      assert.ok(stats.precpu_stats, 'the previous sample, for a CPU rate');
      assert.ok(typeof stats.read === 'string');
      await h.rt.removeContainer(id);
      assert.equal(await h.rt.containerStats(id), undefined);
    });

    test('taskUsage reads the task cgroup and namespace at once: CPU grows under a busy loop, memory and eth0 are seen; a removed sandbox has none', async () => {
      const sandbox = await newSandbox({ cpuUnits: 256, memoryMiB: 128 });
      const id = await runContainer(sandbox, { command: ['sh', '-c', 'while :; do :; done'] });
      // The streaming fallback has nothing until its first document arrives.
      const first = await waitFor('a first usage reading', () => h.rt.taskUsage(sandbox, [id]));
      const started = Date.now();
      const second = await waitFor('CPU to advance', async () => {
        const usage = await h.rt.taskUsage(sandbox, [id]);
        return usage && usage.cpuNanos > first.cpuNanos + 100_000_000 ? usage : undefined;
      });
      assert.ok(Date.now() - started < 5_000, 'readings do not wait for a sample');
      assert.ok(second.memoryBytes > 0 && second.memoryUsageBytes >= second.memoryBytes, 'memory in use, cache left out');
      assert.ok(second.timestamp >= first.timestamp);
      assert.ok(Object.keys(second.networks).length >= 1 && !('lo' in second.networks), `the task's interfaces without lo: ${Object.keys(second.networks)}`);
      const container = second.containers[id];
      if (container) assert.ok(container.cpuNanos > 0 && container.cpuNanos <= second.cpuNanos, 'a container is part of its task');
      await h.rt.removeContainer(id);
      await h.rt.removeSandbox(sandbox);
      assert.equal(await h.rt.taskUsage(sandbox, [id]), undefined);
    });
  });
}

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (s: string): number => s.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const [base, len] = cidr.split('/');
  const mask = Number(len) === 0 ? 0 : (~0 << (32 - Number(len))) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(base!) & mask) >>> 0);
}
