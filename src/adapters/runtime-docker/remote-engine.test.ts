import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { TEST_IMAGE } from '../../e2e/test-images.js';
import { WHARF_LABELS, type Sandbox } from '../../ports/runtime.js';
import { DockerRuntime } from './docker-runtime.js';
import { engineAddress } from './engine-address.js';
import { engineLimitsLayout, nestedTaskParent, pauseIdOf, pauseResources } from './engine-task-limits.js';

const MiB = 1024 * 1024;
/** The first of the engines `npm test` starts (ensure_extra_engines in scripts/lib/setup.sh). */
const url = (process.env.WHARF_TEST_ENGINES ?? '').split(',').map((s) => s.trim()).find((s) => s !== '');

describe('remote engine addresses and limits (no engine needed)', () => {
  test('a tcp:// URL becomes dockerode host options; the port defaults as the docker CLI does; a socket path stays a socket', () => {
    assert.deepEqual(engineAddress({}), { address: '/var/run/docker.sock', remote: false, dockerOptions: { socketPath: '/var/run/docker.sock' } });
    assert.deepEqual(engineAddress({ socketPath: '/tmp/d.sock' }).dockerOptions, { socketPath: '/tmp/d.sock' });
    assert.deepEqual(engineAddress({ host: { url: 'tcp://10.0.0.5:2375' } }), { address: 'tcp://10.0.0.5:2375', remote: true, dockerOptions: { host: '10.0.0.5', port: 2375, protocol: 'http' } });
    assert.equal(engineAddress({ host: { url: 'tcp://engine.example' } }).address, 'tcp://engine.example:2375');
    const tls = engineAddress({ host: { url: 'tcp://[fd00::5]', tls: { ca: 'CA', cert: 'CERT', key: 'KEY' } } });
    assert.equal(tls.address, 'tcp://[fd00::5]:2376');
    assert.deepEqual(tls.dockerOptions, { host: 'fd00::5', port: 2376, protocol: 'https', ca: 'CA', cert: 'CERT', key: 'KEY' });
    for (const bad of ['http://10.0.0.5:2375', 'tcp://', 'tcp://a:99999', '10.0.0.5:2375', 'tcp://a:1/x']) {
      assert.throws(() => engineAddress({ host: { url: bad } }), /not a Docker engine address/, bad);
    }
    assert.throws(() => engineAddress({ socketPath: '/s', host: { url: 'tcp://a:1' } }), /not both/);
  });

  test('the engine makes the task parent on cgroupfs v1 only; limits map as on a local parent; the parent names its pause container', () => {
    assert.equal(engineLimitsLayout({ CgroupDriver: 'cgroupfs', CgroupVersion: '1' }), 'nested');
    assert.equal(engineLimitsLayout({ CgroupDriver: 'cgroupfs', CgroupVersion: '2' }), 'unmanaged');
    assert.equal(engineLimitsLayout({ CgroupDriver: 'systemd', CgroupVersion: '1' }), 'unmanaged');
    assert.deepEqual(pauseResources({ cpuUnits: 512, memoryMiB: 128 }), { Memory: 128 * MiB, MemorySwap: 128 * MiB, CpuShares: 512, CpuPeriod: 100_000, CpuQuota: 50_000 });
    assert.deepEqual(pauseResources({}), { Memory: 0, MemorySwap: 0, CpuShares: 0, CpuPeriod: 0, CpuQuota: 0 });
    assert.equal(pauseResources({ cpuUnits: 1 }).CpuQuota, 1000, 'the kernel refuses quotas under 1 ms');
    const id = 'a'.repeat(64);
    assert.equal(nestedTaskParent('wharf', id), `/wharf/${id}`);
    assert.equal(pauseIdOf('wharf', `/wharf/${id}`), id);
    assert.equal(pauseIdOf('wharf', ''), undefined);
    assert.equal(pauseIdOf('wharf', '/wharf/wharf-t1-pause'), undefined, "a local engine's parent is not a pause container");
    assert.throws(() => nestedTaskParent('wharf', 'x/../y'));
  });
});

