import type { ActionRecord, TargetGroupTuple } from './records.js';
import { invalidAction, validationError } from './errors.js';

/** ELBv2's Action as it arrives (the model's member names). */
export interface ActionInput {
  readonly Type: string;
  readonly Order?: number;
  readonly TargetGroupArn?: string;
  readonly ForwardConfig?: {
    readonly TargetGroups?: readonly { readonly TargetGroupArn?: string; readonly Weight?: number }[];
    readonly TargetGroupStickinessConfig?: { readonly Enabled?: boolean; readonly DurationSeconds?: number };
  };
  readonly FixedResponseConfig?: { readonly StatusCode: string; readonly ContentType?: string; readonly MessageBody?: string };
  readonly RedirectConfig?: { readonly Protocol?: string; readonly Port?: string; readonly Host?: string; readonly Path?: string; readonly Query?: string; readonly StatusCode: 'HTTP_301' | 'HTTP_302' };
}

const TERMINAL = new Set(['forward', 'fixed-response', 'redirect']);
const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

/**
 * Checks a listener's default actions or a rule's actions and turns them into
 * records. Wharf's listeners are HTTP, so the authenticate actions (HTTPS
 * only in ELB) and JWT validation are refused. Exactly one terminal action,
 * and it comes last in `Order`.
 */
export function parseActions(inputs: readonly ActionInput[]): ActionRecord[] {
  if (inputs.length === 0) throw validationError('At least one action must be specified'); // unverified wording
  const ordered = inputs.map((input, index) => ({ input, order: input.Order ?? index + 1 }));
  const orders = new Set(ordered.map((item) => item.order));
  if (orders.size !== ordered.length) throw validationError('Action orders must be unique'); // unverified wording
  ordered.sort((a, b) => a.order - b.order);
  const records = ordered.map(({ input, order }) => parseAction(input, inputs.length > 1 || input.Order !== undefined ? order : undefined));
  const terminal = records.filter((action) => TERMINAL.has(action.type));
  // unverified wording for both
  if (terminal.length !== 1) throw invalidAction('You must specify exactly one terminal action: forward, redirect or fixed-response');
  if (records[records.length - 1] !== terminal[0]) throw invalidAction('The terminal action must have the highest order');
  return records;
}

function parseAction(input: ActionInput, order: number | undefined): ActionRecord {
  const base = order === undefined ? {} : { order };
  switch (input.Type) {
    case 'forward':
      return { type: 'forward', ...base, ...parseForward(input) };
    case 'fixed-response': {
      const config = input.FixedResponseConfig;
      if (!config) throw validationError("A 'FixedResponseConfig' must be specified for fixed-response actions"); // unverified wording
      if (config.ContentType !== undefined && !CONTENT_TYPES.includes(config.ContentType)) {
        throw validationError(`Content type '${config.ContentType}' is not valid; use one of ${CONTENT_TYPES.join(', ')}`); // unverified wording
      }
      return {
        type: 'fixed-response',
        ...base,
        fixedResponseConfig: { statusCode: config.StatusCode, ...(config.ContentType !== undefined ? { contentType: config.ContentType } : {}), ...(config.MessageBody !== undefined ? { messageBody: config.MessageBody } : {}) },
      };
    }
    case 'redirect': {
      const config = input.RedirectConfig;
      if (!config) throw validationError("A 'RedirectConfig' must be specified for redirect actions"); // unverified wording
      if (config.Port !== undefined && config.Port !== '#{port}' && !(/^\d+$/.test(config.Port) && Number(config.Port) >= 1 && Number(config.Port) <= 65535)) {
        throw validationError(`Redirect port '${config.Port}' is not valid`); // unverified wording
      }
      if (config.Path !== undefined && !config.Path.startsWith('/')) throw validationError(`Redirect path '${config.Path}' must start with a '/'`); // unverified wording
      // ELB fills in the placeholders a redirect leaves out, and shows them.
      return {
        type: 'redirect',
        ...base,
        redirectConfig: {
          protocol: config.Protocol ?? '#{protocol}',
          port: config.Port ?? '#{port}',
          host: config.Host ?? '#{host}',
          path: config.Path ?? '/#{path}',
          query: config.Query ?? '#{query}',
          statusCode: config.StatusCode,
        },
      };
    }
    case 'authenticate-oidc':
    case 'authenticate-cognito':
    case 'jwt-validation':
      throw invalidAction(`Action type '${input.Type}' is supported only on HTTPS listeners, which Wharf does not serve`); // unverified wording
    default:
      throw validationError(`Action type '${input.Type}' is not valid`); // unverified wording
  }
}

