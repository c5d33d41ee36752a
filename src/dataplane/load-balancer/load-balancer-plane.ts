import { WorkQueue, againAfter, done, type ReconcileResult } from '../../controllers/work-queue.js';
import {
  ELBV2_KIND,
  type ActionRecord,
  type ListenerBindingRecord,
  type ListenerRecord,
  type LoadBalancerRecord,
  type RuleRecord,
  type TargetGroupRecord,
  type TargetHealthRecord,
} from '../../domain/elbv2/records.js';
import { forwardTargetGroups, rulesInPriorityOrder, terminalAction } from '../../domain/elbv2/routing.js';
import { compileConditions } from '../../domain/elbv2/rule-match.js';
import { drainEndsAt } from '../../domain/elbv2/targets.js';
import { albMetricData, hostCounts, type GroupHosts } from '../../domain/metrics/alb-metrics.js';
import { sampleIntervalMs, storageResolutionFor } from '../../domain/metrics/metric-datum.js';
import type { Clock } from '../../ports/clock.js';
import type { MetricPoint, MetricStore } from '../../ports/metric-store.js';
import type { Logger } from '../../ports/logger.js';
import { retryOnStale, StaleWriteError, type ScopedRecord, type Store } from '../../ports/store.js';
import { AlbMeter } from './alb-meter.js';
import { HealthChecker } from './health-checker.js';
import { ListenerProxy, type CompiledAction, type ListenerTable } from './listener-proxy.js';
import { TargetDirectory, TargetGroupRuntime } from './target-pool.js';

export interface LoadBalancerPlaneOptions {
  /** Health-check intervals are divided by this (WHARF_TIME_SCALE). */
  readonly timeScale?: number;
  /** How often everything is read again even without a store change. */
  readonly resyncMs?: number;
  /** Where AWS/ApplicationELB points go every sample interval; without it nothing is published. */
  readonly metrics?: Pick<MetricStore, 'put'>;
}

/** One served listener, for `GET /_wharf/load-balancers`. */
export interface ServedListener {
  readonly loadBalancerArn: string;
  readonly loadBalancerName: string;
  readonly dnsName: string;
  readonly listenerArn: string;
  readonly protocol: string;
  /** The listener's own port. */
  readonly port: number;
  /** Where it is served on this host. */
  readonly boundHost: string;
  readonly boundPort: number;
  readonly url: string;
}

interface World {
  readonly loadBalancers: ScopedRecord<LoadBalancerRecord>[];
  readonly listeners: ScopedRecord<ListenerRecord>[];
  readonly rules: ScopedRecord<RuleRecord>[];
  readonly targetGroups: ScopedRecord<TargetGroupRecord>[];
  readonly health: ScopedRecord<TargetHealthRecord>[];
  readonly bindings: ScopedRecord<ListenerBindingRecord>[];
}

const WORLD = 'world';
const BOUND_HOST = '127.0.0.1';

/**
 * The load balancer data plane: one HTTP proxy per ELBv2 listener record
 * (ListenerProxy), bound on 127.0.0.1 at the listener's port when free, else
 * at a port of its own choosing that is kept in an `elbv2.listener-binding`
 * record and reused after a restart; and the health checker. Level-triggered
 * like the controllers: any ELBv2 write (and a periodic resync) rebuilds the
 * routing tables from the records, and the proxies swap them in whole.
 * Target groups keep their runtime state (cursors, connection pools) across
 * rebuilds. A load balancer becomes `active` once all its listeners are served.
 */
export class LoadBalancerPlane {
  private readonly queue: WorkQueue;
  private readonly proxies = new Map<string, { proxy: ListenerProxy; served: ServedListener }>();
  private readonly groups = new Map<string, TargetGroupRuntime>();
  private readonly targets = new TargetDirectory();
  private readonly health: HealthChecker;
  private unsubscribers: (() => void)[] = [];
  private readonly meter = new AlbMeter();
  private metricsTimer: NodeJS.Timeout | undefined;
  /** The last world read, for the host counts and the scopes of the published points. */
  private lastWorld: World | undefined;

