// Benchmark: Wharf's application load balancer (the data plane's proxy) beside nginx.
// One fixed Node backend on loopback (a child process); requests/s and p50/p99
// latency with wrk (8 keep-alive connections) straight to the backend, through
// one nginx worker with an equivalent keep-alive proxy config, and through a
// Wharf listener whose target group holds that backend (created with the ELBv2
// API), all in the same run. Needs wrk and nginx (scripts/bench.sh installs
// both on Debian). Run with `npm run bench`; it prints a table.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { cleanUp, deadline, execFileP, freePort, KEY, positiveInt, sleep, startWharf, StepFailed } from './lib/harness.mjs';

const SECONDS = positiveInt('BENCH_SECONDS', 5);
const CONNECTIONS = 8;
const ROUNDS = positiveInt('BENCH_LB_ROUNDS', 2);
const NGINX = ['/usr/sbin/nginx', 'nginx'];

const BACKEND = `
const http = require('node:http');
const body = Buffer.from('hello, world\\n');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 75000;
server.listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

// Two floors for a proxy written in Node, run beside Wharf's in the same run: the least a node:http server
// in front of pooled raw upstream sockets can do, and the least raw sockets on both sides can do (neither
// parses more than it must for this fixed backend, routes, counts or handles any error). They tell how much
// of the gap to nginx is Node's, and how much Wharf's own.
const FLOOR_PROXY = `
const http = require('node:http');
const net = require('node:net');
const [port, upstreamPort, mode] = process.argv.slice(1);
const idle = [];
function upstream() {
  const pooled = idle.pop();
  if (pooled) return pooled;
  const socket = net.connect({ host: '127.0.0.1', port: Number(upstreamPort), noDelay: true });
  socket.on('data', (chunk) => socket.answer(chunk));
  socket.on('error', () => {});
  return socket;
}
const forwarded = (address) => 'X-Forwarded-For: ' + address + '\\r\\nX-Forwarded-Proto: http\\r\\nX-Forwarded-Port: ' + port + '\\r\\n\\r\\n';
if (mode === 'http') {
  http.createServer({ keepAliveTimeout: 75000 }, (req, res) => {
    const socket = upstream();
    socket.answer = (chunk) => {
      const end = chunk.indexOf('\\r\\n\\r\\n');
      const lines = chunk.toString('latin1', 0, end).split('\\r\\n');
      const headers = [];
      for (let i = 1; i < lines.length; i++) { const colon = lines[i].indexOf(':'); headers.push(lines[i].slice(0, colon), lines[i].slice(colon + 1).trim()); }
      idle.push(socket);
      res.writeHead(Number(lines[0].slice(9, 12)), headers);
      res.end(chunk.subarray(end + 4));
    };
    let head = req.method + ' ' + req.url + ' HTTP/1.1\\r\\n';
    for (let i = 0; i < req.rawHeaders.length; i += 2) head += req.rawHeaders[i] + ': ' + req.rawHeaders[i + 1] + '\\r\\n';
    socket.write(head + forwarded(req.socket.remoteAddress));
  }).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
} else {
  net.createServer({ noDelay: true }, (client) => {
    client.on('error', () => {});
    client.on('data', (chunk) => {
      const socket = upstream();
      socket.answer = (answer) => { idle.push(socket); client.write(answer); };
      socket.write(chunk.toString('latin1', 0, chunk.indexOf('\\r\\n\\r\\n')) + '\\r\\n' + forwarded(client.remoteAddress));
    });
  }).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
}
`;

function nginxConfig(dir, backendPort, port) {
  // One worker, keep-alive to the upstream, the same headers the ALB adds.
  return `worker_processes 1;
daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
    }
  }
}
`;
}

/** Starts a child and resolves once `probe` answers; the child is killed on failure. */
async function startChild(dl, name, command, args, probe) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  for (;;) {
    dl.check();
    if (child.exitCode !== null) throw new StepFailed(`${name} exited (${child.exitCode}): ${output.slice(-1000)}`);
    if (await probe().catch(() => false)) return child;
    await sleep(100);
  }
}

const answers = (port) => async () => (await fetch(`http://127.0.0.1:${port}/`)).ok;

