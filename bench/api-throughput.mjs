// Benchmark: the read API's throughput and latency, and how they hold up as
// records grow. Four operations (DescribeClusters, DescribeTaskDefinition,
// DescribeServices, ListTasks), signed and validated as any request is, over
// 8 keep-alive connections, on Wharf holding 100 / 1,000 / 10,000 task records
// (BENCH_RECORDS; half of them STOPPED, in the one cluster that is measured),
// beside a bare Node HTTP server answering a fixed body and (when installed)
// moto's server, in the same run. Then RunTask's accept latency (request to
// answer, one at a time) at each size.
//
// Requests are signed once and replayed by wrk, else autocannon
// (bench/lib/ecs-api.mjs). BENCH_SECONDS (default 5) per measurement.
//
// Two servers are measured at each size: the ECS API alone on the store
// (bench/lib/api-only-server.mjs: the same gateway, handlers and SQLite store,
// no controllers), one per size, all up at once and measured in turn for
// BENCH_ROUNDS (default 3) rounds, best round kept, so every size sees the
// same machine; then `wharf up` itself, one size at a time.
//
// The task records are copies of one real RunTask's record, written into the
// store file while no server runs. So that Wharf keeps them as they are,
// it runs without a Docker engine (WHARF_DOCKER_SOCKET names no socket): the
// API serves, the task supervisor retries its tasks with back-off, and no
// container is made. The background cost of those retries and of the
// controllers' periodic resyncs is part of what is measured.
// Run with `npm run bench` (needs dist/); it prints a table.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../dist/adapters/store-sqlite/sqlite-store.js';
import { KIND } from '../dist/domain/ecs/record-keys.js';
import { freePort, ROOT } from './lib/harness.mjs';
import {
  API_TARGET, CASES, cell, CLUSTER, CONNECTIONS, DURATION_S, fmt, load, loadOperation, machineLoad, printTable, ROUNDS,
  RUN_TASK_SAMPLES, runTask, runTaskLatency, seed, settle, startWharf, stopChild, verdict, waitForHttp, WRK,
} from './lib/ecs-api.mjs';

const SIZES = (process.env.BENCH_RECORDS ?? '100,1000,10000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const TARGET = { ...API_TARGET, flat: 1.3 };
const SCOPE = { account: '123456789012', region: 'us-east-1' }; // the default access key's account

// ---------------------------------------------------------------- processes

/** The ECS API alone on the store file (bench/lib/api-only-server.mjs): no controllers. */
async function startApiOnly(port, dataDir) {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'lib', 'api-only-server.mjs'), String(port), join(dataDir, 'wharf.db')], { stdio: 'ignore' });
  process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  await waitForHttp(`http://127.0.0.1:${port}/`, child, 'api-only server');
  return child;
}

/** A bare Node server: reads the request, answers a fixed JSON body, keep-alive. */
async function startBareServer(port) {
  const source = `
    const body = Buffer.from(JSON.stringify({ clusters: [{ clusterName: 'bench', status: 'ACTIVE', runningTasksCount: 0 }], failures: [] }));
    require('node:http').createServer({ keepAliveTimeout: 65000 }, (req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': body.length }); res.end(body); });
    }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', source], { stdio: 'ignore' });
  await waitForHttp(`http://127.0.0.1:${port}/`, child, 'bare node server');
  return child;
}

