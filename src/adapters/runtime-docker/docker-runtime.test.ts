import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import Docker from 'dockerode';
import { ensureTestImage, TEST_IMAGE } from '../../e2e/test-images.js';
import { silentLogger } from '../../ports/logger.js';
import { WHARF_LABELS, type ContainerSpec, type RuntimeEvent } from '../../ports/runtime.js';
import { runEngineRuntimeContract, runRuntimeContract } from '../runtime.contract.js';
import { buildImageArchive } from './busybox-image.js';
import { appContainerOptions } from './container-spec.js';
import { toContainerState } from './container-state.js';
import { engineMessage } from './engine-errors.js';
import { DockerRuntime } from './docker-runtime.js';
import { RecentKeys, subscribeEvents, toRuntimeEvent } from './events.js';
import { repositoryOf, splitReference } from './images.js';
import { overlaps } from './network.js';

// A network and a cgroup root of this run's own, removed at the end, so runs
// (and other test files using the default `wharf-tasks`) never meet.
const run = randomBytes(4).toString('hex');
const networkName = `wharf-rt-test-${run}`;
const cgroupRoot = `wharf-rt-test-${run}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const newRuntime = async (): Promise<DockerRuntime> => new DockerRuntime({ networkName, cgroupRoot });

runRuntimeContract('docker', newRuntime);
runEngineRuntimeContract('docker', newRuntime);

describe('DockerRuntime on this engine', () => {
  test('the task cgroup parent carries the task limits and goes away with the sandbox', async (t) => {
    const rt = await newRuntime();
    const cgroups = await rt.taskCgroups();
    if (cgroups.layout !== 'v1') return t.skip(`cgroup layout ${cgroups.layout}: the file checks below are for v1`);
    const sandbox = await rt.createSandbox({ name: `wharf-rt-${run}-limits`, labels: {}, portMappings: [], cpuUnits: 512, memoryMiB: 128 });
    try {
      assert.equal(sandbox.cgroupParent, `/${cgroupRoot}/wharf-rt-${run}-limits`);
      const memoryDir = join('/sys/fs/cgroup/memory', sandbox.cgroupParent);
      const cpuDir = join('/sys/fs/cgroup/cpu', sandbox.cgroupParent);
      assert.equal((await readFile(join(memoryDir, 'memory.limit_in_bytes'), 'utf8')).trim(), String(128 * 1024 * 1024));
      assert.equal((await readFile(join(cpuDir, 'cpu.cfs_period_us'), 'utf8')).trim(), '100000');
      assert.equal((await readFile(join(cpuDir, 'cpu.cfs_quota_us'), 'utf8')).trim(), '50000');
      // The pause container runs inside the parent (runc made its own cgroup below it).
      const pause = await docker.getContainer(sandbox.containerId).inspect();
      assert.equal(pause.HostConfig.CgroupParent, sandbox.cgroupParent);
      assert.ok((await stat(join(memoryDir, sandbox.containerId))).isDirectory());
      assert.ok((await cgroups.existing(sandbox.cgroupParent)).length >= 2);
    } finally {
      await rt.removeSandbox(sandbox);
    }
    assert.deepEqual(await cgroups.existing(sandbox.cgroupParent), []);
  });

  test('the pause container exits at once on SIGTERM', async () => {
    const rt = await newRuntime();
    const sandbox = await rt.createSandbox({ name: `wharf-rt-${run}-term`, labels: {}, portMappings: [] });
    try {
      const t0 = Date.now();
      await rt.stopContainer(sandbox.containerId, 10);
      const ms = Date.now() - t0;
      assert.ok(ms < 2_000, `pause stopped after ${ms} ms`);
      assert.equal((await rt.inspectContainer(sandbox.containerId))?.exitCode, 0);
    } finally {
      await rt.removeSandbox(sandbox);
    }
  });

  test("the tasks' network is a labelled bridge with a fixed subnet", async () => {
    const rt = await newRuntime();
    const sandbox = await rt.createSandbox({ name: `wharf-rt-${run}-net`, labels: {}, portMappings: [] });
    try {
      const net = await docker.getNetwork(networkName).inspect();
      assert.equal(net.Driver, 'bridge');
      assert.equal(net.Labels?.[WHARF_LABELS.managed], 'true');
      assert.equal(net.IPAM?.Config?.[0]?.Subnet, sandbox.subnetCidr);
      assert.match(sandbox.subnetCidr, /^(172\.(2[7-9]|30)\.0\.0\/16|10\.21[34]\.0\.0\/16|192\.168\.21[34]\.0\/24)$/);
    } finally {
      await rt.removeSandbox(sandbox);
    }
  });

  test('ping explains how to start Docker when nothing answers on the socket', async () => {
    const rt = new DockerRuntime({ socketPath: `/tmp/wharf-no-docker-${run}.sock` });
    await assert.rejects(rt.ping(), /does not answer on \/tmp\/wharf-no-docker-.*systemctl start docker/);
  });

  test('the busybox images are byte-for-byte reproducible (safe to load concurrently)', async () => {
    const spec = { tag: 'wharf-test/repro:1', cmd: ['sh'] };
    assert.ok((await buildImageArchive(spec)).equals(await buildImageArchive(spec)));
    const image = await docker.getImage(await ensureTestImage()).inspect();
    assert.ok(image.RepoTags.includes(TEST_IMAGE));
  });
});

describe('DockerRuntime mappings', () => {
  const base: ContainerSpec = {
    name: 'c',
    image: 'img',
    labels: { a: 'b' },
    sandbox: { containerId: 'pause-id', cgroupParent: '/wharf/t1' },
    environment: { A: '1', B: 'x=y' },
    stopTimeoutSeconds: 30,
  };

  test('a container spec becomes the engine create body', () => {
    const body = appContainerOptions({
      ...base,
      entryPoint: ['sh', '-c'],
      command: ['echo hi'],
      workingDirectory: '/w',
      user: '1000:1000',
      cpuUnits: 256,
      memoryMiB: 512,
      memoryReservationMiB: 128,
      ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }],
      readonlyRootFilesystem: true,
      initProcessEnabled: true,
      capabilities: { add: ['SYS_PTRACE'], drop: ['NET_RAW'] },
      healthCheck: { command: ['CMD', 'true'], intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 10 },
    });
    assert.deepEqual(body.Labels, { a: 'b', 'wharf.managed': 'true', 'wharf.role': 'app' });
    assert.deepEqual(body.Entrypoint, ['sh', '-c']);
    assert.deepEqual(body.Cmd, ['echo hi']);
    assert.deepEqual(body.Env, ['A=1', 'B=x=y']);
    assert.equal(body.WorkingDir, '/w');
    assert.equal(body.User, '1000:1000');
    assert.equal(body.StopTimeout, 30);
    assert.deepEqual(body.Healthcheck, { Test: ['CMD', 'true'], Interval: 5e9, Timeout: 2e9, Retries: 3, StartPeriod: 10e9 });
    const host = body.HostConfig!;
    assert.equal(host.NetworkMode, 'container:pause-id');
    assert.equal(host.CgroupParent, '/wharf/t1');
    assert.equal(host.CpuShares, 256);
    assert.equal(host.Memory, 512 * 1024 * 1024);
    assert.equal(host.MemoryReservation, 128 * 1024 * 1024);
    assert.deepEqual(host.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 4096 }]);
    assert.equal(host.ReadonlyRootfs, true);
    assert.equal(host.Init, true);
    assert.deepEqual(host.CapAdd, ['SYS_PTRACE']);
    assert.deepEqual(host.CapDrop, ['NET_RAW']);
    assert.equal(host.LogConfig?.Type, 'json-file');
  });

  test('no cpu means the minimal share; no memory means no limit', () => {
    const host = appContainerOptions({ ...base, cpuUnits: 0 }).HostConfig!;
    assert.equal(host.CpuShares, 2);
    assert.equal(host.Memory, undefined);
    assert.equal(host.Init, false);
    assert.equal(appContainerOptions(base).Entrypoint, undefined);
  });

  test('engine events become runtime events', () => {
    const attrs = { name: 'n', image: 'i', 'wharf.managed': 'true', exitCode: '3' };
    assert.deepEqual(toRuntimeEvent({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: attrs } }), {
      kind: 'die',
      containerId: 'c1',
      labels: { 'wharf.managed': 'true' },
      exitCode: 3,
    });
    assert.deepEqual(toRuntimeEvent({ Type: 'container', Action: 'health_status: unhealthy', Actor: { ID: 'c1', Attributes: {} } }), {
      kind: 'health',
      containerId: 'c1',
      labels: {},
      health: 'unhealthy',
    });
    assert.equal(toRuntimeEvent({ Type: 'container', Action: 'exec_start: sh -c true', Actor: { ID: 'c1' } }), undefined);
  });

  test('the event stream reconnects after it ends, resumes from the last event and drops replays', async () => {
    const calls: { since?: unknown }[] = [];
    const streams: PassThrough[] = [];
    const fake = {
      getEvents: async (opts: { since?: unknown }) => {
        calls.push(opts);
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
    };
    const got: RuntimeEvent[] = [];
    const line = (id: string, action: string, timeNano: number): string =>
      `${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: { exitCode: '0' } }, timeNano })}\n`;
    const stop = subscribeEvents(fake as unknown as Docker, (e) => got.push(e), silentLogger);
    try {
      const waitCalls = async (n: number): Promise<void> => {
        const deadline = Date.now() + 5_000;
        while (calls.length < n) {
          assert.ok(Date.now() < deadline, `expected ${n} connections, saw ${calls.length}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await waitCalls(1);
      // A line split across chunks still parses.
      // Times after the subscription began (earlier ones count as replays).
      const t1 = (Date.now() + 1_000) * 1e6;
      const t2 = t1 + 1e9;
      const first = line('a', 'start', t1);
      streams[0]!.write(first.slice(0, 10));
      streams[0]!.write(first.slice(10));
      streams[0]!.end();
      await waitCalls(2);
      // The reconnect resumes two seconds before the newest event, to catch events stamped out of order.
      const ns = BigInt(Math.trunc(t1)) - 2_000_000_000n;
      assert.equal(calls[1]!.since, `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`);
      // The engine replays what it had since then; those are not delivered twice. An event stamped
      // earlier than one already delivered (an oom published after its die) still is.
      streams[1]!.write(line('a', 'start', t1) + line('a', 'die', t2) + line('a', 'oom', t2 - 1e6) + line('a', 'die', t2));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(got.map((e) => `${e.kind}:${e.containerId}`), ['start:a', 'die:a', 'oom:a']);
    } finally {
      stop();
    }
    const connections = calls.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(calls.length, connections, 'no reconnect after stop');
  });

  test('recent keys remember a bounded number of keys, oldest forgotten first', () => {
    const keys = new RecentKeys(2);
    assert.deepEqual([keys.add('a'), keys.add('a'), keys.add('b'), keys.add('c'), keys.add('a'), keys.add('c')], [true, false, true, true, true, false]);
  });

  test('inspect data becomes a container state', () => {
    const state = toContainerState({
      Id: 'x',
      Name: '/n',
      Image: 'sha256:abc',
      Config: { Labels: { a: 'b' } },
      State: { Status: 'running', ExitCode: 0, OOMKilled: false, Error: '', StartedAt: '2024-05-01T10:00:00.5Z', FinishedAt: '0001-01-01T00:00:00Z', Health: { Status: 'starting' } },
    });
    assert.deepEqual(state, { id: 'x', name: 'n', labels: { a: 'b' }, imageId: 'sha256:abc', status: 'running', oomKilled: false, health: 'starting', startedAt: new Date('2024-05-01T10:00:00.5Z') });
    const failed = toContainerState({ Id: 'y', State: { Status: 'created', ExitCode: 127, Error: 'exec: "nope": executable file not found in $PATH' } });
    assert.equal(failed.exitCode, 127);
    assert.match(failed.error ?? '', /executable file not found/);
    // An instant exit can be stamped as finishing before it started: the times are kept in order.
    const quick = toContainerState({ Id: 'z', State: { Status: 'exited', ExitCode: 3, StartedAt: '2024-05-01T10:00:00.500Z', FinishedAt: '2024-05-01T10:00:00.499Z' } });
    assert.deepEqual([quick.exitCode, quick.finishedAt], [3, new Date('2024-05-01T10:00:00.500Z')]);
  });

  test('image references get an explicit tag; subnets overlap as CIDR says', () => {
    assert.deepEqual(splitReference('busybox'), { fromImage: 'busybox', tag: 'latest' });
    const streamed = Object.assign(new Error('(HTTP code 500) server error - Get "https://r/v2/": dial tcp: no such host '), { statusCode: 500, json: null });
    assert.equal(engineMessage(streamed), 'Get "https://r/v2/": dial tcp: no such host');
    assert.equal(engineMessage(Object.assign(new Error('x'), { json: { message: 'No such container: c ' } })), 'No such container: c');
    assert.deepEqual(splitReference('localhost:5000/a/b'), { fromImage: 'localhost:5000/a/b', tag: 'latest' });
    assert.deepEqual(splitReference('localhost:5000/a/b:v2'), { fromImage: 'localhost:5000/a/b', tag: 'v2' });
    assert.deepEqual(splitReference('a@sha256:00'), { fromImage: 'a@sha256:00' });
    // The name the engine files repo digests under: no tag, no digest, the registry's port kept.
    assert.equal(repositoryOf('127.0.0.1:4566/team/app:v1'), '127.0.0.1:4566/team/app');
    assert.equal(repositoryOf('127.0.0.1:4566/app@sha256:00'), '127.0.0.1:4566/app');
    assert.equal(repositoryOf('busybox'), 'busybox');
    assert.equal(overlaps('172.30.0.0/16', '172.30.5.0/24'), true);
    assert.equal(overlaps('172.30.0.0/16', '172.17.0.0/16'), false);
  });
});

after(async () => {
  // The contract and the tests above removed their sandboxes; now the run's own network and cgroup root.
  try {
    await docker.getNetwork(networkName).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  await (await (await newRuntime()).taskCgroups()).removeRoot(cgroupRoot);
});
