import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadModel } from '../../api/model/load-model.js';
import type { ServiceModel } from '../../api/model/shapes.js';
import { signedRequest } from '../harness.js';
import { problemsWith } from './answers.js';
import { mutate, type Mutation } from './mutations.js';
import { Random } from './random.js';
import type { StoreWatch } from './store-watch.js';
import { validValue } from './values.js';
import { encodeCborValue, encodeJson, encodeQuery, protocolsOf, signingServiceOf, type WireProtocol, type WireRequest } from './wire.js';

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models');

/** Operations that start containers, bind host ports or open sessions: only ever sent in forms that must be refused. */
const CONTAINED = new Set(['ecs.RunTask', 'ecs.StartTask', 'ecs.CreateService', 'ecs.UpdateService', 'ecs.CreateTaskSet', 'ecs.UpdateTaskSet', 'ecs.ExecuteCommand', 'ssm.StartSession', 'elasticloadbalancing.CreateListener', 'elasticloadbalancing.ModifyListener', 'ecs.CreateExpressGatewayService', 'ecs.UpdateExpressGatewayService']);

/**
 * Refusals that write on purpose, as AWS does: RotateSecret keeps the rotation
 * configuration it was given and then fails because no Lambda can be invoked
 * (api/secretsmanager/rotation.ts). Keyed `service.Operation:ErrorCode`.
 */
const WRITES_THEN_REFUSES = new Set(['secretsmanager.RotateSecret:AccessDeniedException']);

export interface Operation {
  readonly model: ServiceModel;
  readonly service: string;
  readonly name: string;
  readonly inputShape: string | undefined;
  readonly contained: boolean;
}

export interface CampaignOptions {
  readonly endpoint: string;
  /** Which requests wrote: the Wharf under test reports its writes to it. */
  readonly watch: StoreWatch;
  readonly seed: number;
  readonly requests: number;
  /** No answer may take longer than maxMs plus msPerMiB for each MiB of request body (a 1 MB body is read, hashed and decoded). */
  readonly maxMs: number;
  readonly msPerMiB: number;
  readonly log?: (line: string) => void;
}