async function stopChild(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** wrk --latency prints "50%  1.23ms" lines; returns milliseconds. */
function wrkPercentile(output, percent) {
  const match = new RegExp(`\\s${percent}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

async function wrk(port, host) {
  const output = await execFileP('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const failed = non2xx + (errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return { rps, p50: wrkPercentile(output, 50), p99: wrkPercentile(output, 99), failed };
}

async function findNginx() {
  for (const candidate of NGINX) {
    try {
      await execFileP(candidate, ['-v']);
      return candidate;
    } catch (error) {
      if (error.code !== 'ENOENT') return candidate; // -v prints to stderr; some builds exit non-zero
    }
  }
  return undefined;
}

/** Creates target group, load balancer and listener through the ELBv2 API; returns the listener's bound port and the LB's DNS name. */
async function createLoadBalancer(dl, wharf, backendPort) {
  const elb = new ElasticLoadBalancingV2Client({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
  try {
    const lb = (await dl.run(elb.send(new CreateLoadBalancerCommand({ Name: 'bench', Subnets: ['subnet-1', 'subnet-2'], Type: 'application' })))).LoadBalancers[0];
    const group = (await dl.run(elb.send(new CreateTargetGroupCommand({ Name: 'bench', Protocol: 'HTTP', Port: backendPort, TargetType: 'ip', VpcId: lb.VpcId, HealthCheckPath: '/' })))).TargetGroups[0];
    await dl.run(elb.send(new RegisterTargetsCommand({ TargetGroupArn: group.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: backendPort }] })));
    const listener = (await dl.run(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: group.TargetGroupArn }] })))).Listeners[0];
    for (;;) {
      dl.check();
      const state = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn] }))).LoadBalancers[0].State?.Code;
      const served = (await (await fetch(`${wharf.endpoint}/_wharf/load-balancers`)).json()).listeners.find((item) => item.listenerArn === listener.ListenerArn);
      if (state === 'active' && served) return { port: served.boundPort, host: `${lb.DNSName}:${served.boundPort}` };
      await sleep(100);
    }
  } finally {
    elb.destroy();
  }
}

const fmt = (value) => (Number.isFinite(value) ? (value >= 100 ? Math.round(value).toString() : value.toFixed(2)) : '-');

async function main() {
  const notes = [];
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-lb-'));
  let backend;
  let nginx;
  let wharf;
  const floors = [];
  const rows = [];
  try {
    const nginxBin = await findNginx();
    const dl = deadline('setup', 120_000);
    const backendPort = await freePort();
    backend = await startChild(dl, 'backend', process.execPath, ['-e', BACKEND, String(backendPort)], answers(backendPort));
    if (nginxBin) {
      const nginxPort = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, backendPort, nginxPort));
      nginx = await startChild(dl, 'nginx', nginxBin, ['-c', join(dir, 'nginx.conf'), '-p', dir], answers(nginxPort));
      nginx.port = nginxPort;
    } else {
      notes.push('nginx not found: the nginx row is missing (scripts/bench.sh installs nginx-light on Debian)');
    }
    for (const [mode, label] of [['http', 'Node floor: node:http'], ['raw', 'Node floor: raw sockets']]) {
      const floorPort = await freePort();
      const child = await startChild(dl, label, process.execPath, ['-e', FLOOR_PROXY, String(floorPort), String(backendPort), mode], answers(floorPort));
      floors.push({ name: mode, label, port: floorPort, child });
    }
    // No sandbox pool: its container starts would load the machine during the first runs; tasks play no part here.
    wharf = await startWharf(dl, { label: 'lb', env: { WHARF_SANDBOX_POOL: '0' } });
    const through = await createLoadBalancer(dl, wharf, backendPort);
    // Warm up every path (JIT, connection pools), then alternate so load elsewhere on the machine hits all alike.
    await wrk(backendPort, '127.0.0.1');
    if (nginx) await wrk(nginx.port, '127.0.0.1');
    await wrk(through.port, through.host);
    for (const floor of floors) await wrk(floor.port, '127.0.0.1');
    const results = { direct: [], nginx: [], wharf: [], ...Object.fromEntries(floors.map((floor) => [floor.name, []])) };
    for (let round = 0; round < ROUNDS; round++) {
      results.direct.push(await wrk(backendPort, '127.0.0.1'));
      if (nginx) results.nginx.push(await wrk(nginx.port, '127.0.0.1'));
      results.wharf.push(await wrk(through.port, through.host));
      for (const floor of floors) results[floor.name].push(await wrk(floor.port, '127.0.0.1'));
    }
    // The best round of each: the one least disturbed by the rest of the machine.
    const best = (list) => list.reduce((a, b) => (b.rps > a.rps ? b : a), list[0]);
    for (const [name, label] of [['direct', 'backend direct'], ['nginx', 'nginx (1 worker)'], ['wharf', 'Wharf ALB listener'], ...floors.map((floor) => [floor.name, floor.label])]) {
      if (results[name].length === 0) continue;
      const row = best(results[name]);
      rows.push({ label, ...row, failed: results[name].reduce((sum, item) => sum + item.failed, 0) });
    }
    if (wharf.warnings > 0) notes.push(`Wharf logged ${wharf.warnings} warnings; the first: ${wharf.firstWarning}`);
  } catch (error) {
    notes.push(`FAILED: ${error.message}`);
    process.exitCode = 1;
  } finally {
    for (const floor of floors) await stopChild(floor.child);
    await stopChild(nginx);
    await stopChild(backend);
    await cleanUp(wharf, new Set(), notes, 60_000).catch((error) => notes.push(`clean-up failed: ${error.message}`));
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\nLoad balancer: ${CONNECTIONS} keep-alive connections, ${SECONDS} s per run, best of ${ROUNDS} rounds (wrk, one thread)\n`);
  console.log('| path                    | req/s   | p50 ms | p99 ms | failed |');
  console.log('|-------------------------|---------|--------|--------|--------|');
  for (const row of rows) console.log(`| ${row.label.padEnd(23)} | ${String(Math.round(row.rps)).padStart(7)} | ${fmt(row.p50).padStart(6)} | ${fmt(row.p99).padStart(6)} | ${String(row.failed).padStart(6)} |`);
  const n = rows.find((row) => row.label.startsWith('nginx'));
  const w = rows.find((row) => row.label.startsWith('Wharf'));
  if (n && w) {
    const throughput = w.rps / n.rps;
    const p99 = w.p99 / n.p99;
    console.log(`\nWharf / nginx: throughput ${throughput.toFixed(2)}x (target >= 0.8x), p99 ${p99.toFixed(2)}x (target <= 1.5x)`);
    for (const floor of rows.filter((row) => row.label.startsWith('Node floor'))) console.log(`${floor.label} / nginx: throughput ${(floor.rps / n.rps).toFixed(2)}x (what a Node proxy doing nothing else reaches here)`);
  }
  for (const note of notes) console.log(`note: ${note}`);
}

await main();
