// What the benchmarks share: settings from the environment, step deadlines that Ctrl-C
// interrupts, small process and statistics helpers, and starting a Wharf to measure.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ECSClient } from '@aws-sdk/client-ecs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KEY = { accessKeyId: 'AKIAWHARFLOCAL000001', secretAccessKey: 'wharf/local/secret/key/for/development' };

export function positiveInt(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive whole number, got '${text}'`);
    process.exit(2);
  }
  return value;
}

export class StepFailed extends Error {}

export const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the run and cleaning up...\n`);
    interrupt.abort(new StepFailed(`interrupted by ${signal}`));
  });
}

/** A step's deadline: `run` races a promise against it (and Ctrl-C). */
export function deadline(step, ms) {
  const end = Date.now() + ms;
  const expired = () => new StepFailed(`${step}: deadline of ${Math.round(ms / 1000)} s passed`);
  return {
    step,
    left: () => end - Date.now(),
    check() {
      if (interrupt.signal.aborted) throw interrupt.signal.reason;
      if (Date.now() > end) throw expired();
    },
    run(promise) {
      let timer;
      let onAbort;
      const stop = new Promise((_, reject) => {
        timer = setTimeout(() => reject(expired()), Math.max(0, end - Date.now()));
        onAbort = () => reject(interrupt.signal.reason);
        if (interrupt.signal.aborted) onAbort();
        else interrupt.signal.addEventListener('abort', onAbort, { once: true });
      });
      return Promise.race([promise, stop]).finally(() => {
        clearTimeout(timer);
        interrupt.signal.removeEventListener('abort', onAbort);
      });
    },
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function execFileP(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', ...options }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve(stdout);
    });
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Nearest-rank percentile (p99 of 20 samples is the largest). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const ms = (value) => (Number.isFinite(value) ? (value >= 100 ? Math.round(value).toString() : value.toFixed(1)) : '-');

/**
 * Starts `wharf up` from this checkout on a free loopback port with its own data directory and
 * waits until it answers; `env` adds settings (time scale, capacity). Returns it with an ECS client.
 */
export async function startWharf(dl, { label, env = {}, restartOf }) {
  // A restart reuses the stopped Wharf's port and data directory, as `wharf up` run again would.
  const port = restartOf?.port ?? (await freePort());
  const dataDir = restartOf?.dataDir ?? mkdtempSync(join(tmpdir(), `wharf-bench-${label}-`));
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ['bin/wharf.js', 'up', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    // Its own process group: a Ctrl-C at the terminal must not stop Wharf before the clean-up has used it to remove its containers.
    detached: true,
  });
  // Should this process end without the clean-up (an uncaught crash), Wharf goes with it.
  process.once('exit', () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'));
  const wharf = { port, dataDir, child, output: '', warnings: 0, firstWarning: undefined, endpoint: `http://127.0.0.1:${port}` };
  const keep = (chunk) => {
    const text = chunk.toString();
    wharf.output = (wharf.output + text).slice(-64 * 1024);
    for (const line of text.split('\n')) {
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level && Number(level) >= 40) {
        wharf.warnings += 1;
        wharf.firstWarning ??= line.slice(0, 400);
      }
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  wharf.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    for (;;) {
      dl.check();
      if (child.exitCode !== null || child.signalCode !== null) throw new StepFailed(`wharf exited (${child.exitCode ?? child.signalCode}) while starting:\n${wharf.output}`);
      try {
        const response = await fetch(`${wharf.endpoint}/_wharf/health`);
        if (response.ok) {
          wharf.firstAnswerMs = performance.now() - spawnedAt;
          break;
        }
      } catch {
        // not listening yet
      }
      // A restart is timed to its first answer: poll finely.
      await sleep(restartOf ? 10 : 100);
    }
  } catch (error) {
    child.kill('SIGTERM'); // it has started nothing yet
    if (!restartOf) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  wharf.instanceId = readFileSync(join(dataDir, 'instance-id'), 'utf8').trim();
  wharf.ecs = new ECSClient({
    endpoint: wharf.endpoint,
    region: 'us-east-1',
    credentials: KEY,
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 16 }), requestTimeout: 60_000 },
  });
  return wharf;
}

/**
 * Removes the run's containers (the floor's, then Wharf's through POST /_wharf/reset), stops
 * Wharf and deletes its data directory; what went wrong goes into `notes` for the report.
 */
export async function cleanUp(wharf, floorIds, notes, resetTimeoutMs) {
  if (floorIds.size > 0) await execFileP('docker', ['rm', '-f', ...floorIds]).catch((error) => notes.push(`could not remove floor containers: ${error.message}`));
  if (!wharf) return;
  const alive = wharf.child.exitCode === null && wharf.child.signalCode === null;
  if (alive) {
    process.stderr.write('cleaning up: POST /_wharf/reset (removes this Wharf\'s containers)...\n');
    const t0 = performance.now();
    try {
      const response = await fetch(`${wharf.endpoint}/_wharf/reset`, { method: 'POST', signal: AbortSignal.timeout(resetTimeoutMs) });
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
      notes.push(`reset (removing every container of the run) took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      notes.push(`POST /_wharf/reset failed: ${error.message}`);
    }
    wharf.child.kill('SIGTERM');
    const exited = await Promise.race([wharf.exited, sleep(20_000).then(() => undefined)]);
    if (!exited) {
      notes.push('Wharf did not exit within 20 s of SIGTERM; killed');
      wharf.child.kill('SIGKILL');
      await wharf.exited;
    }
  } else {
    notes.push(`Wharf had exited (${wharf.child.exitCode ?? wharf.child.signalCode}) before clean-up; its output ends:\n${wharf.output.slice(-2000)}`);
  }
  if (wharf.instanceId) {
    // The reset should have removed them all; anything left is a bug to report, and is removed here.
    const left = (await execFileP('docker', ['ps', '-aq', '--filter', 'label=wharf.managed=true', '--filter', `label=wharf.instance=${wharf.instanceId}`]).catch(() => '')).split('\n').filter(Boolean);
    if (left.length > 0) {
      notes.push(`BUG? ${left.length} of this run's containers survived the reset; removed with docker rm -f`);
      await execFileP('docker', ['rm', '-f', ...left]).catch(() => undefined);
    }
  }
  wharf.ecs?.destroy();
  rmSync(wharf.dataDir, { recursive: true, force: true });
}
