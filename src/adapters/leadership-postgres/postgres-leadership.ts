import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { advisoryKey, migrate, openPool } from '../postgres/postgres-database.js';
import { FencedWriteError, type LeaderTerm, type Leadership } from '../../ports/leadership.js';
import type { Logger } from '../../ports/logger.js';

const LEASE = 'controllers';

const MIGRATIONS = [
  `CREATE TABLE wharf_leader (
     name TEXT COLLATE "C" PRIMARY KEY,
     epoch BIGINT NOT NULL,
     holder TEXT NOT NULL,
     since TIMESTAMPTZ NOT NULL
   )`,
  // The lease: the leader renews heartbeat_at; a waiter that finds it stale ends backend_pid's session.
  `ALTER TABLE wharf_leader ADD COLUMN heartbeat_at TIMESTAMPTZ, ADD COLUMN backend_pid INTEGER`,
];

export interface PostgresLeadershipOptions {
  readonly url: string;
  readonly logger: Logger;
  /** How often the leader renews its lease on the lock's connection (which also notices a dropped connection). Default 2 s. */
  readonly heartbeatMs?: number;
  /**
   * How long a lease may go unrenewed before a waiting process ends the
   * leader's session and takes over: what deposes a leader that hangs (a
   * stopped process, a partition) while its connection stays open. Default 15 s.
   */
  readonly staleAfterMs?: number;
}

/**
 * Leadership on PostgreSQL: a session advisory lock held on a connection of
 * its own, and an epoch in `wharf_leader` bumped by each new holder.
 *
 * The lock is what makes one leader at a time: PostgreSQL releases it the
 * moment the holder's session ends (a killed process's socket closes; a
 * silent network is cut by the server's TCP keepalives), and the process
 * blocked in `pg_advisory_lock` gets it at once. The epoch is what makes a
 * deposed leader harmless in the gap before it notices: the controllers'
 * writes check it (`checkEpoch`, under a share lock, in the same
 * transaction), and the new leader's bump waits for those writes and makes
 * every later one fail with FencedWriteError.
 *
 * A leader that hangs with its connection open (stopped, starved, cut off
 * without a reset) would keep the lock: so the leader renews a lease
 * (`heartbeat_at`, in the database's own clock) every heartbeat, and a
 * waiter that finds it older than `staleAfterMs` ends the leader's session
 * (`pg_terminate_backend`), which hands the lock to the first waiter.
 */
export class PostgresLeadership implements Leadership {
  private client: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  private constructor(private readonly options: PostgresLeadershipOptions) {}

  static async open(options: PostgresLeadershipOptions): Promise<PostgresLeadership> {
    const pool = openPool({ url: options.url, poolSize: 1 });
    try {
      await migrate(pool, 'leadership', MIGRATIONS);
    } finally {
      await pool.end();
    }
    return new PostgresLeadership(options);
  }

