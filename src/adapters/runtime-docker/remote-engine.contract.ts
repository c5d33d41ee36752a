/**
 * The runtime contract against a remote engine: DockerRuntime given the
 * engine's tcp:// URL (WHARF_TEST_ENGINE), so every call goes over TCP and the
 * adapter takes its remote paths (limits through the engine, usage from its
 * stats). remote-engine.test.ts runs this file inside the engine's network
 * namespace when it finds it: the contract reaches published ports at
 * 127.0.0.1, which on a remote engine is the engine host's loopback, so the
 * suite must run where that loopback is (as Wharf would on that host); every
 * engine call still crosses the namespace's veth over tcp://.
 *
 * Named .contract.ts, not .test.ts: `node --test` must not pick it up on its own.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import Docker from 'dockerode';
import { TEST_IMAGE } from '../../e2e/test-images.js';
import { runEngineRuntimeContract, runRuntimeContract } from '../runtime.contract.js';
import { DockerRuntime } from './docker-runtime.js';
import { engineAddress } from './engine-address.js';

/** remote-engine.test.ts sets it (from WHARF_TEST_ENGINES) before running this file. */
const url = process.env.WHARF_TEST_ENGINE ?? '';
if (!url.startsWith('tcp://')) throw new Error('WHARF_TEST_ENGINE is not a tcp:// URL: run remote-engine.test.ts, which sets it (npm test starts the engines)');
const run = randomBytes(4).toString('hex');
const networkName = `wharf-rt-remote-${run}`;
/** One root on the engine host for every run: runc makes `/<root>` once, the tasks' folders below it go with their pause containers. */
const cgroupRoot = 'wharf-remote-test';
const docker = new Docker(engineAddress({ host: { url } }).dockerOptions);
const newRuntime = async (): Promise<DockerRuntime> => new DockerRuntime({ host: { url }, networkName, cgroupRoot });
/** The engine cannot pull: the test image must have been loaded into it (ensure_extra_engines does). */
const testImage = async (): Promise<string> => {
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (err) {
    throw new Error(`${TEST_IMAGE} is not in the engine at ${url} (${String(err)}): npm test loads it there (ensure_extra_engines in scripts/lib/setup.sh)`);
  }
  return TEST_IMAGE;
};

runRuntimeContract(`docker at ${url}`, newRuntime, { testImage });
runEngineRuntimeContract(`docker at ${url}`, newRuntime, { testImage });

after(async () => {
  try {
    await docker.getNetwork(networkName).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
});
