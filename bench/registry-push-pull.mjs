// Benchmark: docker push and docker pull of a ~100 MB image, to and from
// Wharf's registry and, in the same run, Debian's `docker-registry` (the CNCF
// distribution registry) on loopback; the ratio Wharf / distribution (target:
// no slower than distribution, <= 1.00x).
//
// Each sample builds a fresh image (untimed): wharf-test/busybox plus one layer
// of BENCH_IMAGE_MB (default 100) MB of random bytes, so neither registry has
// the layer yet and gzip cannot shrink it. The image is tagged for both
// registries and pushed to each (timed: spawning `docker push` to its exit);
// then it is removed from the engine (`docker rmi -f`) and pulled back from
// each (timed the same way), removed again between the two pulls, so every
// pull downloads the whole layer. The order of the two registries alternates
// from sample to sample. BENCH_REGISTRY_SAMPLES (default 3) samples; the table
// shows the median and the spread, and the CPU seconds each registry's own
// process used per push and pull (the engine compresses layers for a push:
// most of a push's time is dockerd's gzip, on the same cores).
//
// Wharf runs as `wharf up` on a free loopback port, the docker CLI logs in with
// `aws ecr get-login-password`'s token (through the SDK) in a temporary
// DOCKER_CONFIG. docker-registry runs on another free loopback port with a
// temporary config and storage directory (no auth; Wharf checks a signed
// token on every request). Both store on the same disk (the temp directory).
// Afterwards both are stopped, their storage and the images are removed.
// docker-registry is installed by `npm run bench` (scripts/bench.sh) on Debian
// as root; elsewhere install it yourself. Needs dist/ (npm run build).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ensureTestImage } from '../dist/e2e/test-images.js';
import { freePort, positiveInt } from './lib/harness.mjs';

const SAMPLES = positiveInt('BENCH_REGISTRY_SAMPLES', 3);
const IMAGE_MB = positiveInt('BENCH_IMAGE_MB', 100);
const KEY = { accessKeyId: 'AKIAWHARFLOCAL000001', secretAccessKey: 'wharf/local/secret/key/for/development' };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUN = randomBytes(4).toString('hex');
const REPOSITORY = `bench-push-pull-${RUN}`;
const TARGET_RATIO = 1.0;
const STEP_MS = 600_000; // per docker push / pull: generous for a slow disk


// ---------------------------------------------------------------- plumbing

class StepFailed extends Error {}

let interrupted;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the run and cleaning up...\n`);
    interrupted = new StepFailed(`interrupted by ${signal}`);
  });
}
const checkInterrupt = () => {
  if (interrupted) throw interrupted;
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function execFileP(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: STEP_MS, ...options }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new StepFailed(`${file} ${args.join(' ')}: ${(stderr || error.message).trim().slice(-600)}`), { stdout, stderr }));
      else resolve(stdout);
    });
    if (options.input !== undefined) child.stdin.end(options.input);
  });
}


const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const seconds = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const spread = (values) => (values.length ? `${seconds(median(values))} (${seconds(Math.min(...values))}-${seconds(Math.max(...values))})` : '-');
const cpuText = (values) => (values.length && values.every(Number.isFinite) ? median(values).toFixed(2) : '-');
const mbps = (ms) => (Number.isFinite(ms) && ms > 0 ? `${((IMAGE_MB * 1000) / ms).toFixed(0)} MB/s` : '-');

/** Waits until GET url answers (any HTTP status), or the process exits, or the deadline passes. */
async function waitListening(url, child, what, output) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    checkInterrupt();
    if (child.exitCode !== null || child.signalCode !== null) throw new StepFailed(`${what} exited (${child.exitCode ?? child.signalCode}) while starting:\n${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new StepFailed(`${what} did not listen within 30 s:\n${output()}`);
    await sleep(100);
  }
}