if (!url) {
  test('a remote Docker engine to test against (WHARF_TEST_ENGINES)', () => {
    assert.fail(
      'WHARF_TEST_ENGINES is not set: the remote-engine tests need a second Docker engine over tcp://. ' +
        '`npm test` starts one (ensure_extra_engines in scripts/lib/setup.sh) and sets it; to run these tests alone, ' +
        'start it that way and set WHARF_TEST_ENGINES=tcp://10.203.1.2:2375.',
    );
  });
} else {
  const run = randomBytes(4).toString('hex');
  const networkName = `wharf-rt-remote-${run}`;
  const cgroupRoot = 'wharf-remote-test';
  const engineUrl = url;
  const docker = new Docker(engineAddress({ host: { url: engineUrl } }).dockerOptions);
  const newRuntime = (): DockerRuntime => new DockerRuntime({ host: { url: engineUrl }, networkName, cgroupRoot });

  describe(`DockerRuntime on the remote engine at ${engineUrl}`, () => {
    after(async () => {
      // The sandboxes went with their tests; now this run's own network on the engine.
      try {
        await docker.getNetwork(networkName).remove();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      }
    });

    test('it is remote, named by its URL, and capacity is the remote engine\'s own CPUs and memory', async () => {
      const rt = newRuntime();
      assert.equal(rt.remote, true);
      assert.equal(rt.engineAddress, engineUrl);
      await rt.ping();
      const info = (await docker.info()) as { NCPU: number; MemTotal: number };
      assert.deepEqual(await rt.capacity(), { cpuUnits: info.NCPU * 1024, memoryMiB: Math.floor(info.MemTotal / MiB) });
      await assert.rejects(rt.taskCgroups(), /remote/);
      assert.deepEqual(await rt.sweepLeftoverCgroups(0), []);
    });

    test('ping names the engine\'s address when nothing answers there', async () => {
      const nobody = engineUrl.replace(/:\d+$/, ':1');
      const rt = new DockerRuntime({ host: { url: nobody } });
      await assert.rejects(rt.ping(), (err: Error) => {
        assert.match(err.message, new RegExp(`does not answer at ${nobody.replace(/[.]/g, '\\.')} `));
        assert.doesNotMatch(err.message, /docker\.sock|systemctl/);
        return true;
      });
    });

    test('a task sandbox\'s cpu/memory limits are on the engine\'s pause container (HostConfig); its containers go below it; limitSandbox changes them through the engine', async (t) => {
      const rt = newRuntime();
      const layout = engineLimitsLayout((await docker.info()) as { CgroupDriver?: string; CgroupVersion?: string });
      assert.equal(await rt.remoteLimitsLayout(), layout);
      if (layout !== 'nested') return t.skip(`the engine's cgroup layout does not let it hold task limits (${layout})`);
      const sandboxes: Sandbox[] = [];
      const apps: string[] = [];
      try {
        const sandbox = await rt.createSandbox({ name: `wharf-rt-${run}-limits`, labels: {}, portMappings: [], cpuUnits: 512, memoryMiB: 128 });
        sandboxes.push(sandbox);
        assert.equal(sandbox.cgroupParent, `/${cgroupRoot}/${sandbox.containerId}`);
        const pause = await docker.getContainer(sandbox.containerId).inspect();
        assert.equal(pause.HostConfig.CgroupParent, `/${cgroupRoot}`);
        assert.equal(pause.Config.Labels[WHARF_LABELS.cgroupParent], `/${cgroupRoot}`);
        assert.deepEqual(
          [pause.HostConfig.Memory, pause.HostConfig.MemorySwap, pause.HostConfig.CpuShares, pause.HostConfig.CpuPeriod, pause.HostConfig.CpuQuota],
          [128 * MiB, 128 * MiB, 512, 100_000, 50_000],
        );

        const app = await rt.createContainer({
          name: `wharf-rt-${run}-app`,
          image: TEST_IMAGE,
          labels: {},
          sandbox: { containerId: sandbox.containerId, cgroupParent: sandbox.cgroupParent },
          environment: {},
          command: ['sleep', '1000'],
          initProcessEnabled: true,
          stopTimeoutSeconds: 1,
        });
        apps.push(app);
        await rt.startContainer(app);
        assert.equal((await docker.getContainer(app).inspect()).HostConfig.CgroupParent, sandbox.cgroupParent);
        assert.equal((await rt.inspectContainer(app))?.status, 'running', 'runc accepted the pause container\'s cgroup as the parent');

        // The usage comes from the engine's stats: the pause container's document holds the task, its limit included.
        const deadline = Date.now() + 10_000;
        let usage = await rt.taskUsage(sandbox, [app]);
        while ((!usage || !usage.containers[app]) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          usage = await rt.taskUsage(sandbox, [app]);
        }
        assert.ok(usage, 'a usage reading from the engine');
        assert.equal(usage.memoryLimitBytes, 128 * MiB);
        assert.ok(usage.memoryUsageBytes >= (usage.containers[app]?.memoryUsageBytes ?? 0), 'the task holds its container');

        await rt.limitSandbox(sandbox.cgroupParent, { cpuUnits: 1024, memoryMiB: 256 });
        const raised = (await docker.getContainer(sandbox.containerId).inspect()).HostConfig;
        assert.deepEqual([raised.Memory, raised.MemorySwap, raised.CpuShares, raised.CpuQuota], [256 * MiB, 256 * MiB, 1024, 100_000]);

        // A sandbox made ahead of its task (the warm pool) starts without limits and gets them later.
        const pooled = await rt.createSandbox({ name: `wharf-rt-${run}-pool`, labels: {}, portMappings: [] });
        sandboxes.push(pooled);
        const bare = (await docker.getContainer(pooled.containerId).inspect()).HostConfig;
        assert.deepEqual([bare.Memory, bare.CpuQuota], [0, 0], 'no limit until the task gives one (not the 8 MiB of a lone pause)');
        await rt.limitSandbox(pooled.cgroupParent, { cpuUnits: 256, memoryMiB: 512 });
        const limited = (await docker.getContainer(pooled.containerId).inspect()).HostConfig;
        assert.deepEqual([limited.Memory, limited.CpuShares, limited.CpuQuota], [512 * MiB, 256, 25_000]);
      } finally {
        for (const id of apps) await rt.removeContainer(id);
        for (const sandbox of sandboxes) await rt.removeSandbox(sandbox);
      }
      for (const sandbox of sandboxes) assert.equal(await rt.inspectContainer(sandbox.containerId), undefined);
    });

    test('the runtime contract passes against the remote engine', async (t) => {
      // The contract reaches published ports at 127.0.0.1: a remote engine's are on its own host's loopback,
      // so the suite runs in the engine's network namespace when this machine has it (the test engines),
      // still talking to the engine over tcp:// only. See remote-engine.contract.ts.
      const host = engineUrl.replace(/^tcp:\/\//, '').replace(/:\d+$/, '');
      const ns = networkNamespaceWith(host);
      const suite = fileURLToPath(new URL('./remote-engine.contract.js', import.meta.url));
      const node = [process.execPath, '--test', '--test-reporter=spec', suite];
      const [command, ...args] = ns ? ['nsenter', `--net=/run/netns/${ns}`, ...node] : node;
      // The runner marks its children's output format; this child reports to us as a run of its own.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const result = await promisify(execFile)(command!, args, { env: { ...env, WHARF_TEST_ENGINE: engineUrl }, maxBuffer: 64 * MiB }).then(
        (out) => ({ ok: true, output: out.stdout + out.stderr }),
        (err: { stdout?: string; stderr?: string; message: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message }),
      );
      const summary = result.output.split('\n').filter((line) => /^ℹ (tests|suites|pass|fail|skipped|duration_ms) /.test(line));
      t.diagnostic(`${ns ? `in network namespace ${ns}: ` : ''}${summary.join('; ')}`);
      assert.ok(result.ok, `the contract failed against ${engineUrl}:\n${result.output.slice(-20_000)}`);
      assert.ok(summary.some((line) => /^ℹ pass [1-9]/.test(line)), `no contract test passed:\n${result.output.slice(-5_000)}`);
    });
  });
}

/** The network namespace (under /run/netns) holding `address`, if this machine has one. */
function networkNamespaceWith(address: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      if (execFileSync('ip', ['-n', name, '-o', '-4', 'addr', 'show'], { encoding: 'utf8' }).includes(` inet ${address}/`)) return name;
    } catch {
      // not ours to read: look at the next
    }
  }
  return undefined;
}