/** Grows the store to `size` task records (half STOPPED) by copying `template`, while Wharf is stopped. */
async function growTasks(dataDir, size) {
  const store = new SqliteStore(join(dataDir, 'wharf.db'));
  try {
    const existing = await store.list(KIND.task, SCOPE, { prefix: `${CLUSTER}/` });
    const template = existing[0]?.doc;
    if (!template) throw new Error('no task record to copy');
    let count = existing.length;
    const stamp = Date.now();
    while (count < size) {
      const ops = [];
      for (; count < size && ops.length < 500; count++) {
        const taskId = `${stamp.toString(16)}${String(count).padStart(12, '0')}`.slice(0, 32);
        const stopped = count % 2 === 1;
        const at = new Date().toISOString();
        const doc = structuredClone(template);
        doc.taskArn = template.taskArn.replace(/[^/]+$/, taskId);
        doc.wharf.taskId = taskId;
        doc.lastStatus = stopped ? 'STOPPED' : 'RUNNING';
        doc.desiredStatus = stopped ? 'STOPPED' : 'RUNNING';
        if (stopped) Object.assign(doc, { stoppedAt: at, stopCode: 'UserInitiated', stoppedReason: 'bench' });
        else doc.startedAt = at;
        ops.push({ op: 'put', kind: KIND.task, scope: SCOPE, id: `${CLUSTER}/${taskId}`, doc, expect: 'absent' });
      }
      await store.write(ops);
    }
    return { count, recordBytes: JSON.stringify(template).length };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-api-'));
  const children = [];
  const results = { bare: undefined, moto: new Map(), api: new Map(), wharf: new Map(), apiRunTask: new Map(), wharfRunTask: new Map() };
  const notes = [];
  try {
    const barePort = await freePort();
    const bare = await startBareServer(barePort);
    children.push(bare);
    results.bare = await load(barePort, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ clusters: [CLUSTER] }) }, dir);
    await stopChild(bare);

    const motoPort = await freePort();
    const moto = spawn('moto_server', ['-p', String(motoPort)], { stdio: 'ignore' });
    let motoAvailable = await new Promise((resolve) => {
      moto.once('error', () => resolve(false));
      waitForHttp(`http://127.0.0.1:${motoPort}/`, moto, 'moto_server').then(() => resolve(true), () => resolve(false));
    });
    if (motoAvailable) {
      children.push(moto);
      try {
        await seed(motoPort, { awsvpc: false });
        for (const [operation, payload] of CASES) results.moto.set(operation, await loadOperation(motoPort, operation, payload, dir, 'moto'));
      } catch (error) {
        motoAvailable = false;
        notes.push(`moto_server failed (${error.message}); its column is empty`);
      }
      await stopChild(moto);
    } else {
      notes.push('moto_server is not installed here: no moto column');
    }

    // The seeded base: a cluster, the task definition, a service and one real RunTask record, the template of every copy.
    const baseDir = join(dir, 'base');
    const port = await freePort();
    const seeding = await startWharf(port, baseDir);
    children.push(seeding);
    await seed(port);
    await runTask(port);
    await stopChild(seeding);
    const dataDirs = new Map();
    for (const size of SIZES) {
      const dataDir = join(dir, `tasks-${size}`);
      cpSync(baseDir, dataDir, { recursive: true });
      const { recordBytes } = await growTasks(dataDir, size);
      if (size === SIZES[0]) notes.push(`a task record is ${recordBytes.toLocaleString('en-US')} bytes of JSON`);
      dataDirs.set(size, dataDir);
    }

    // The API alone: one server per size, all up at once and measured in turn, round after round,
    // so every size sees the same machine (others' load comes and goes); the best round counts.
    const apiPorts = new Map();
    for (const size of SIZES) {
      const apiPort = await freePort();
      children.push(await startApiOnly(apiPort, dataDirs.get(size)));
      apiPorts.set(size, apiPort);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [operation, payload] of CASES) {
        for (const size of SIZES) {
          const result = await loadOperation(apiPorts.get(size), operation, payload, dir, `the API alone (${size} tasks, round ${round})`);
          const reads = results.api.get(size) ?? new Map();
          results.api.set(size, reads);
          if (!reads.has(operation) || result.rps > reads.get(operation).rps) reads.set(operation, result);
        }
      }
    }
    for (const size of SIZES) {
      process.stderr.write(`measuring RunTask accept latency on the API alone (${size} tasks)...\n`);
      results.apiRunTask.set(size, await runTaskLatency(apiPorts.get(size)));
    }
    for (const child of children.splice(0)) await stopChild(child);

    // The whole of Wharf, one size at a time (each Wharf's controllers work in the background).
    for (const size of SIZES) {
      process.stderr.write(`${size} task records: wharf up...\n`);
      const wharf = await startWharf(port, dataDirs.get(size));
      children.push(wharf);
      notes.push(`${size} tasks: Wharf settled ${(await settle(wharf)).toFixed(1)} s after it answered`);
      const reads = new Map();
      for (const [operation, payload] of CASES) reads.set(operation, await loadOperation(port, operation, payload, dir, `wharf (${size} tasks)`));
      results.wharf.set(size, reads);
      process.stderr.write(`measuring RunTask accept latency on wharf (${size} tasks)...\n`);
      results.wharfRunTask.set(size, await runTaskLatency(port));
      await stopChild(wharf);
    }

    const first = SIZES[0];
    const last = SIZES.at(-1);
    const flat = (measured, operation) => {
      const a = measured.get(first)?.get(operation);
      const b = measured.get(last)?.get(operation);
      const ratio = a && b && b.rps > 0 ? a.rps / b.rps : NaN;
      return `${Number.isFinite(ratio) ? ratio.toFixed(2) : '-'}x ${ratio <= TARGET.flat ? 'ok' : 'over'}`;
    };
    console.log(`\nAPI throughput (${WRK ? 'wrk' : 'autocannon'}): ${CONNECTIONS} keep-alive connections, ${DURATION_S}s each, SigV4 + model validation on; cells are req/s / p99 ms`);
    console.log(`targets: >= ${TARGET.rps.toLocaleString('en-US')} req/s and p99 < ${TARGET.p99Ms} ms each; flat: time per request at ${last.toLocaleString('en-US')} tasks within ${TARGET.flat}x of ${first.toLocaleString('en-US')} tasks`);
    console.log(`"api": the ECS API alone on the store (no controllers), best of ${ROUNDS} interleaved rounds; "wharf": wharf up, controllers and all, without a Docker engine, one round`);
    console.log(`load: ${machineLoad()}\n`);
    const rows = [];
    for (const [operation] of CASES) {
      rows.push([operation, 'bare node', cell(results.bare), '', '']);
      if (motoAvailable) rows.push(['', 'moto', cell(results.moto.get(operation)), '', '']);
      for (const [what, measured] of [['api', results.api], ['wharf', results.wharf]]) {
        rows.push(['', what, ...SIZES.map((size) => cell(measured.get(size)?.get(operation))), flat(measured, operation), verdict(measured.get(last)?.get(operation))]);
      }
    }
    printTable(rows, ['operation', 'server', ...SIZES.map((size) => `${size.toLocaleString('en-US')} tasks`), `${last}/${first} (<= ${TARGET.flat}x)`, `at ${last.toLocaleString('en-US')} tasks`]);

    console.log(`\nRunTask accept latency (request to answer, one at a time, ${RUN_TASK_SAMPLES} calls): p50 / p99 ms, target: p50 at ${last.toLocaleString('en-US')} tasks within ${TARGET.flat}x of ${first.toLocaleString('en-US')}`);
    const runTaskRows = [['api', results.apiRunTask], ['wharf', results.wharfRunTask]].map(([what, measured]) => {
      const a = measured.get(first);
      const b = measured.get(last);
      const ratio = a && b ? b.p50 / a.p50 : NaN;
      return [what, ...SIZES.map((size) => { const r = measured.get(size); return r ? `${fmt(r.p50)} / ${fmt(r.p99)}` : '-'; }), `${Number.isFinite(ratio) ? ratio.toFixed(2) : '-'}x ${ratio <= TARGET.flat ? 'ok' : 'over'}`];
    });
    printTable(runTaskRows, ['server', ...SIZES.map((size) => `${size.toLocaleString('en-US')} tasks`), `p50 ${last}/${first} (<= ${TARGET.flat}x)`]);
    for (const note of notes) console.log(`note: ${note}`);
  } finally {
    for (const child of children) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