  async acquire(): Promise<LeaderTerm> {
    const { logger } = this.options;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new Error('leadership closed');
      const client = new pg.Client({ connectionString: this.options.url, application_name: 'wharf-leadership', keepAlive: true });
      let lost!: () => void;
      const lostPromise = new Promise<void>((resolve) => (lost = resolve));
      client.on('error', () => lost());
      client.on('end', () => lost());
      try {
        await client.connect();
        this.client = client;
        const free = await client.query<{ free: boolean }>('SELECT pg_try_advisory_lock($1) AS free', [advisoryKey(`wharf:${LEASE}`).toString()]);
        if (!free.rows[0]!.free) {
          const current = await client.query<{ holder: string }>('SELECT holder FROM wharf_leader WHERE name = $1', [LEASE]);
          logger.info({ leader: current.rows[0]?.holder }, 'another Wharf process leads: serving the API and waiting to take over');
          // Blocks in the server until the holder's session ends (it dies, or the watchdog ends a stale one).
          const watchdog = this.watchStaleLeader();
          try {
            await client.query('SELECT pg_advisory_lock($1)', [advisoryKey(`wharf:${LEASE}`).toString()]);
          } finally {
            await watchdog.stop();
          }
        }
        const bumped = await client.query<{ epoch: string }>(
          `INSERT INTO wharf_leader (name, epoch, holder, since, heartbeat_at, backend_pid) VALUES ($1, 1, $2, now(), now(), pg_backend_pid())
           ON CONFLICT (name) DO UPDATE SET epoch = wharf_leader.epoch + 1, holder = excluded.holder, since = excluded.since,
             heartbeat_at = excluded.heartbeat_at, backend_pid = excluded.backend_pid
           RETURNING epoch`,
          [LEASE, this.holder],
        );
        const epoch = Number(bumped.rows[0]!.epoch);
        this.startHeartbeat(client, epoch, lost);
        logger.info({ epoch, holder: this.holder }, 'this Wharf process leads: starting the controllers');
        return { epoch, lost: lostPromise };
      } catch (error) {
        this.client = undefined;
        await client.end().catch(() => undefined);
        if (this.closed) throw error;
        const delayMs = Math.min(5_000, 250 * attempt);
        logger.warn({ err: error, retryInMs: delayMs }, 'cannot reach PostgreSQL for leadership; retrying');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Renews the lease; a renewal that fails, or finds another epoch, means this process no longer leads. */
  private startHeartbeat(client: pg.Client, epoch: number, lost: () => void): void {
    const every = this.options.heartbeatMs ?? 2_000;
    this.heartbeat = setInterval(() => {
      client.query('UPDATE wharf_leader SET heartbeat_at = now() WHERE name = $1 AND epoch = $2', [LEASE, epoch]).then(
        (result) => {
          if (result.rowCount === 0) lost();
        },
        () => lost(),
      );
    }, every);
    this.heartbeat.unref();
  }

  /**
   * While this process waits for the lock: every half of `staleAfterMs`, ends
   * the session of a leader whose lease is older than that, on a connection
   * of its own (the waiting one is blocked in the lock).
   */
  private watchStaleLeader(): { stop(): Promise<void> } {
    const staleAfterMs = this.options.staleAfterMs ?? 15_000;
    const checker = new pg.Client({ connectionString: this.options.url, application_name: 'wharf-leadership-watchdog' });
    checker.on('error', () => undefined);
    const connected = checker.connect().then(() => true, () => false);
    let checking = false;
    const check = async () => {
      if (checking || !(await connected)) return;
      checking = true;
      try {
        const stale = await checker.query<{ holder: string; backend_pid: number }>(
          `SELECT holder, backend_pid FROM wharf_leader
           WHERE name = $1 AND backend_pid IS NOT NULL AND heartbeat_at < now() - make_interval(secs => $2)`,
          [LEASE, staleAfterMs / 1000],
        );
        const leader = stale.rows[0];
        if (leader) {
          this.options.logger.warn({ leader: leader.holder, staleAfterMs }, 'the leader has not renewed its lease: ending its session so this process can take over');
          // Only if that pid is still a leadership session: a dead leader's pid may already serve someone else.
          await checker.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND application_name = 'wharf-leadership'", [leader.backend_pid]);
        }
      } catch {
        // The next round tries again; the lock wait itself is unaffected.
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(() => void check(), Math.max(50, staleAfterMs / 2));
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await checker.end().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Ending the session releases the advisory lock.
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}

/**
 * The fencing check a leader's writes run first, in their own transaction:
 * refused unless the database's epoch is still `epoch`. The share lock keeps
 * a new leader's bump from committing between this check and the write.
 */
export function checkEpoch(epoch: number): (client: pg.PoolClient) => Promise<void> {
  return async (client) => {
    const row = await client.query<{ epoch: string }>('SELECT epoch FROM wharf_leader WHERE name = $1 FOR SHARE', [LEASE]);
    const current = row.rows[0] ? Number(row.rows[0].epoch) : undefined;
    if (current !== epoch) throw new FencedWriteError(epoch, current);
  };
}
