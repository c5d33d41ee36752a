import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureTestImage } from '../../e2e/test-images.js';
import type { ExecProcess } from '../../ports/container-exec.js';
import { DockerExec } from './docker-exec.js';

const run = promisify(execFile);
const docker = async (...args: string[]) => (await run('docker', args)).stdout.trim();
const exec = new DockerExec();
let containerId = '';

before(async () => {
  const image = await ensureTestImage();
  containerId = await docker('run', '-d', '--rm', '--label', 'wharf.test=docker-exec', image, 'sleep', '600');
});

after(async () => {
  if (containerId) await docker('rm', '-f', containerId).catch(() => '');
});

function collect(process: ExecProcess): () => string {
  let text = '';
  process.onOutput((chunk) => (text += Buffer.from(chunk).toString('utf8')));
  return () => text;
}

async function until(read: () => string | Promise<string>, test: (value: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a command runs with a TTY of the given size; its output comes without the wrapper\'s pid line; its exit code is reported', async () => {
  const process = await exec.startExec(containerId, { command: ['sh', '-c', 'stty size; echo done; exit 5'], tty: true, size: { cols: 91, rows: 27 } });
  const output = collect(process);
  assert.equal(await process.exited, 5);
  assert.match(output(), /^27 91\r\ndone\r\n$/);
});

test('stdin reaches the command and resize changes the terminal', async () => {
  const process = await exec.startExec(containerId, { command: ['/bin/sh'], tty: true });
  const output = collect(process);
  await process.resize(70, 20);
  process.write(new TextEncoder().encode('stty size; exit 3\r'));
  assert.equal(await process.exited, 3);
  assert.match(output(), /20 70/);
});

test('kill ends the command and every process it started, jobs in their own process groups included', async () => {
  const process = await exec.startExec(containerId, { command: ['/bin/sh', '-i'], tty: true });
  process.write(new TextEncoder().encode('sleep 7171 & sleep 7272 & sh -c "sleep 7373"\r'));
  await until(() => docker('exec', containerId, 'ps'), (ps) => ['7171', '7272', '7373'].every((n) => ps.includes(`sleep ${n}`)), 'the sleeps');
  await process.kill();
  await process.kill();
  await process.exited;
  const ps = await until(() => docker('exec', containerId, 'ps'), (text) => !/sleep 7[123]7[123]|\/bin\/sh -i/.test(text), 'nothing left');
  assert.doesNotMatch(ps, /sleep 7/);
});

test('a missing container fails the start', async () => {
  await assert.rejects(exec.startExec('wharf-no-such-container', { command: ['true'], tty: true }));
});