function startProcess(file, args, options) {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  let output = '';
  const keep = (chunk) => (output = (output + chunk.toString()).slice(-16 * 1024));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  process.once('exit', () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'));
  return { child, exited, output: () => output };
}

async function stopProcess(proc, what, notes) {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const exited = await Promise.race([proc.exited, sleep(20_000).then(() => undefined)]);
  if (!exited) {
    notes.push(`${what} did not exit within 20 s of SIGTERM; killed`);
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

// ------------------------------------------------------------ the two registries

async function startWharf() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-registry-'));
  const proc = startProcess(process.execPath, ['bin/wharf.js', 'up', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], { cwd: ROOT, env: { ...process.env, WHARF_SANDBOX_POOL: '0' } });
  const endpoint = `http://127.0.0.1:${port}`;
  const wharf = { name: 'Wharf', proc, dataDir, endpoint, host: `127.0.0.1:${port}` };
  try {
    await waitListening(`${endpoint}/_wharf/health`, proc.child, 'wharf', proc.output);
  } catch (error) {
    await stopProcess(proc, 'wharf', []);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const ecr = new ECRClient({ endpoint, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
  const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
  const uri = created.repository.repositoryUri;
  wharf.host = uri.slice(0, uri.indexOf('/'));
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData[0].authorizationToken;
  const [username, password] = Buffer.from(token, 'base64').toString('utf8').split(':');
  wharf.login = { username, password };
  ecr.destroy();
  return wharf;
}

async function startDistribution() {
  let binary = 'docker-registry';
  try {
    binary = (await execFileP('sh', ['-c', 'command -v docker-registry'])).trim();
  } catch {
    throw new StepFailed("Debian's docker-registry is not installed: `apt-get install docker-registry` (npm run bench installs it on Debian as root)");
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-distribution-'));
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const proc = startProcess(binary, ['serve', config], {});
  const distribution = { name: 'distribution', proc, dataDir: dir, host: `127.0.0.1:${port}` };
  try {
    await waitListening(`http://127.0.0.1:${port}/v2/`, proc.child, 'docker-registry', proc.output);
  } catch (error) {
    await stopProcess(proc, 'docker-registry', []);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  distribution.version = (await execFileP(binary, ['--version']).catch(() => '')).trim().split('\n')[0];
  return distribution;
}

// ------------------------------------------------------------------ the image

/** A fresh image: busybox + IMAGE_MB of random bytes; returns its id. */
async function buildImage(context, tag) {
  const file = createWriteStream(join(context, 'data.bin'));
  const chunk = 1024 * 1024;
  for (let i = 0; i < IMAGE_MB; i++) {
    if (!file.write(randomBytes(chunk))) await new Promise((resolve) => file.once('drain', resolve));
  }
  await new Promise((resolve, reject) => file.end((error) => (error ? reject(error) : resolve())));
  writeFileSync(join(context, 'Dockerfile'), 'FROM wharf-test/busybox:latest\nCOPY data.bin /data.bin\n');
  return (await execFileP('docker', ['build', '-q', '-t', tag, context])).trim();
}

// ------------------------------------------------------------------ the run

const results = {
  push: { Wharf: [], distribution: [] },
  pull: { Wharf: [], distribution: [] },
  // CPU seconds the registry process itself used during each push / pull (the engine's gzip and the CLI are not in it).
  cpu: { push: { Wharf: [], distribution: [] }, pull: { Wharf: [], distribution: [] } },
  notes: [],
  failed: [],
};

/** User + system CPU seconds of a process (fields 14 and 15 of /proc/<pid>/stat; 100 ticks/s). */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** One docker CLI command against `registry`, timed from spawning it to its exit; records the registry's CPU use too. */
async function timed(kind, registry, args, env) {
  checkInterrupt();
  const cpu0 = cpuSeconds(registry.proc.child.pid);
  const t0 = performance.now();
  await execFileP('docker', args, { env });
  const elapsed = performance.now() - t0;
  results[kind][registry.name].push(elapsed);
  results.cpu[kind][registry.name].push(cpuSeconds(registry.proc.child.pid) - cpu0);
  return elapsed;
}

async function removeImage(id, env) {
  await execFileP('docker', ['rmi', '-f', id], { env }).catch(() => undefined);
  try {
    await execFileP('docker', ['image', 'inspect', id], { env });
  } catch {
    return;
  }
  throw new StepFailed(`image ${id} is still in the engine after docker rmi -f`);
}

async function sample(i, registries, context, env) {
  const local = `wharf-bench/push-pull:${RUN}-${i}`;
  const id = await buildImage(context, local);
  const refs = registries.map((registry) => `${registry.host}/${REPOSITORY}:s${i}`);
  for (const ref of refs) await execFileP('docker', ['tag', local, ref], { env });
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  const line = {};
  for (const k of order) {
    line[`push ${registries[k].name}`] = await timed('push', registries[k], ['push', refs[k]], env);
  }
  await removeImage(id, env);
  for (const k of order) {
    line[`pull ${registries[k].name}`] = await timed('pull', registries[k], ['pull', refs[k]], env);
    await removeImage(id, env);
  }
  process.stderr.write(`  ${i + 1}: ${Object.entries(line).map(([what, ms]) => `${what} ${seconds(ms)} s`).join(', ')}\n`);
}

function report(registries) {
  const widths = [34, 22, 22, 10, 8];
  const row = (cells) => console.log(cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  '));
  console.log(`\nRegistry push/pull: a ${IMAGE_MB} MB random layer on wharf-test/busybox, docker CLI to the Docker engine on this host, ${SAMPLES} sample(s), a fresh image each; seconds, median (min-max)\n`);
  row(['measure', 'Wharf', 'distribution', 'ratio', 'target']);
  for (const kind of ['push', 'pull']) {
    const w = median(results[kind].Wharf);
    const d = median(results[kind].distribution);
    const ratio = Number.isFinite(w) && Number.isFinite(d) ? `${(w / d).toFixed(2)}x` : '-';
    row([`docker ${kind} s`, spread(results[kind].Wharf), spread(results[kind].distribution), ratio, `<= ${TARGET_RATIO.toFixed(2)}x`]);
  }
  row(['push / pull MB/s (median)', `${mbps(median(results.push.Wharf))} / ${mbps(median(results.pull.Wharf))}`, `${mbps(median(results.push.distribution))} / ${mbps(median(results.pull.distribution))}`, '', '']);
  const cpu = (name) => `${cpuText(results.cpu.push[name])} / ${cpuText(results.cpu.pull[name])}`;
  row(['registry CPU s, push / pull', cpu('Wharf'), cpu('distribution'), '', '']);
  const notes = [...results.notes];
  // Each sample's two pushes (and two pulls) ran back to back: their ratio is steadier than the medians' on a busy machine.
  const paired = (kind) => {
    const ratios = results[kind].Wharf.map((w, i) => w / results[kind].distribution[i]).filter(Number.isFinite);
    return ratios.length ? `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '-';
  };
  notes.push(`sample by sample, Wharf / distribution: push ${paired('push')}, pull ${paired('pull')} (median, min-max)`);
  const dist = registries.find((r) => r.name === 'distribution');
  if (dist?.version) notes.unshift(`distribution: ${dist.version} (docker-registry serve, filesystem storage, no auth)`);
  if (notes.length) console.log(`\n${notes.map((line) => `- ${line}`).join('\n')}`);
  if (results.failed.length) console.log(`\nINCOMPLETE: ${results.failed.join('; ')}`);
}

async function main() {
  const registries = [];
  const dockerConfig = mkdtempSync(join(tmpdir(), 'wharf-bench-docker-config-'));
  const context = mkdtempSync(join(tmpdir(), 'wharf-bench-context-'));
  const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
  try {
    await ensureTestImage();
    registries.push(await startWharf());
    registries.push(await startDistribution());
    const wharf = registries[0];
    await execFileP('docker', ['login', '--username', wharf.login.username, '--password-stdin', wharf.host], { env, input: wharf.login.password });
    process.stderr.write(`${SAMPLES} sample(s): build a ${IMAGE_MB} MB image, push to both, remove it, pull from each...\n`);
    for (let i = 0; i < SAMPLES; i++) await sample(i, registries, context, env);
  } catch (error) {
    results.failed.push(error instanceof StepFailed ? error.message : (error?.stack ?? String(error)));
  } finally {
    const images = (await execFileP('docker', ['images', '-q', '--filter', `reference=*/${REPOSITORY}`, '--filter', 'reference=wharf-bench/push-pull']).catch(() => ''))
      .split('\n')
      .filter(Boolean);
    for (const id of new Set(images)) await execFileP('docker', ['rmi', '-f', id]).catch(() => undefined);
    for (const registry of registries) {
      await stopProcess(registry.proc, registry.name, results.notes);
      if (existsSync(registry.dataDir)) rmSync(registry.dataDir, { recursive: true, force: true });
    }
    rmSync(dockerConfig, { recursive: true, force: true });
    rmSync(context, { recursive: true, force: true });
  }
  report(registries);
  return results.failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
