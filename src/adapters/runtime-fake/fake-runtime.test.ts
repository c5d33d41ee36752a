import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ImagePullError, WHARF_LABELS, type RuntimeEvent } from '../../ports/runtime.js';
import { runRuntimeContract } from '../runtime.contract.js';
import { FakeRuntime } from './fake-runtime.js';

const IMAGE = 'wharf-test/busybox:1';

runRuntimeContract('fake', async () => new FakeRuntime({ localImages: [IMAGE] }), { testImage: async () => IMAGE });

/** A runtime with one running app container in one sandbox, and the events it delivers. */
async function oneContainer(spec: { healthCheck?: boolean } = {}) {
  const rt = new FakeRuntime({ localImages: [IMAGE] });
  const events: RuntimeEvent[] = [];
  rt.subscribe((event) => events.push(event));
  const sandbox = await rt.createSandbox({ name: 'pause', labels: { [WHARF_LABELS.taskKey]: 'k' }, portMappings: [] });
  const id = await rt.createContainer({
    name: 'app',
    image: IMAGE,
    labels: { [WHARF_LABELS.taskKey]: 'k' },
    sandbox,
    environment: {},
    stopTimeoutSeconds: 30,
    ...(spec.healthCheck ? { healthCheck: { command: ['CMD-SHELL', 'true'], intervalSeconds: 5, timeoutSeconds: 2, retries: 3 } } : {}),
  });
  await rt.startContainer(id);
  /** Resolves once the events caused so far have arrived (they come after the calls, as an engine's do). */
  const delivered = () => new Promise<RuntimeEvent[]>((resolve) => setImmediate(() => resolve(events)));
  return { rt, sandbox, id, events, delivered };
}

describe('the fake runtime, driven by a test', () => {
  test('a container exits when the test says, with its code, and an OOM kill says so first', async () => {
    const { rt, id, delivered } = await oneContainer();
    rt.exit(id, 137, { oomKilled: true });
    const state = await rt.inspectContainer(id);
    assert.equal(state?.status, 'exited');
    assert.equal(state?.exitCode, 137);
    assert.equal(state?.oomKilled, true);
    const kinds = (await delivered()).filter((e) => e.containerId === id).map((e) => e.kind);
    assert.deepEqual(kinds, ['start', 'oom', 'die']);
    assert.throws(() => rt.exit(id, 0), /not running/);
  });

  test('stop honours SIGTERM (143) unless the process ignores it (137)', async () => {
    const { rt, id } = await oneContainer();
    rt.ignoreSigterm(id);
    await rt.stopContainer(id, 30);
    assert.equal((await rt.inspectContainer(id))?.exitCode, 137);
    const other = await oneContainer();
    await other.rt.stopContainer(other.id, 30);
    assert.equal((await other.rt.inspectContainer(other.id))?.exitCode, 143);
  });

  test('health starts as starting with a check and moves as the test says, with an event', async () => {
    const { rt, id, delivered } = await oneContainer({ healthCheck: true });
    assert.equal((await rt.inspectContainer(id))?.health, 'starting');
    rt.setHealth(id, 'healthy');
    assert.equal((await rt.inspectContainer(id))?.health, 'healthy');
    assert.ok((await delivered()).some((e) => e.kind === 'health' && e.health === 'healthy' && e.containerId === id));
  });

  test('followLogs yields what the container prints while it runs and ends when it exits', async () => {
    const { rt, id } = await oneContainer();
    rt.log(id, 'stdout', 'one');
    const lines: string[] = [];
    const following = (async () => {
      for await (const line of rt.followLogs(id)) {
        lines.push(`${line.stream} ${line.line}`);
        if (lines.length === 1) {
          rt.log(id, 'stderr', 'two');
          rt.exit(id, 0);
        }
      }
    })();
    await following;
    assert.deepEqual(lines, ['stdout one', 'stderr two']);
  });

  test('an image with credentials is always pulled from the registry and reports its digest', async () => {
    const rt = new FakeRuntime({ localImages: [IMAGE], registryImages: ['registry.test/app:1'] });
    const auth = { username: 'AWS', password: 'p', serveraddress: 'registry.test' };
    const pulled = await rt.ensureImage('registry.test/app:1', auth);
    assert.equal(pulled.pulled, true);
    assert.match(pulled.repoDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal((await rt.ensureImage('registry.test/app:1')).pulled, false, 'now local');
    assert.equal((await rt.ensureImage('registry.test/app:1', auth)).pulled, true, 'credentials always pull');
    await assert.rejects(rt.ensureImage(IMAGE, auth), (err: unknown) => err instanceof ImagePullError && err.notFound);
  });

  test('every call is recorded, and a test can make the next one fail', async () => {
    const { rt, id } = await oneContainer();
    rt.failNext('stopContainer', new Error('engine hiccup'));
    await assert.rejects(rt.stopContainer(id, 1), /engine hiccup/);
    await rt.stopContainer(id, 1);
    assert.deepEqual(rt.actions.map((a) => a.call), ['subscribe', 'createSandbox', 'createContainer', 'startContainer', 'stopContainer', 'stopContainer']);
  });
});
