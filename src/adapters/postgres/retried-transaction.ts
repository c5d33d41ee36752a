import type pg from 'pg';
import { inTransaction } from './postgres-database.js';

/**
 * Where the SQLite adapters rely on SQLite's single writer, the PostgreSQL
 * ones let several processes write at once: then PostgreSQL may end a
 * transaction with a serialization failure (40001) or pick it as a deadlock
 * victim (40P01). Both mean "nothing happened, run it again", so the adapter
 * does, rather than handing callers an error that is nobody's fault.
 */
const TRANSIENT_CONFLICTS = new Set(['40001', '40P01']);

/** How often a conflicting transaction is tried in all before its error is passed on. */
const ATTEMPTS = 8;

export function isTransientConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && TRANSIENT_CONFLICTS.has((error as { code?: unknown }).code as string);
}

/** Runs `attempt` again (after a short, growing, jittered pause) while it fails with a transient conflict. */
export async function retryingConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= ATTEMPTS || !isTransientConflict(error)) throw error;
      // Jitter, so two processes that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** tries));
    }
  }
}

/** inTransaction, run again from the start on a transient conflict: `step` must not keep state across attempts. */
export function inRetriedTransaction<T>(pool: pg.Pool, step: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return retryingConflicts(() => inTransaction(pool, step));
}
