import { request as httpRequest } from 'node:http';
import { nextHealth, parseMatcher, registeredTracker, resumedTracker, type ProbeResult, type TargetHealthTracker } from '../../domain/elbv2/health-check.js';
import { ELBV2_KIND, targetKey, type HealthCheckSettings, type TargetGroupRecord, type TargetHealthObservation, type TargetHealthRecord } from '../../domain/elbv2/records.js';
import { registeredTargets } from '../../domain/elbv2/targets.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { retryOnStale, type ScopedRecord, type Scope, type Store } from '../../ports/store.js';

/** A target group the load balancers use, with the health record as last read. */
export interface CheckedGroup {
  readonly group: ScopedRecord<TargetGroupRecord>;
  readonly health: TargetHealthRecord | undefined;
}

interface Prober {
  readonly scope: Scope;
  readonly groupId: string;
  readonly groupArn: string;
  readonly key: string;
  readonly host: string;
  port: number;
  settings: HealthCheckSettings;
  ranges: [number, number][];
  tracker: TargetHealthTracker;
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

/**
 * ALB's health checks: for every registered target of every target group a
 * load balancer uses, an HTTP GET of the health-check path every interval.
 * The decisions are the pure domain/elbv2/health-check.ts; this sends the
 * probes and writes the group's `elbv2.target-health` record only when an
 * observation changes (so the store is not written on every probe).
 */
export class HealthChecker {
  private readonly probers = new Map<string, Prober>();
  /** One write at a time per group record, so probers of one group do not race each other. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Every wait is divided by this (WHARF_TIME_SCALE), so tests see transitions in seconds. */
    private readonly timeScale: number,
  ) {}

  /** Starts probing new targets, re-reads settings, stops probing targets and groups that went away. */
  sync(groups: readonly CheckedGroup[]): void {
    const wanted = new Set<string>();
    for (const { group, health } of groups) {
      const settings = group.doc.healthCheck;
      if (!settings.enabled) continue;
      const ranges = parseMatcher(settings.httpCode) ?? [[200, 200]];
      for (const target of registeredTargets(group.doc)) {
        const key = targetKey(target);
        const id = `${group.scope.account}|${group.scope.region}|${group.id}|${key}`;
        wanted.add(id);
        const existing = this.probers.get(id);
        if (existing) {
          // ModifyTargetGroup takes effect from the next probe.
          existing.settings = settings;
          existing.ranges = ranges;
          existing.port = settings.port === 'traffic-port' ? target.port : Number(settings.port);
          continue;
        }
        // Resumed only when it is about this registration: an older one was about a previous target at this address.
        const previous = health?.targets[key];
        const stored = previous && previous.changedAt >= target.registeredAt ? previous : undefined;
        const prober: Prober = {
          scope: group.scope,
          groupId: group.id,
          groupArn: group.doc.targetGroupArn,
          key,
          host: target.id,
          port: settings.port === 'traffic-port' ? target.port : Number(settings.port),
          settings,
          ranges,
          tracker: stored ? resumedTracker(stored) : registeredTracker(this.clock.now().getTime()),
          timer: undefined,
          stopped: false,
        };
        this.probers.set(id, prober);
        if (!stored) this.publish(prober, prober.tracker.observation);
        // The first probe goes at once, so a new target is judged without waiting an interval.
        prober.timer = setTimeout(() => void this.probe(prober), 0);
      }
    }
    for (const [id, prober] of this.probers) {
      if (wanted.has(id)) continue;
      prober.stopped = true;
      clearTimeout(prober.timer);
      this.probers.delete(id);
    }
  }

  stop(): void {
    for (const prober of this.probers.values()) {
      prober.stopped = true;
      clearTimeout(prober.timer);
    }
    this.probers.clear();
  }

  /** Waits for health writes under way (for an orderly shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  private intervalMs(settings: HealthCheckSettings): number {
    return Math.max(50, (settings.intervalSeconds * 1000) / this.timeScale);
  }

  private async probe(prober: Prober): Promise<void> {
    if (prober.stopped) return;
    const interval = this.intervalMs(prober.settings);
    // A probe never outlasts the interval, so probes of one target never overlap.
    const result = await probeOnce(prober.host, prober.port, prober.settings.path, Math.min(prober.settings.timeoutSeconds * 1000, interval));
    if (prober.stopped) return;
    const step = nextHealth(prober.tracker, result, prober.settings, prober.ranges, this.clock.now().getTime());
    prober.tracker = step.tracker;
    if (step.changed) this.publish(prober, step.tracker.observation);
    prober.timer = setTimeout(() => void this.probe(prober), interval);
  }

  private publish(prober: Prober, observation: TargetHealthObservation): void {
    const chainKey = `${prober.scope.account}|${prober.scope.region}|${prober.groupId}`;
    const previous = this.writes.get(chainKey) ?? Promise.resolve();
    const next = previous
      .then(() => this.write(prober, observation))
      .catch((error) => this.logger.warn({ err: error, targetGroup: prober.groupArn, target: prober.key }, 'could not record target health'));
    this.writes.set(chainKey, next);
    void next.then(() => {
      if (this.writes.get(chainKey) === next) this.writes.delete(chainKey);
    });
  }

  private async write(prober: Prober, observation: TargetHealthObservation): Promise<void> {
    if (prober.stopped) return;
    await retryOnStale(async () => {
      const current = await this.store.get<TargetHealthRecord>(ELBV2_KIND.targetHealth, prober.scope, prober.groupId);
      const group = await this.store.get<TargetGroupRecord>(ELBV2_KIND.targetGroup, prober.scope, prober.groupId);
      // Entries of targets no longer in the group (their drain ended) are dropped on the way.
      const known = new Set(group?.doc.targets.map(targetKey) ?? []);
      const targets: Record<string, TargetHealthObservation> = {};
      for (const [key, value] of Object.entries(current?.doc.targets ?? {})) if (known.has(key)) targets[key] = value;
      if (known.has(prober.key)) targets[prober.key] = observation;
      const doc: TargetHealthRecord = { targetGroupArn: prober.groupArn, targets };
      await this.store.write([{ op: 'put', kind: ELBV2_KIND.targetHealth, scope: prober.scope, id: prober.groupId, doc, expect: current ? current.version : 'absent' }]);
    });
    this.logger.debug({ targetGroup: prober.groupArn, target: prober.key, state: observation.state, reason: observation.reasonCode }, 'target health changed');
  }
}

/** One health check: GET on a fresh connection, as ELB-HealthChecker does. */
function probeOnce(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (result: ProbeResult) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      probe.destroy();
      resolve(result);
    };
    const probe = httpRequest({ host, port, path, method: 'GET', agent: false, headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' } });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    probe.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      // ALB judges by the status line; the body does not matter.
      finish({ kind: 'status', status });
    });
    probe.on('error', () => finish({ kind: 'error' }));
    probe.end();
  });
}
