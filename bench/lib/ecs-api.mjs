// What the ECS API benchmarks (api-throughput.mjs, store-postgres.mjs) share:
// their settings, the four read operations they measure and the API targets,
// signed requests, the load over 8 keep-alive connections (wrk, else
// autocannon), RunTask's accept latency, starting and stopping `wharf up`
// without a Docker engine, and the table.
//
// Requests are signed once (SigV4 stays valid for 15 minutes) and replayed by
// wrk (C, one thread), so the load generator is not the bottleneck; without
// wrk it falls back to autocannon, which costs a core of its own and reads
// lower. BENCH_SECONDS (default 5) per measurement, BENCH_ROUNDS (default 3)
// interleaved rounds, BENCH_RUNTASK_SAMPLES (default 40) RunTask calls.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { KEY, percentile, positiveInt, ROOT, sleep } from './harness.mjs';

export const DURATION_S = positiveInt('BENCH_SECONDS', 5);
export const RUN_TASK_SAMPLES = positiveInt('BENCH_RUNTASK_SAMPLES', 40);
export const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
export const CONNECTIONS = 8;
/** The read API's targets, per operation. */
export const API_TARGET = { rps: 10_000, p99Ms: 5 };
const ECS = 'AmazonEC2ContainerServiceV20141113';
export const CLUSTER = 'bench';
export const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'] } };

/** The read operations measured, with their payloads (on what `seed` makes). */
export const CASES = [
  ['DescribeClusters', { clusters: [CLUSTER] }],
  ['DescribeTaskDefinition', { taskDefinition: 'bench:1' }],
  ['DescribeServices', { cluster: CLUSTER, services: ['web'] }],
  // A page of 50: every size holds at least 50 RUNNING tasks, so each column lists the same page (ListTasks'
  // default of 100 gave the 100-task column, with 50 RUNNING, half the answer of the others to write).
  ['ListTasks', { cluster: CLUSTER, maxResults: 50 }],
];

// ---------------------------------------------------------------- requests

export async function sign(port, operation, body) {
  const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'ecs', sha256: Hash.bind(null, 'sha256') });
  const request = {
    method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', query: {},
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${ECS}.${operation}` },
    body,
  };
  const signed = await signer.sign(request);
  const { host: _host, ...headers } = signed.headers;
  return { method: 'POST', path: '/', headers, body };
}

export async function call(port, operation, payload) {
  const request = await sign(port, operation, JSON.stringify(payload));
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: request.headers, body: request.body });
  if (!response.ok) throw new Error(`${operation} on port ${port}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The cluster, task definition and service CASES read. moto checks subnets against its EC2 model: there the service goes without awsvpc. */
export async function seed(port, { awsvpc = true } = {}) {
  await call(port, 'CreateCluster', { clusterName: CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  await call(port, 'RegisterTaskDefinition', {
    family: 'bench', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    containerDefinitions: [{ name: 'app', image: 'busybox', essential: true, portMappings: [{ containerPort: 8080 }] }],
  });
  // No tasks wanted: the scheduler leaves it alone.
  await call(port, 'CreateService', { cluster: CLUSTER, serviceName: 'web', taskDefinition: 'bench:1', desiredCount: 0, ...(awsvpc ? { launchType: 'FARGATE', networkConfiguration: NETWORK } : {}) });
}

/** One RunTask of the seeded task definition. */
export function runTask(port) {
  return call(port, 'RunTask', { cluster: CLUSTER, taskDefinition: 'bench:1', launchType: 'FARGATE', networkConfiguration: NETWORK });
}

// ---------------------------------------------------------------- load

function hasWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 but exists; a missing wrk fails to spawn (ENOENT, whose status is null).
    return error.code !== 'ENOENT';
  }
}

export const WRK = hasWrk();

/** wrk --latency prints "99%  1.23ms" lines; returns milliseconds. */
function wrkPercentile(output, percent) {
  const match = new RegExp(`\\s${percent}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

function loadWithWrk(port, request, dir) {
  const script = join(dir, `req-${port}.lua`);
  const headers = Object.entries(request.headers).map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`).join('\n');
  // A JSON string literal is a valid Lua string here.
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(request.body)}\n${headers}\n`);
  const output = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const failed = non2xx + (errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return { rps, p99: wrkPercentile(output, 99), failed };
}

/** `request` replayed over CONNECTIONS keep-alive connections for DURATION_S: req/s, p99 ms and failed requests. */
export async function load(port, request, dir) {
  if (WRK) return loadWithWrk(port, request, dir);
  const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: DURATION_S, workers: 1, requests: [request] });
  return { rps: result.requests.average, p99: result.latency.p99, failed: result.non2xx + result.errors };
}

/** One operation signed once, warmed up, then loaded (`dir` holds wrk's scripts). */
export async function loadOperation(port, operation, payload, dir, label) {
  process.stderr.write(`measuring ${operation} on ${label} for ${DURATION_S}s...\n`);
  const request = await sign(port, operation, JSON.stringify(payload));
  // Warm-up, not measured: first uses (a store index built from the records, JIT) happen here.
  for (let i = 0; i < 50; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: request.headers, body: request.body });
    await response.arrayBuffer();
  }
  return load(port, request, dir);
}

/** RunTask answered, one request at a time: from sending to the whole answer. */
export async function runTaskLatency(port) {
  const samples = [];
  for (let i = 0; i < RUN_TASK_SAMPLES + 3; i++) {
    const request = await sign(port, 'RunTask', JSON.stringify({ cluster: CLUSTER, taskDefinition: 'bench:1', launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const t0 = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: request.headers, body: request.body });
    const text = await response.text();
    const elapsed = performance.now() - t0;
    if (!response.ok || JSON.parse(text).failures?.length) throw new Error(`RunTask: ${response.status} ${text.slice(0, 300)}`);
    if (i >= 3) samples.push(elapsed); // the first few warm the path
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

// ---------------------------------------------------------------- processes

export async function waitForHttp(url, child, name) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${name} did not listen at ${url}`);
}

