import { AwsError } from '../../domain/errors.js';
import { parseActions, type ActionInput } from '../../domain/elbv2/actions.js';
import { childId, elbArn } from '../../domain/elbv2/arns.js';
import { duplicateListener, listenerNotFound, listenersNotFound, loadBalancerNotFound, validationError } from '../../domain/elbv2/errors.js';
import { ELBV2_KIND, type ListenerRecord, type LoadBalancerRecord } from '../../domain/elbv2/records.js';
import { withTags, type TagInput } from '../../domain/elbv2/tags.js';
import { retryOnStale, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { associationOps, checkTargetGroupsExist, touch } from './associations.js';
import { find, newHex, snapshot, type Snapshot } from './lookup.js';
import { markerPage } from './paging.js';
import { listenerOutput } from './wire.js';

const MAX_LISTENERS = 50;

interface ListenerInput {
  Protocol?: string;
  Port?: number;
  DefaultActions?: ActionInput[];
  Certificates?: unknown[];
  SslPolicy?: string;
  AlpnPolicy?: string[];
  MutualAuthentication?: unknown;
}

/** Wharf has no certificates (no ACM), so its listeners speak HTTP only. unverified wording for these refusals. */
function checkProtocol(protocol: string | undefined, input: ListenerInput): void {
  if (protocol === 'HTTPS') throw validationError('Wharf does not serve HTTPS listeners: it has no certificates (ACM). Use an HTTP listener.');
  if (protocol !== undefined && protocol !== 'HTTP') throw new AwsError('UnsupportedProtocol', `Protocol '${protocol}' is not supported by application load balancers`);
  if (input.Certificates?.length || input.SslPolicy !== undefined || input.AlpnPolicy?.length || input.MutualAuthentication !== undefined) {
    throw validationError('Certificates, SSL policies, ALPN policies and mutual authentication apply to HTTPS listeners only');
  }
}

export function listenerHandlers(store: Store) {
  async function requireListener(ctx: RequestContext, arn: string): Promise<StoredRecord<ListenerRecord>> {
    const record = await find<ListenerRecord>(store, ctx, arn, 'listener');
    if (!record) throw listenerNotFound(arn);
    return record;
  }

  function siblingsOnPort(snap: Snapshot, listener: Pick<ListenerRecord, 'loadBalancerArn' | 'listenerArn' | 'port'>) {
    return snap.listeners.filter((other) => other.doc.loadBalancerArn === listener.loadBalancerArn && other.doc.listenerArn !== listener.listenerArn && other.doc.port === listener.port);
  }

  return {
    async CreateListener(input: ListenerInput & { LoadBalancerArn: string; Tags?: TagInput[] }, ctx: RequestContext) {
      checkProtocol(input.Protocol, input);
      // unverified wording
      if (input.Protocol === undefined) throw validationError('A listener protocol must be specified');
      if (input.Port === undefined) throw validationError('A listener port must be specified');
      if (!input.DefaultActions) throw validationError('Default actions must be specified');
      const defaultActions = parseActions(input.DefaultActions);
      const tags = withTags({}, input.Tags ?? []);
      const created = await retryOnStale(async () => {
        const lb = await find<LoadBalancerRecord>(store, ctx, input.LoadBalancerArn, 'loadbalancer');
        if (!lb) throw loadBalancerNotFound(input.LoadBalancerArn);
        const snap = await snapshot(store, ctx.scope);
        checkTargetGroupsExist(snap, defaultActions);
        const id = childId(lb.id, newHex());
        const listener: ListenerRecord = {
          listenerArn: elbArn(ctx.scope.region, ctx.scope.account, 'listener', id),
          loadBalancerArn: lb.doc.loadBalancerArn,
          port: input.Port!,
          protocol: 'HTTP',
          defaultActions,
          createdAt: ctx.now.getTime(),
          tags,
        };
        if (siblingsOnPort(snap, listener).length > 0) throw duplicateListener(lb.doc.loadBalancerArn);
        if (snap.listeners.filter((other) => other.doc.loadBalancerArn === lb.doc.loadBalancerArn).length >= MAX_LISTENERS) {
          throw new AwsError('TooManyListeners', `You have reached the maximum number of listeners (${MAX_LISTENERS}) for this load balancer`); // unverified wording
        }
        const ops: WriteOp[] = [
          { op: 'put', kind: ELBV2_KIND.listener, scope: ctx.scope, id, doc: listener, expect: 'absent' },
          // The load balancer's version orders listener changes, so two creates cannot both take one port.
          touch(ELBV2_KIND.loadBalancer, ctx.scope, lb),
          ...associationOps(ctx.scope, snap, [...snap.listeners.map((other) => other.doc), listener], snap.rules.map((rule) => rule.doc)),
        ];
        await store.write(ops);
        return listener;
      });
      return { Listeners: [listenerOutput(created)] };
    },

    async DescribeListeners(input: { LoadBalancerArn?: string; ListenerArns?: string[]; Marker?: string; PageSize?: number }, ctx: RequestContext) {
      const hasArns = Boolean(input.ListenerArns?.length);
      // unverified wording
      if (hasArns === (input.LoadBalancerArn !== undefined)) throw validationError('You must specify either listener ARNs or a load balancer ARN');
      let records: StoredRecord<ListenerRecord>[];
      if (hasArns) {
        const found = await Promise.all(input.ListenerArns!.map((arn) => find<ListenerRecord>(store, ctx, arn, 'listener')));
        if (found.some((record) => !record)) throw listenersNotFound();
        records = found as StoredRecord<ListenerRecord>[];
      } else {
        const lb = await find<LoadBalancerRecord>(store, ctx, input.LoadBalancerArn!, 'loadbalancer');
        if (!lb) throw loadBalancerNotFound(input.LoadBalancerArn!);
        records = await store.list<ListenerRecord>(ELBV2_KIND.listener, ctx.scope, { prefix: `${lb.id}/` });
      }
      const unique = [...new Map(records.map((record) => [record.id, record])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      const result = markerPage(unique, (record) => record.id, input);
      return { Listeners: result.items.map((record) => listenerOutput(record.doc)), NextMarker: result.NextMarker };
    },

    async ModifyListener(input: ListenerInput & { ListenerArn: string }, ctx: RequestContext) {
      checkProtocol(input.Protocol, input);
      const defaultActions = input.DefaultActions ? parseActions(input.DefaultActions) : undefined;
      const updated = await retryOnStale(async () => {
        const record = await requireListener(ctx, input.ListenerArn);
        const lb = await find<LoadBalancerRecord>(store, ctx, record.doc.loadBalancerArn, 'loadbalancer');
        if (!lb) throw listenerNotFound(input.ListenerArn);
        const snap = await snapshot(store, ctx.scope);
        if (defaultActions) checkTargetGroupsExist(snap, defaultActions);
        const listener: ListenerRecord = { ...record.doc, port: input.Port ?? record.doc.port, defaultActions: defaultActions ?? record.doc.defaultActions };
        if (siblingsOnPort(snap, listener).length > 0) throw duplicateListener(listener.loadBalancerArn);
        const listeners = snap.listeners.map((other) => (other.id === record.id ? listener : other.doc));
        await store.write([
          { op: 'put', kind: ELBV2_KIND.listener, scope: ctx.scope, id: record.id, doc: listener, expect: record.version },
          touch(ELBV2_KIND.loadBalancer, ctx.scope, lb),
          ...associationOps(ctx.scope, snap, listeners, snap.rules.map((rule) => rule.doc)),
        ]);
        return listener;
      });
      return { Listeners: [listenerOutput(updated)] };
    },

    async DeleteListener(input: { ListenerArn: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await requireListener(ctx, input.ListenerArn);
        const snap = await snapshot(store, ctx.scope);
        const rules = snap.rules.filter((rule) => rule.doc.listenerArn === record.doc.listenerArn);
        await store.write([
          { op: 'delete', kind: ELBV2_KIND.listener, scope: ctx.scope, id: record.id, expect: record.version },
          ...rules.map((rule): WriteOp => ({ op: 'delete', kind: ELBV2_KIND.rule, scope: ctx.scope, id: rule.id, expect: rule.version })),
          ...associationOps(
            ctx.scope,
            snap,
            snap.listeners.filter((other) => other.id !== record.id).map((other) => other.doc),
            snap.rules.filter((rule) => rule.doc.listenerArn !== record.doc.listenerArn).map((rule) => rule.doc),
          ),
        ]);
        return {};
      });
    },
  };
}