export interface CampaignResult {
  readonly sent: number;
  readonly operations: number;
  readonly unserved: number;
  readonly byStatus: Record<string, number>;
  readonly byMutation: Record<string, number>;
  readonly failures: string[];
  /** Accepted requests the store watch saw write: proof that it sees writes at all. */
  readonly writesSeen: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function modelNames(): string[] {
  return readdirSync(MODELS_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

function buildRequest(op: Operation, protocol: WireProtocol, value: unknown, mutation?: Mutation): WireRequest {
  const { model } = op;
  const envelope = mutation?.kind === 'envelope' ? mutation : undefined;
  const operation = envelope?.operation ?? op.name;
  const prefix = envelope?.prefix ?? model.metadata.targetPrefix ?? '';
  let request: WireRequest;
  if (protocol === 'json') {
    request = {
      path: '/',
      ...(envelope?.dropAction ? {} : { target: `${prefix}.${operation}` }),
      contentType: `application/x-amz-json-${model.metadata.jsonVersion ?? '1.1'}`,
      headers: {},
      body: encodeJson(value),
      signingService: signingServiceOf(model),
    };
  } else if (protocol === 'cbor') {
    request = {
      path: envelope?.dropAction ? '/' : `/service/${encodeURIComponent(prefix)}/operation/${encodeURIComponent(operation)}`,
      contentType: 'application/cbor',
      headers: { 'smithy-protocol': 'rpc-v2-cbor', accept: 'application/cbor' },
      body: encodeCborValue(model, op.inputShape, value),
      signingService: signingServiceOf(model),
    };
  } else {
    request = {
      path: '/',
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      headers: {},
      body: encodeQuery(model, op.inputShape, envelope?.dropAction ? undefined : operation, value),
      signingService: signingServiceOf(model),
    };
  }
  if (envelope?.contentType !== undefined) request = { ...request, contentType: envelope.contentType };
  if (mutation?.kind === 'bytes') request = { ...request, body: mutation.transform(request.body) };
  return request;
}

async function send(endpoint: string, request: WireRequest) {
  const started = performance.now();
  const answer = await signedRequest(endpoint, {
    path: request.path,
    ...(request.target !== undefined ? { target: request.target } : {}),
    contentType: request.contentType,
    headers: request.headers,
    body: request.body,
    service: request.signingService,
  });
  return { status: answer.status, requestId: answer.headers.get('x-amzn-requestid') ?? '', contentType: answer.headers.get('content-type') ?? '', bytes: answer.bytes, ms: performance.now() - started };
}

/** The operations Wharf serves: every model operation but those its gateway answers with "does not support ... yet". */
async function servedOperations(endpoint: string): Promise<{ served: Operation[]; unserved: number }> {
  const served: Operation[] = [];
  let unserved = 0;
  for (const name of modelNames()) {
    const model = loadModel(name);
    const service = signingServiceOf(model);
    for (const [opName, operation] of Object.entries(model.operations)) {
      const op: Operation = { model, service, name: opName, inputShape: operation.input?.shape, contained: CONTAINED.has(`${service}.${opName}`) };
      // An empty input: no required member is met, so nothing is created by the probe of a contained operation.
      const probe = await send(endpoint, buildRequest(op, protocolsOf(model)[0]!, {}));
      if (probe.status === 501 && /does not support/.test(probe.bytes.toString())) unserved++;
      else served.push(op);
    }
  }
  return { served, unserved };
}

/** The `__type` of a JSON error answer (the only protocol the write-then-refuse operations speak here). */
function errorCodeOf(body: Buffer): string {
  try {
    const type = (JSON.parse(body.toString('utf8')) as { __type?: unknown }).__type;
    return typeof type === 'string' ? type.replace(/^.*#/, '') : '';
  } catch {
    return '';
  }
}

function describeValue(body: Buffer): string {
  const text = body.toString('utf8');
  return text.length > 300 ? `${text.slice(0, 300)}... (${body.length} bytes)` : text;
}

/** Runs `requests` fuzzed requests, one at a time (so a write is attributable to the request that made it). */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const random = new Random(options.seed);
  const { served, unserved } = await servedOperations(options.endpoint);
  options.log?.(`fuzz: seed ${options.seed}, ${served.length} served operations (${unserved} unserved skipped), ${options.requests} requests`);
  const watch = options.watch;
  const byStatus: Record<string, number> = {};
  const byMutation: Record<string, number> = {};
  const failures: string[] = [];
  const durations: number[] = [];
  let writesSeen = 0;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length;
  for (let i = 0; i < options.requests; i++) {
    const op = served[i < served.length * 2 ? i % served.length : random.int(served.length)]!;
    const protocols = protocolsOf(op.model);
    const protocol = random.pick(protocols);
    const valid = (op.inputShape ? validValue(op.model, op.inputShape, random) : {}) as Record<string, unknown>;
    let mutation: Mutation | undefined;
    let value: unknown = valid;
    if (op.contained) {
      // Never started: every required member is left out.
      const shape = op.inputShape ? op.model.shapes[op.inputShape] : undefined;
      const stripped = { ...valid };
      if (shape?.type === 'structure') for (const name of shape.required ?? []) delete stripped[name];
      mutation = { kind: 'tree', name: 'contained-missing-required', value: stripped };
      value = stripped;
    } else if (random.chance(0.8)) {
      mutation = mutate(op.model, op.inputShape, valid, random);
      if (mutation.kind === 'tree') value = mutation.value;
    }
    const mutationName = mutation?.name ?? 'valid';
    byMutation[mutationName] = (byMutation[mutationName] ?? 0) + 1;
    const request = buildRequest(op, protocol, value, mutation);
    let answer: Awaited<ReturnType<typeof send>>;
    try {
      answer = await send(options.endpoint, request);
    } catch (error) {
      // A header value HTTP forbids (a NUL in X-Amz-Target): no client can send it, so there is nothing to judge.
      if (error instanceof TypeError && /header/i.test(error.message)) {
        byMutation.unsendable = (byMutation.unsendable ?? 0) + 1;
        continue;
      }
      // No answer at all (the connection closed or reset): the worst answer there is.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      failures.push(`#${i} ${op.service}:${op.name} over ${protocol}, ${mutationName}: no answer (${String(error)}${cause ? `: ${cause.code ?? ''} ${cause.message ?? ''}` : ''})\n  request: ${request.target ?? request.path} ${request.contentType} ${describeValue(request.body)}`);
      options.log?.(failures[failures.length - 1]!);
      continue;
    }
    durations.push(answer.ms);
    byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
    const problems = problemsWith(answer, protocol, mutation?.kind !== 'envelope');
    const bound = options.maxMs + (options.msPerMiB * request.body.length) / (1 << 20);
    if (answer.ms > bound) problems.push(`took ${Math.round(answer.ms)} ms (bound ${Math.round(bound)} ms)`);
    const writes = watch.writesOf(answer.requestId);
    if (answer.status >= 400 && writes.length > 0 && !WRITES_THEN_REFUSES.has(`${op.service}.${op.name}:${errorCodeOf(answer.bytes)}`)) problems.push(`a rejected request wrote to the store (${writes.join(', ')})`);
    if (answer.status < 300 && writes.length > 0) writesSeen++;
    if (op.contained && answer.status < 400) problems.push('a request without its required members was accepted');
    if (Object.getOwnPropertyNames(Object.prototype).length !== prototypeKeys || ({} as Record<string, unknown>).polluted !== undefined) problems.push('Object.prototype was polluted');
    if (problems.length) {
      failures.push(`#${i} ${op.service}:${op.name} over ${protocol}, ${mutationName}: ${problems.join('; ')}\n  request: ${request.target ?? request.path} ${request.contentType} ${describeValue(request.body)}\n  answer: ${answer.status} ${answer.contentType} ${describeValue(answer.bytes)}`);
      if (failures.length <= 5) options.log?.(failures[failures.length - 1]!);
    }
    if (options.log && (i + 1) % 10_000 === 0) options.log(`fuzz: ${i + 1} requests, ${failures.length} failures`);
  }
  durations.sort((a, b) => a - b);
  return {
    sent: options.requests,
    operations: served.length,
    unserved,
    byStatus,
    byMutation,
    failures,
    writesSeen,
    p99Ms: Math.round(durations[Math.floor(durations.length * 0.99)] ?? 0),
    maxMs: Math.round(durations[durations.length - 1] ?? 0),
  };
}
