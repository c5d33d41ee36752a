// Benchmark: DescribeClusters and DescribeTaskDefinition over 8 keep-alive
// connections, Wharf beside moto's server in the same run.
// Requests are signed once (SigV4 stays valid for 15 minutes) and replayed by
// wrk (C, one thread), so the load generator is not the bottleneck; without
// wrk it falls back to autocannon, which costs a core of its own and reads
// lower. Run with `npm run bench`; it prints a table.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 8;
const KEY = { accessKeyId: 'AKIAWHARFLOCAL000001', secretAccessKey: 'wharf/local/secret/key/for/development' };
const TARGET = 'AmazonEC2ContainerServiceV20141113';

async function sign(port, operation, body) {
  const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'ecs', sha256: Hash.bind(null, 'sha256') });
  const request = {
    method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', query: {},
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.${operation}` },
    body,
  };
  const signed = await signer.sign(request);
  const { host: _host, ...headers } = signed.headers;
  return { method: 'POST', path: '/', headers, body };
}

async function call(port, operation, payload) {
  const request = await sign(port, operation, JSON.stringify(payload));
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: request.headers, body: request.body });
  if (!response.ok) throw new Error(`${operation} on port ${port}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function waitForPort(port, child, name) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${name} did not listen on ${port}`);
}

async function seed(port) {
  await call(port, 'CreateCluster', { clusterName: 'bench', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  await call(port, 'RegisterTaskDefinition', {
    family: 'bench', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    containerDefinitions: [{ name: 'app', image: 'busybox', essential: true, portMappings: [{ containerPort: 8080 }] }],
  });
}

function hasWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return error.status !== undefined; // wrk --version exits 1 but exists
  }
}

const WRK = hasWrk();

function luaString(text) {
  return JSON.stringify(text); // a JSON string literal is a valid Lua string here
}

/** wrk --latency prints "50%  1.23ms" lines; returns milliseconds. */
function wrkPercentile(output, percent) {
  const match = new RegExp(`\\s${percent}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

async function loadWithWrk(port, request, dir) {
  const script = join(dir, `req-${port}.lua`);
  const headers = Object.entries(request.headers).map(([name, value]) => `wrk.headers[${luaString(name)}] = ${luaString(value)}`).join('\n');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${luaString(request.body)}\n${headers}\n`);
  const output = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const failed = non2xx + (errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return { rps, p50: wrkPercentile(output, 50).toFixed(2), p99: wrkPercentile(output, 99).toFixed(2), failed };
}

async function load(port, operation, payload, dir) {
  const request = await sign(port, operation, JSON.stringify(payload));
  if (WRK) return loadWithWrk(port, request, dir);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: DURATION_S, workers: 1,
    requests: [request],
  });
  const failed = result.non2xx + result.errors;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, failed };
}

function row(cells, widths) {
  return cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-bench-'));
  const wharfPort = 45660;
  const motoPort = 45661;
  const wharf = spawn(process.execPath, ['bin/wharf.js', 'up', '--port', String(wharfPort), '--data-dir', dataDir, '--log-level', 'warn'], { stdio: 'ignore' });
  let moto;
  try {
    await waitForPort(wharfPort, wharf, 'wharf');
    await seed(wharfPort);
    const cases = [
      ['DescribeClusters', { clusters: ['bench'] }],
      ['DescribeTaskDefinition', { taskDefinition: 'bench:1' }],
    ];
    const results = [];
    let motoAvailable = true;
    moto = spawn('moto_server', ['-p', String(motoPort)], { stdio: 'ignore' });
    moto.on('error', () => (motoAvailable = false));
    try {
      await waitForPort(motoPort, moto, 'moto_server');
      await seed(motoPort);
    } catch (error) {
      motoAvailable = false;
      console.error(`moto_server unavailable (${error.message}); printing Wharf alone.`);
    }
    for (const [operation, payload] of cases) {
      process.stderr.write(`measuring ${operation} on Wharf for ${DURATION_S}s...\n`);
      const ours = await load(wharfPort, operation, payload, dataDir);
      let theirs;
      if (motoAvailable) {
        process.stderr.write(`measuring ${operation} on moto for ${DURATION_S}s...\n`);
        theirs = await load(motoPort, operation, payload, dataDir);
      }
      results.push({ operation, ours, theirs });
    }

    const widths = [24, 10, 9, 9, 8, 10, 9, 9, 8];
    console.log(`\nAPI throughput (${WRK ? 'wrk' : 'autocannon'}): ${CONNECTIONS} keep-alive connections, ${DURATION_S}s each, SigV4 + model validation on (target: >= 10000 req/s, p99 < 5 ms)\n`);
    console.log(row(['operation', 'wharf r/s', 'p50 ms', 'p99 ms', 'errors', 'moto r/s', 'p50 ms', 'p99 ms', 'ratio'], widths));
    for (const { operation, ours, theirs } of results) {
      console.log(row([
        operation, Math.round(ours.rps), ours.p50, ours.p99, ours.failed,
        theirs ? Math.round(theirs.rps) : '-', theirs ? theirs.p50 : '-', theirs ? theirs.p99 : '-',
        theirs && theirs.rps > 0 ? `${(ours.rps / theirs.rps).toFixed(1)}x` : '-',
      ], widths));
    }
  } finally {
    wharf.kill('SIGTERM');
    moto?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
