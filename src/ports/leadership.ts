/**
 * Which Wharf process runs the controllers. Every process answers the API;
 * only the leader reconciles (schedules, supervises containers, serves the
 * load balancers and the task endpoint), as one kube-controller-manager of
 * several leads. A process on the embedded store is always its own leader.
 */
export interface LeaderTerm {
  /** Grows by one with every new leader: the fencing token its writes are checked against. */
  readonly epoch: number;
  /**
   * Settles when this process is no longer sure it leads (its lock's
   * connection dropped). The process must stop reconciling at once: another
   * may already lead, and its writes are refused from then on.
   */
  readonly lost: Promise<void>;
}

export interface Leadership {
  /** Resolves when this process leads; waits (without limit) while another one does. */
  acquire(): Promise<LeaderTerm>;
  /** Gives leadership up (or stops waiting for it). */
  close(): Promise<void>;
}

/** A write made by a deposed leader: refused, whatever it was, because another process leads now. */
export class FencedWriteError extends Error {
  constructor(readonly epoch: number, readonly current: number | undefined) {
    super(`this process led as epoch ${epoch}, the database's leader epoch is ${current ?? 'unset'}: it no longer leads and may not write`);
    this.name = 'FencedWriteError';
  }
}

/** The only process on its store: leads from the start, for as long as it runs. */
export const soleLeadership: Leadership = {
  acquire: async () => ({ epoch: 1, lost: new Promise<void>(() => undefined) }),
  close: async () => undefined,
};
