import { targetKey, type TargetGroupRecord, type TargetHealthRecord } from '../../domain/elbv2/records.js';
import { algorithmOf, pickLeastOutstanding, routableTargets, type LoadBalancingAlgorithm } from '../../domain/elbv2/routing.js';
import { pruneEnded } from '../../domain/elbv2/targets.js';
import { UpstreamPool } from './upstream-pool.js';

/** Something in flight to a target that must end when the target's drain ends. */
export interface InFlight {
  destroy(error?: Error): unknown;
}

/**
 * One target (`<ip>:<port>`) as the proxies see it: its keep-alive connection
 * pool (shared by every group the target is in) and what is in flight to it.
 */
export class TargetRuntime {
  /** Requests in flight (least outstanding requests counts these). */
  outstanding = 0;
  readonly inFlight = new Set<InFlight>();

  constructor(
    readonly key: string,
    readonly host: string,
    readonly port: number,
    readonly pool: UpstreamPool,
  ) {}
}

/**
 * A target group as the proxies see it, updated in place when records change
 * so its round-robin cursor and counters survive: the targets new requests
 * may go to, and every target still draining (whose requests may finish).
 */
export class TargetGroupRuntime {
  routable: TargetRuntime[] = [];
  readonly members = new Map<string, TargetRuntime>();
  algorithm: LoadBalancingAlgorithm = 'round_robin';
  /** lb_cookie stickiness: the cookie's lifetime, undefined when off. */
  stickyMs: number | undefined;
  private cursor = 0;
  private readonly outstandingScratch: number[] = [];

  constructor(readonly arn: string) {}

  /** Applies the group's record and health; returns the targets it dropped (their drains ended). */
  update(record: TargetGroupRecord, health: TargetHealthRecord | undefined, now: number, targets: TargetDirectory): TargetRuntime[] {
    this.algorithm = algorithmOf(record);
    const sticky = record.attributes['stickiness.enabled'] === 'true' && (record.attributes['stickiness.type'] ?? 'lb_cookie') === 'lb_cookie';
    this.stickyMs = sticky ? Number(record.attributes['stickiness.lb_cookie.duration_seconds'] ?? 86400) * 1000 : undefined;
    const present = new Map<string, TargetRuntime>();
    for (const target of pruneEnded(record, now)) {
      const key = targetKey(target);
      present.set(key, this.members.get(key) ?? targets.acquire(key, target.id, target.port));
    }
    const dropped: TargetRuntime[] = [];
    for (const [key, runtime] of this.members) {
      if (!present.has(key)) {
        dropped.push(runtime);
        this.members.delete(key);
      }
    }
    for (const [key, runtime] of present) this.members.set(key, runtime);
    this.routable = routableTargets(record, health).map((target) => present.get(targetKey(target))!);
    return dropped;
  }

  /** The next target for a new request, or undefined when none is registered. */
  pick(): TargetRuntime | undefined {
    const routable = this.routable;
    const count = routable.length;
    if (count === 0) return undefined;
    if (count === 1) return routable[0];
    const start = this.cursor++ % count;
    if (this.cursor > 1e9) this.cursor = 0;
    if (this.algorithm === 'round_robin') return routable[start];
    const outstanding = this.outstandingScratch;
    outstanding.length = count;
    for (let i = 0; i < count; i++) outstanding[i] = routable[i]!.outstanding;
    return routable[pickLeastOutstanding(outstanding, start)];
  }

  /** A routable target by key (a sticky cookie's choice), if it still takes requests. */
  routableByKey(key: string): TargetRuntime | undefined {
    for (const target of this.routable) if (target.key === key) return target;
    return undefined;
  }
}

/** Keep-alive connection pools per target, shared across groups; a pool goes when no group uses its target. */
export class TargetDirectory {
  private readonly targets = new Map<string, { runtime: TargetRuntime; users: number }>();

  acquire(key: string, host: string, port: number): TargetRuntime {
    let entry = this.targets.get(key);
    if (!entry) {
      // A connection per concurrent request, never queued; up to 256 idle ones are kept for reuse.
      entry = { runtime: new TargetRuntime(key, host, port, new UpstreamPool(host, port)), users: 0 };
      this.targets.set(key, entry);
    }
    entry.users++;
    return entry.runtime;
  }

  release(runtime: TargetRuntime): void {
    const entry = this.targets.get(runtime.key);
    if (!entry || entry.runtime !== runtime) return;
    if (--entry.users > 0) return;
    this.targets.delete(runtime.key);
    for (const inFlight of runtime.inFlight) inFlight.destroy();
    runtime.pool.destroy();
  }

  closeAll(): void {
    for (const { runtime } of this.targets.values()) {
      for (const inFlight of runtime.inFlight) inFlight.destroy();
      runtime.pool.destroy();
    }
    this.targets.clear();
  }
}