  private readonly metricsIntervalMs: number;
  private readonly storageResolution: 1 | 60;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: LoadBalancerPlaneOptions = {},
  ) {
    this.health = new HealthChecker(store, clock, logger, options.timeScale ?? 1);
    this.metricsIntervalMs = sampleIntervalMs(options.timeScale ?? 1);
    this.storageResolution = storageResolutionFor(options.timeScale ?? 1);
    this.queue = new WorkQueue('load-balancer', () => this.reconcile(), logger, {
      concurrency: 1,
      resyncMs: options.resyncMs ?? 10_000,
      listKeys: async () => [WORLD],
    });
  }

  start(): void {
    for (const kind of [ELBV2_KIND.loadBalancer, ELBV2_KIND.listener, ELBV2_KIND.rule, ELBV2_KIND.targetGroup, ELBV2_KIND.targetHealth]) {
      this.unsubscribers.push(this.store.watch(kind, () => this.queue.add(WORLD)));
    }
    this.queue.start();
    if (this.options.metrics) {
      this.metricsTimer = setInterval(() => void this.publishMetrics(), this.metricsIntervalMs);
      this.metricsTimer.unref();
    }
  }

  /**
   * Drains the counters into AWS/ApplicationELB points, in each load
   * balancer's account and region (tests call it directly).
   */
  async publishMetrics(): Promise<void> {
    const metrics = this.options.metrics;
    const world = this.lastWorld;
    if (!metrics || !world) return;
    try {
      const scopes = new Map(world.loadBalancers.map((lb) => [lb.doc.loadBalancerArn, lb.scope]));
      const { loadBalancers, forwards } = this.meter.drain(new Set(scopes.keys()));
      const healthByGroup = new Map(world.health.map((record) => [record.doc.targetGroupArn, record.doc]));
      const hosts: GroupHosts[] = [];
      for (const { doc } of world.targetGroups) {
        const counts = hostCounts(doc, healthByGroup.get(doc.targetGroupArn));
        for (const loadBalancerArn of doc.loadBalancerArns) if (scopes.has(loadBalancerArn)) hosts.push({ loadBalancerArn, targetGroupArn: doc.targetGroupArn, ...counts });
      }
      const at = { timestamp: this.clock.now().getTime(), storageResolution: this.storageResolution };
      const byScope = new Map<string, { scope: ScopedRecord<LoadBalancerRecord>['scope']; arns: Set<string> }>();
      for (const [arn, scope] of scopes) {
        const key = `${scope.account}|${scope.region}`;
        const entry = byScope.get(key) ?? { scope, arns: new Set<string>() };
        entry.arns.add(arn);
        byScope.set(key, entry);
      }
      for (const { scope, arns } of byScope.values()) {
        const data = albMetricData(
          loadBalancers.filter((c) => arns.has(c.loadBalancerArn)),
          forwards.filter((c) => arns.has(c.loadBalancerArn)),
          hosts.filter((h) => arns.has(h.loadBalancerArn)),
          at,
        );
        if (data.length > 0) await metrics.put(scope, data as MetricPoint[]);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'load balancer metrics could not be published');
    }
  }

  /** Stops serving: every listener's server closes, pools and probes end. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.metricsTimer = undefined;
    await this.queue.stop();
    this.health.stop();
    await this.health.idle();
    await Promise.all([...this.proxies.values()].map(({ proxy }) => proxy.close()));
    this.proxies.clear();
    this.groups.clear();
    this.targets.closeAll();
  }

  /** What is served where, for the admin route. */
  served(): ServedListener[] {
    return [...this.proxies.values()].map(({ served }) => served).sort((a, b) => a.listenerArn.localeCompare(b.listenerArn));
  }

  private async load(): Promise<World> {
    const [loadBalancers, listeners, rules, targetGroups, health, bindings] = await Promise.all([
      this.store.listAll<LoadBalancerRecord>(ELBV2_KIND.loadBalancer),
      this.store.listAll<ListenerRecord>(ELBV2_KIND.listener),
      this.store.listAll<RuleRecord>(ELBV2_KIND.rule),
      this.store.listAll<TargetGroupRecord>(ELBV2_KIND.targetGroup),
      this.store.listAll<TargetHealthRecord>(ELBV2_KIND.targetHealth),
      this.store.listAll<ListenerBindingRecord>(ELBV2_KIND.listenerBinding),
    ]);
    return { loadBalancers, listeners, rules, targetGroups, health, bindings };
  }

  /** Everything at once: the records are few and a rebuild is cheap next to a request's life. */
  private async reconcile(): Promise<ReconcileResult> {
    const world = await this.load();
    this.lastWorld = world;
    const now = this.clock.now().getTime();
    const nextDrainEnd = this.updateGroups(world, now);
    this.health.sync(
      world.targetGroups
        .filter((group) => group.doc.loadBalancerArns.length > 0)
        .map((group) => ({ group, health: world.health.find((record) => record.doc.targetGroupArn === group.doc.targetGroupArn)?.doc })),
    );
    await this.dropOrphanedHealth(world);
    await this.updateListeners(world);
    await this.markActive(world);
    return nextDrainEnd === undefined ? done : againAfter(Math.max(10, nextDrainEnd - now));
  }

  /** Health records of target groups that were deleted go too (the data plane alone writes them). */
  private async dropOrphanedHealth(world: World): Promise<void> {
    const groups = new Set(world.targetGroups.map((group) => `${group.scope.account}|${group.scope.region}|${group.id}`));
    for (const record of world.health) {
      if (groups.has(`${record.scope.account}|${record.scope.region}|${record.id}`)) continue;
      await this.store.write([{ op: 'delete', kind: ELBV2_KIND.targetHealth, scope: record.scope, id: record.id, expect: record.version }]).catch((error) => {
        if (!(error instanceof StaleWriteError)) throw error;
      });
    }
  }

  /** Refreshes the group runtimes; returns when the next drain ends (the routing changes then). */
  private updateGroups(world: World, now: number): number | undefined {
    const healthByGroup = new Map(world.health.map((record) => [record.doc.targetGroupArn, record.doc]));
    let nextDrainEnd: number | undefined;
    const present = new Set<string>();
    for (const { doc } of world.targetGroups) {
      present.add(doc.targetGroupArn);
      let runtime = this.groups.get(doc.targetGroupArn);
      if (!runtime) {
        runtime = new TargetGroupRuntime(doc.targetGroupArn);
        this.groups.set(doc.targetGroupArn, runtime);
      }
      for (const dropped of runtime.update(doc, healthByGroup.get(doc.targetGroupArn), now, this.targets)) this.targets.release(dropped);
      for (const target of doc.targets) {
        const ends = drainEndsAt(doc, target);
        if (ends !== undefined && ends > now && (nextDrainEnd === undefined || ends < nextDrainEnd)) nextDrainEnd = ends;
      }
    }
    for (const [arn, runtime] of this.groups) {
      if (present.has(arn)) continue;
      for (const target of runtime.members.values()) this.targets.release(target);
      this.groups.delete(arn);
    }
    return nextDrainEnd;
  }

  private compileAction(actions: readonly ActionRecord[], loadBalancerArn: string): CompiledAction | undefined {
    const action = terminalAction(actions);
    if (!action) return undefined;
    switch (action.type) {
      case 'forward': {
        const tuples = forwardTargetGroups(action);
        const groups = tuples.map((tuple) => this.groups.get(tuple.targetGroupArn) ?? new TargetGroupRuntime(tuple.targetGroupArn));
        const counters = tuples.map((tuple) => this.meter.forward(loadBalancerArn, tuple.targetGroupArn));
        return { type: 'forward', groups, weights: tuples.map((tuple) => tuple.weight), state: [], counters };
      }
      case 'fixed-response': {
        const config = action.fixedResponseConfig;
        return { type: 'fixed-response', status: Number(config?.statusCode ?? 200), contentType: config?.contentType, body: Buffer.from(config?.messageBody ?? '') };
      }
      case 'redirect':
        return action.redirectConfig ? { type: 'redirect', config: action.redirectConfig } : undefined;
    }
  }

  private async updateListeners(world: World): Promise<void> {
    const loadBalancers = new Map(world.loadBalancers.map((record) => [record.doc.loadBalancerArn, record]));
    const bindings = new Map(world.bindings.map((record) => [record.doc.listenerArn, record]));
    const rulesByListener = new Map<string, RuleRecord[]>();
    for (const { doc } of world.rules) {
      const list = rulesByListener.get(doc.listenerArn) ?? [];
      list.push(doc);
      rulesByListener.set(doc.listenerArn, list);
    }
    const wanted = new Set<string>();
    for (const listener of world.listeners) {
      const lb = loadBalancers.get(listener.doc.loadBalancerArn);
      if (!lb) continue;
      wanted.add(listener.doc.listenerArn);
      const table = this.tableFor(listener.doc, lb.doc, rulesByListener.get(listener.doc.listenerArn) ?? [], world);
      const current = this.proxies.get(listener.doc.listenerArn);
      if (current && current.served.port === listener.doc.port) {
        current.proxy.table = table;
        current.proxy.server.keepAliveTimeout = table.idleTimeoutMs;
        continue;
      }
      if (current) {
        // ModifyListener changed the port: serve it anew, preferring the new port.
        this.proxies.delete(listener.doc.listenerArn);
        await current.proxy.close();
      }
      await this.bind(listener, lb.doc, table, bindings.get(listener.doc.listenerArn), current !== undefined);
    }
    for (const [arn, { proxy, served }] of this.proxies) {
      if (wanted.has(arn)) continue;
      this.proxies.delete(arn);
      await proxy.close();
      this.logger.info({ listener: arn, url: served.url }, 'load balancer listener closed');
    }
    // Bindings of listeners that are gone go too (the data plane alone writes them).
    for (const binding of world.bindings) {
      if (wanted.has(binding.doc.listenerArn)) continue;
      await this.store.write([{ op: 'delete', kind: ELBV2_KIND.listenerBinding, scope: binding.scope, id: binding.id, expect: binding.version }]).catch((error) => {
        if (!(error instanceof StaleWriteError)) throw error;
      });
    }
  }

  private tableFor(listener: ListenerRecord, lb: LoadBalancerRecord, rules: RuleRecord[], world: World): ListenerTable {
    const idleSeconds = Number(lb.attributes['idle_timeout.timeout_seconds'] ?? 60);
    const xff = lb.attributes['routing.http.xff_header_processing.mode'];
    const siblings = world.listeners.filter((other) => other.doc.loadBalancerArn === listener.loadBalancerArn);
    return {
      listenerArn: listener.listenerArn,
      listenerPort: listener.port,
      protocol: listener.protocol,
      idleTimeoutMs: (Number.isFinite(idleSeconds) && idleSeconds > 0 ? idleSeconds : 60) * 1000,
      xffMode: xff === 'preserve' || xff === 'remove' ? xff : 'append',
      rules: rulesInPriorityOrder(rules).map((rule) => ({ matches: compileConditions(rule.conditions), action: this.compileAction(rule.actions, lb.loadBalancerArn) })),
      defaultAction: this.compileAction(listener.defaultActions, lb.loadBalancerArn),
      counter: this.meter.loadBalancer(lb.loadBalancerArn),
      boundPortOf: (port) => {
        const sibling = siblings.find((other) => other.doc.port === port);
        return sibling ? this.proxies.get(sibling.doc.listenerArn)?.served.boundPort : undefined;
      },
    };
  }

  /** Serves a listener: its recorded port, else its own port, else any; records where. */
  private async bind(listener: ScopedRecord<ListenerRecord>, lb: LoadBalancerRecord, table: ListenerTable, binding: ScopedRecord<ListenerBindingRecord> | undefined, portChanged: boolean): Promise<void> {
    const candidates = [...new Set([...(binding && !portChanged ? [binding.doc.port] : []), listener.doc.port])];
    const proxy = new ListenerProxy(table, 0);
    let port: number | undefined;
    for (const candidate of candidates) {
      try {
        port = await proxy.listen(candidate);
        break;
      } catch {
        // Taken (another Wharf, another program) or privileged: try the next, then any free port.
      }
    }
    port ??= await proxy.listen(0);
    proxy.boundPort = port;
    const served: ServedListener = {
      loadBalancerArn: lb.loadBalancerArn,
      loadBalancerName: lb.loadBalancerName,
      dnsName: lb.dnsName,
      listenerArn: listener.doc.listenerArn,
      protocol: listener.doc.protocol,
      port: listener.doc.port,
      boundHost: BOUND_HOST,
      boundPort: port,
      url: `http://${lb.dnsName}:${port}/`,
    };
    this.proxies.set(listener.doc.listenerArn, { proxy, served });
    this.logger.info({ loadBalancer: lb.loadBalancerName, listener: listener.doc.listenerArn, listenerPort: listener.doc.port, url: served.url }, `load balancer listener served at ${served.url}`);
    if (binding?.doc.port === port && binding.doc.host === BOUND_HOST) return;
    const doc: ListenerBindingRecord = { listenerArn: listener.doc.listenerArn, host: BOUND_HOST, port };
    await this.store
      .write([{ op: 'put', kind: ELBV2_KIND.listenerBinding, scope: listener.scope, id: listener.id, doc, expect: binding ? binding.version : 'absent' }])
      .catch((error) => {
        // Someone else's stale view of the binding: the next reconcile (a resync) writes it again.
        if (!(error instanceof StaleWriteError)) throw error;
      });
  }

  /** provisioning -> active once every listener of the load balancer is served (an LB without listeners too). */
  private async markActive(world: World): Promise<void> {
    for (const lb of world.loadBalancers) {
      if (lb.doc.state !== 'provisioning') continue;
      const listeners = world.listeners.filter((listener) => listener.doc.loadBalancerArn === lb.doc.loadBalancerArn);
      if (!listeners.every((listener) => this.proxies.has(listener.doc.listenerArn))) continue;
      await retryOnStale(async () => {
        const fresh = await this.store.get<LoadBalancerRecord>(ELBV2_KIND.loadBalancer, lb.scope, lb.id);
        if (!fresh || fresh.doc.state !== 'provisioning') return;
        await this.store.write([{ op: 'put', kind: ELBV2_KIND.loadBalancer, scope: lb.scope, id: lb.id, doc: { ...fresh.doc, state: 'active' }, expect: fresh.version }]);
      });
      this.logger.info({ loadBalancer: lb.doc.loadBalancerArn }, 'load balancer active');
    }
  }
}
