import { AwsError } from '../../domain/errors.js';
import { parseActions, type ActionInput } from '../../domain/elbv2/actions.js';
import { childId, elbArn, isDefaultRuleId, parentId, parseElbArn } from '../../domain/elbv2/arns.js';
import { parseConditions, type ConditionInput } from '../../domain/elbv2/conditions.js';
import { listenerNotFound, operationNotPermitted, priorityInUse, rulesNotFound, validationError } from '../../domain/elbv2/errors.js';
import { ELBV2_KIND, type ListenerRecord, type RuleRecord } from '../../domain/elbv2/records.js';
import { withTags, type TagInput } from '../../domain/elbv2/tags.js';
import { retryOnStale, type Store, type StoredRecord, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { associationOps, checkTargetGroupsExist, touch } from './associations.js';
import { find, idOf, newHex, snapshot } from './lookup.js';
import { markerPage } from './paging.js';
import { defaultRuleOutput, ruleOutput } from './wire.js';

const MAX_RULES = 100;

type Described = { readonly sortKey: string; readonly output: Record<string, unknown> };
/** Rules in priority order, the default rule last, as DescribeRules lists them. */
const priorityKey = (priority: number) => String(priority).padStart(5, '0');
const DEFAULT_KEY = '99999';

// unverified wording
const defaultRuleNotPermitted = (arn: string, what: string) => operationNotPermitted(`Default rule '${arn}' cannot be ${what}`);

export function ruleHandlers(store: Store) {
  /** A rule ARN: a stored rule, or the default rule of an existing listener. */
  async function resolve(ctx: RequestContext, arn: string): Promise<{ rule?: StoredRecord<RuleRecord>; defaultOf?: StoredRecord<ListenerRecord> }> {
    const id = idOf(arn, 'listener-rule');
    const parsed = parseElbArn(arn)!;
    if (parsed.account !== ctx.scope.account || parsed.region !== ctx.scope.region) return {};
    if (isDefaultRuleId(id)) {
      const listener = await store.get<ListenerRecord>(ELBV2_KIND.listener, ctx.scope, parentId(id));
      return listener ? { defaultOf: listener } : {};
    }
    const rule = await store.get<RuleRecord>(ELBV2_KIND.rule, ctx.scope, id);
    return rule ? { rule } : {};
  }

  async function requireStoredRule(ctx: RequestContext, arn: string, what: string): Promise<StoredRecord<RuleRecord>> {
    const found = await resolve(ctx, arn);
    if (found.defaultOf) throw defaultRuleNotPermitted(arn, what);
    if (!found.rule) throw rulesNotFound();
    return found.rule;
  }

  return {
    async CreateRule(input: { ListenerArn: string; Conditions: ConditionInput[]; Priority: number; Actions: ActionInput[]; Tags?: TagInput[]; Transforms?: unknown[] }, ctx: RequestContext) {
      if (input.Transforms?.length) throw validationError('Rule transforms are not supported by Wharf'); // unverified wording
      const conditions = parseConditions(input.Conditions);
      const actions = parseActions(input.Actions);
      const tags = withTags({}, input.Tags ?? []);
      const created = await retryOnStale(async () => {
        const listener = await find<ListenerRecord>(store, ctx, input.ListenerArn, 'listener');
        if (!listener) throw listenerNotFound(input.ListenerArn);
        const snap = await snapshot(store, ctx.scope);
        checkTargetGroupsExist(snap, actions);
        const siblings = snap.rules.filter((rule) => rule.doc.listenerArn === listener.doc.listenerArn);
        if (siblings.some((rule) => rule.doc.priority === input.Priority)) throw priorityInUse(input.Priority);
        if (siblings.length >= MAX_RULES) throw new AwsError('TooManyRules', `You have reached the maximum number of rules (${MAX_RULES}) for this listener`); // unverified wording
        const id = childId(listener.id, newHex());
        const rule: RuleRecord = { ruleArn: elbArn(ctx.scope.region, ctx.scope.account, 'listener-rule', id), listenerArn: listener.doc.listenerArn, priority: input.Priority, conditions, actions, createdAt: ctx.now.getTime(), tags };
        await store.write([
          { op: 'put', kind: ELBV2_KIND.rule, scope: ctx.scope, id, doc: rule, expect: 'absent' },
          // The listener's version orders rule changes, so two creates cannot both take one priority.
          touch(ELBV2_KIND.listener, ctx.scope, listener),
          ...associationOps(ctx.scope, snap, snap.listeners.map((other) => other.doc), [...snap.rules.map((other) => other.doc), rule]),
        ]);
        return rule;
      });
      return { Rules: [ruleOutput(created)] };
    },

    async DescribeRules(input: { ListenerArn?: string; RuleArns?: string[]; Marker?: string; PageSize?: number }, ctx: RequestContext) {
      const hasArns = Boolean(input.RuleArns?.length);
      if (hasArns === (input.ListenerArn !== undefined)) throw validationError('You must specify either listener rule ARNs or a listener ARN'); // unverified wording
      const described: Described[] = [];
      if (hasArns) {
        for (const arn of new Set(input.RuleArns)) {
          const found = await resolve(ctx, arn);
          if (found.rule) described.push({ sortKey: `${priorityKey(found.rule.doc.priority)}/${found.rule.id}`, output: ruleOutput(found.rule.doc) });
          else if (found.defaultOf) described.push({ sortKey: `${DEFAULT_KEY}/${found.defaultOf.id}`, output: defaultRuleOutput(found.defaultOf.doc) });
          else throw rulesNotFound();
        }
      } else {
        const listener = await find<ListenerRecord>(store, ctx, input.ListenerArn!, 'listener');
        if (!listener) throw listenerNotFound(input.ListenerArn!);
        const rules = await store.list<RuleRecord>(ELBV2_KIND.rule, ctx.scope, { prefix: `${listener.id}/` });
        for (const rule of rules) described.push({ sortKey: `${priorityKey(rule.doc.priority)}/${rule.id}`, output: ruleOutput(rule.doc) });
        described.push({ sortKey: `${DEFAULT_KEY}/${listener.id}`, output: defaultRuleOutput(listener.doc) });
      }
      described.sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
      const result = markerPage(described, (item) => item.sortKey, input);
      return { Rules: result.items.map((item) => item.output), NextMarker: result.NextMarker };
    },

    async ModifyRule(input: { RuleArn: string; Conditions?: ConditionInput[]; Actions?: ActionInput[]; Transforms?: unknown[]; ResetTransforms?: boolean }, ctx: RequestContext) {
      if (input.Transforms?.length) throw validationError('Rule transforms are not supported by Wharf'); // unverified wording
      const conditions = input.Conditions ? parseConditions(input.Conditions) : undefined;
      const actions = input.Actions ? parseActions(input.Actions) : undefined;
      const updated = await retryOnStale(async () => {
        const record = await requireStoredRule(ctx, input.RuleArn, 'modified; modify the listener to change its default actions');
        const snap = await snapshot(store, ctx.scope);
        if (actions) checkTargetGroupsExist(snap, actions);
        const rule: RuleRecord = { ...record.doc, conditions: conditions ?? record.doc.conditions, actions: actions ?? record.doc.actions };
        await store.write([
          { op: 'put', kind: ELBV2_KIND.rule, scope: ctx.scope, id: record.id, doc: rule, expect: record.version },
          ...associationOps(ctx.scope, snap, snap.listeners.map((listener) => listener.doc), snap.rules.map((other) => (other.id === record.id ? rule : other.doc))),
        ]);
        return rule;
      });
      return { Rules: [ruleOutput(updated)] };
    },

    async DeleteRule(input: { RuleArn: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await requireStoredRule(ctx, input.RuleArn, 'deleted');
        const snap = await snapshot(store, ctx.scope);
        await store.write([
          { op: 'delete', kind: ELBV2_KIND.rule, scope: ctx.scope, id: record.id, expect: record.version },
          ...associationOps(ctx.scope, snap, snap.listeners.map((listener) => listener.doc), snap.rules.filter((other) => other.id !== record.id).map((other) => other.doc)),
        ]);
        return {};
      });
    },

    async SetRulePriorities(input: { RulePriorities: { RuleArn?: string; Priority?: number }[] }, ctx: RequestContext) {
      const pairs = input.RulePriorities.map((pair) => {
        if (pair.RuleArn === undefined || pair.Priority === undefined) throw validationError('Each rule priority pair needs a rule ARN and a priority'); // unverified wording
        return { arn: pair.RuleArn, priority: pair.Priority };
      });
      const changed = await retryOnStale(async () => {
        const records = new Map<string, { record: StoredRecord<RuleRecord>; priority: number }>();
        for (const pair of pairs) {
          const record = await requireStoredRule(ctx, pair.arn, 'given a priority');
          records.set(record.id, { record, priority: pair.priority });
        }
        const listenerIds = new Set([...records.values()].map(({ record }) => parentId(record.id)));
        const ops: WriteOp[] = [];
        for (const listenerId of listenerIds) {
          const listener = await store.get<ListenerRecord>(ELBV2_KIND.listener, ctx.scope, listenerId);
          if (!listener) throw rulesNotFound();
          const requested = [...records.values()].filter(({ record }) => parentId(record.id) === listenerId).map(({ priority }) => priority);
          const twice = requested.find((priority, index) => requested.indexOf(priority) !== index);
          if (twice !== undefined) throw validationError(`Priority '${twice}' was provided multiple times`); // unverified wording
          const siblings = await store.list<RuleRecord>(ELBV2_KIND.rule, ctx.scope, { prefix: `${listenerId}/` });
          const taken = new Set(siblings.filter((rule) => !records.has(rule.id)).map((rule) => rule.doc.priority));
          const clash = requested.find((priority) => taken.has(priority));
          if (clash !== undefined) throw priorityInUse(clash);
          ops.push(touch(ELBV2_KIND.listener, ctx.scope, listener));
        }
        const rules = [...records.values()].map(({ record, priority }) => ({ record, doc: { ...record.doc, priority } }));
        for (const { record, doc } of rules) ops.push({ op: 'put', kind: ELBV2_KIND.rule, scope: ctx.scope, id: record.id, doc, expect: record.version });
        await store.write(ops);
        return rules.map(({ doc }) => doc);
      });
      return { Rules: changed.map(ruleOutput) };
    },
  };
}
