// Benchmark: API throughput and RunTask latency on PostgreSQL beside SQLite,
// in the same run. Two `wharf up`, each with its own data directory: one on
// its SQLite files, one with `--store` on a fresh database of its own
// (wharf_bench_<random>, dropped at the end, also when the run fails). Both
// are seeded alike (a cluster, a task definition, a service, one RunTask) and
// left to settle; then DescribeClusters, DescribeTaskDefinition,
// DescribeServices and ListTasks are loaded over 8 keep-alive connections for
// BENCH_SECONDS (default 5) each, the two servers in turn, round after round
// (BENCH_ROUNDS, default 3, the server measured first alternating; best round
// kept), so both see the same machine. Then RunTask's accept latency (request
// to answer, one at a time, BENCH_RUNTASK_SAMPLES calls, default 40) on each.
// Targets: the read API's, as in api-throughput.mjs (>= 10,000 req/s and
// p99 < 5 ms each operation), beside each figure.
//
// The PostgreSQL server: WHARF_BENCH_POSTGRES, else WHARF_TEST_POSTGRES (what
// `npm run bench` starts and exports), a URL whose user may create databases;
// with neither set, only SQLite is measured and a note says so.
// Neither Wharf has a Docker engine (bench/lib/ecs-api.mjs): the API serves,
// tasks wait in PROVISIONING and no container is made. Needs dist/.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, interrupt } from './lib/harness.mjs';
import {
  API_TARGET, CASES, cell, CONNECTIONS, DURATION_S, fmt, loadOperation, machineLoad, printTable, ROUNDS, RUN_TASK_SAMPLES,
  runTask, runTaskLatency, seed, settle, startWharf, stopChild, verdict, WRK,
} from './lib/ecs-api.mjs';

const SERVER_URL = process.env.WHARF_BENCH_POSTGRES || process.env.WHARF_TEST_POSTGRES || undefined;

// ---------------------------------------------------------------- the database

/** The URL with its password left out, for the table. */
function redacted(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function onServer(serverUrl, work) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server: its URL, the server's version, and drop(). */
async function createDatabase(serverUrl) {
  const name = `wharf_bench_${randomBytes(6).toString('hex')}`;
  const version = await onServer(serverUrl, async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    return (await client.query('SHOW server_version')).rows[0].server_version;
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    version,
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE: a Wharf that did not stop in time must not keep the database.
      await onServer(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-store-'));
  const children = [];
  const notes = [];
  let database;
  let cleaned;
  const cleanUp = () => {
    cleaned ??= (async () => {
      for (const child of children) await stopChild(child);
      if (database) {
        await database.drop().catch((error) => console.error(`could not drop database ${database.name}: ${error.message}`));
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return cleaned;
  };
  // harness.mjs turns Ctrl-C into this abort: clean up (the database too) and stop.
  interrupt.signal.addEventListener('abort', () => void cleanUp().finally(() => process.exit(130)), { once: true });

  try {
    /** The servers measured, in column order: label, port, process. */
    const servers = [];
    const sqlitePort = await freePort();
    process.stderr.write('wharf up on SQLite...\n');
    const sqlite = await startWharf(sqlitePort, join(dir, 'sqlite'), { store: 'sqlite' });
    children.push(sqlite);
    servers.push({ label: 'sqlite', port: sqlitePort, child: sqlite });

    if (SERVER_URL) {
      database = await createDatabase(SERVER_URL);
      process.stderr.write(`wharf up on PostgreSQL (${database.name})...\n`);
      const pgPort = await freePort();
      const onPostgres = await startWharf(pgPort, join(dir, 'postgres'), { store: database.url });
      children.push(onPostgres);
      servers.push({ label: 'postgres', port: pgPort, child: onPostgres });
    } else {
      notes.push('PostgreSQL part skipped: no server. Set WHARF_BENCH_POSTGRES (or WHARF_TEST_POSTGRES) to a PostgreSQL URL whose user may create databases, e.g. postgres://postgres@127.0.0.1:55432/postgres, or run `npm run bench`, which starts one.');
    }

    for (const server of servers) {
      await seed(server.port);
      await runTask(server.port);
    }
    for (const server of servers) notes.push(`${server.label}: Wharf settled ${(await settle(server.child)).toFixed(1)} s after seeding`);

    const loadAtStart = machineLoad();
    // Round by round, each operation on each server in turn (which goes first alternates), best round kept.
    const reads = new Map(servers.map((server) => [server.label, new Map()]));
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? servers : [...servers].reverse();
      for (const [operation, payload] of CASES) {
        for (const server of order) {
          const result = await loadOperation(server.port, operation, payload, dir, `${server.label} (round ${round})`);
          const best = reads.get(server.label);
          if (!best.has(operation) || result.rps > best.get(operation).rps) best.set(operation, result);
        }
      }
    }
    const runTasks = new Map();
    for (const server of servers) {
      process.stderr.write(`measuring RunTask accept latency on ${server.label}...\n`);
      runTasks.set(server.label, await runTaskLatency(server.port));
    }
    const loadAtEnd = machineLoad();

    const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
    const rows = CASES.map(([operation]) => {
      const s = reads.get('sqlite').get(operation);
      const p = reads.get('postgres')?.get(operation);
      return [operation, cell(s), verdict(s), cell(p), verdict(p), p ? `${ratio(p.rps, s.rps)} r/s, ${ratio(p.p99, s.p99)} p99` : '-'];
    });
    const runTaskCell = (r) => (r ? `${fmt(r.p50)} / ${fmt(r.p99)}` : '-');
    const rs = runTasks.get('sqlite');
    const rp = runTasks.get('postgres');
    rows.push(['RunTask accept (p50 / p99 ms)', runTaskCell(rs), 'no target', runTaskCell(rp), rp ? 'no target' : '', rp ? `${ratio(rp.p50, rs.p50)} p50, ${ratio(rp.p99, rs.p99)} p99` : '-']);

    console.log(`\nThe store on PostgreSQL beside SQLite (${WRK ? 'wrk' : 'autocannon'}): ${CONNECTIONS} keep-alive connections, ${DURATION_S}s each, best of ${ROUNDS} interleaved rounds; read cells are req/s / p99 ms`);
    console.log(`targets (as bench/api-throughput.mjs): >= ${API_TARGET.rps.toLocaleString('en-US')} req/s and p99 < ${API_TARGET.p99Ms} ms per read operation; RunTask: ${RUN_TASK_SAMPLES} calls one at a time, compared, no target of its own`);
    console.log(`sqlite: wharf up on its data directory's files; postgres: ${database ? `wharf up --store ${redacted(database.url)} (PostgreSQL ${database.version}, a fresh database)` : 'skipped (see the note)'}; both without a Docker engine`);
    console.log(`load at start: ${loadAtStart}`);
    console.log(`load at end:   ${loadAtEnd}\n`);
    printTable(rows, ['operation', 'sqlite', 'sqlite vs target', 'postgres', 'postgres vs target', 'postgres/sqlite']);
    for (const note of notes) console.log(`note: ${note}`);
  } finally {
    await cleanUp();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