export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if (!(await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]))) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** CPU seconds a process has used (utime + stime from /proc). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until a freshly started Wharf has done its start-up work (the
 * controllers reconcile every task once): under 5% of a core over a second,
 * or a minute at most. Returns how long that took.
 */
export async function settle(child) {
  const t0 = performance.now();
  let last = cpuSeconds(child.pid);
  while (performance.now() - t0 < 60_000) {
    await sleep(1_000);
    const now = cpuSeconds(child.pid);
    if (now - last < 0.05) break;
    last = now;
  }
  return (performance.now() - t0) / 1000;
}

/**
 * `wharf up` on `port` and `dataDir`, its state on `store` ('sqlite', the data
 * directory's files, or a PostgreSQL URL), without a Docker engine
 * (WHARF_DOCKER_SOCKET names no socket, no sandbox pool): the API serves,
 * tasks wait in PROVISIONING and no container is made.
 */
export async function startWharf(port, dataDir, { store = 'sqlite' } = {}) {
  const child = spawn(process.execPath, ['bin/wharf.js', 'up', '--port', String(port), '--data-dir', dataDir, '--store', store, '--log-level', 'error'], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, WHARF_DOCKER_SOCKET: join(dataDir, 'no-engine.sock'), WHARF_SANDBOX_POOL: '0' },
  });
  process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  await waitForHttp(`http://127.0.0.1:${port}/_wharf/health`, child, 'wharf');
  return child;
}

// ---------------------------------------------------------------- table

export const fmt = (value) => (Number.isFinite(value) ? (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2)) : '-');

/** "req/s / p99 ms" of a load result. */
export function cell(result) {
  if (!result) return '-';
  return `${fmt(result.rps)} / ${fmt(result.p99)}${result.failed ? ` (${result.failed} errors)` : ''}`;
}

/** A load result against API_TARGET. */
export function verdict(result) {
  if (!result) return '';
  return `${result.rps >= API_TARGET.rps ? 'ok' : 'short'} r/s, ${result.p99 < API_TARGET.p99Ms ? 'ok' : 'over'} p99`;
}

export function printTable(rows, header) {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => String(row[i] ?? '').length)));
  for (const row of [header, ...rows]) console.log(row.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd());
}

/** The machine's load, for the table's header. */
export function machineLoad() {
  return execFileSync('uptime', { encoding: 'utf8' }).trim();
}