function parseForward(input: ActionInput): Pick<ActionRecord, 'targetGroupArn' | 'forwardConfig'> {
  const tuples = input.ForwardConfig?.TargetGroups ?? [];
  if (!input.ForwardConfig || tuples.length === 0) {
    if (!input.TargetGroupArn) throw validationError('A target group ARN must be specified for forward actions'); // unverified wording
    return { targetGroupArn: input.TargetGroupArn };
  }
  if (tuples.length > 5) throw validationError('A forward action can have at most 5 target groups'); // unverified wording
  const groups: TargetGroupTuple[] = tuples.map((tuple) => {
    if (!tuple.TargetGroupArn) throw validationError('A target group ARN must be specified for each target group in a forward action'); // unverified wording
    const weight = tuple.Weight ?? 1;
    if (weight < 0 || weight > 999) throw validationError(`Target group weight '${weight}' must be between 0 and 999`); // unverified wording
    return { targetGroupArn: tuple.TargetGroupArn, weight };
  });
  const arns = groups.map((group) => group.targetGroupArn);
  if (new Set(arns).size !== arns.length) throw validationError('A target group can appear only once in a forward action'); // unverified wording
  if (input.TargetGroupArn !== undefined && (groups.length !== 1 || groups[0]!.targetGroupArn !== input.TargetGroupArn)) {
    throw validationError('You cannot specify both a target group ARN and a forward configuration with different target groups'); // unverified wording
  }
  const sticky = input.ForwardConfig.TargetGroupStickinessConfig;
  if (sticky?.Enabled && (sticky.DurationSeconds === undefined || sticky.DurationSeconds < 1 || sticky.DurationSeconds > 604800)) {
    throw validationError('Target group stickiness duration must be between 1 and 604800 seconds'); // unverified wording
  }
  const stickiness = { enabled: sticky?.Enabled ?? false, ...(sticky?.DurationSeconds !== undefined ? { durationSeconds: sticky.DurationSeconds } : {}) };
  return {
    // ELB reports the single target group of a one-group forward config in both forms.
    ...(groups.length === 1 ? { targetGroupArn: groups[0]!.targetGroupArn } : {}),
    forwardConfig: { targetGroups: groups, targetGroupStickinessConfig: stickiness },
  };
}

/** Every target group an action list forwards to. */
export function forwardedTargetGroups(actions: readonly ActionRecord[]): string[] {
  const arns = new Set<string>();
  for (const action of actions) {
    if (action.type !== 'forward') continue;
    if (action.targetGroupArn) arns.add(action.targetGroupArn);
    for (const tuple of action.forwardConfig?.targetGroups ?? []) arns.add(tuple.targetGroupArn);
  }
  return [...arns];
}

/** Back to the wire form, with the single-group forward shown in both forms as ELB does. */
export function actionOutput(action: ActionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { Type: action.type };
  if (action.order !== undefined) out.Order = action.order;
  if (action.type === 'forward') {
    if (action.targetGroupArn) out.TargetGroupArn = action.targetGroupArn;
    const groups = action.forwardConfig?.targetGroups ?? (action.targetGroupArn ? [{ targetGroupArn: action.targetGroupArn, weight: 1 }] : []);
    const sticky = action.forwardConfig?.targetGroupStickinessConfig;
    out.ForwardConfig = {
      TargetGroups: groups.map((tuple) => ({ TargetGroupArn: tuple.targetGroupArn, Weight: tuple.weight ?? 1 })),
      TargetGroupStickinessConfig: { Enabled: sticky?.enabled ?? false, ...(sticky?.durationSeconds !== undefined ? { DurationSeconds: sticky.durationSeconds } : {}) },
    };
  }
  if (action.fixedResponseConfig) {
    const config = action.fixedResponseConfig;
    out.FixedResponseConfig = { StatusCode: config.statusCode, ContentType: config.contentType, MessageBody: config.messageBody };
  }
  if (action.redirectConfig) {
    const config = action.redirectConfig;
    out.RedirectConfig = { Protocol: config.protocol, Port: config.port, Host: config.host, Path: config.path, Query: config.query, StatusCode: config.statusCode };
  }
  return out;
}
