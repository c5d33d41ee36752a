import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { ActionRecord } from '../../domain/elbv2/records.js';
import { pickWeighted, redirectLocation, redirectStatus } from '../../domain/elbv2/routing.js';
import type { RequestFacts, RequestPredicate } from '../../domain/elbv2/rule-match.js';
import { rawAlbError, sendAlbError, sendFixedResponse, sendRedirect } from './alb-responses.js';
import { forwardRequest, targetHeaders, type XffMode } from './forward-exchange.js';
import type { ForwardCounter, LoadBalancerCounter } from './alb-meter.js';
import type { TargetGroupRuntime, TargetRuntime } from './target-pool.js';

/** An action made ready for the hot path. */
export type CompiledAction =
  | {
      readonly type: 'forward';
      readonly groups: readonly TargetGroupRuntime[];
      readonly weights: readonly number[];
      readonly state: number[];
      /** Per group (same order): what this load balancer sends it, for AWS/ApplicationELB. */
      readonly counters: readonly ForwardCounter[];
    }
  | { readonly type: 'fixed-response'; readonly status: number; readonly contentType: string | undefined; readonly body: Buffer }
  | { readonly type: 'redirect'; readonly config: NonNullable<ActionRecord['redirectConfig']> };

/** What one listener does, swapped whole when records change (a request sees one consistent table). */
export interface ListenerTable {
  readonly listenerArn: string;
  /** The listener's configured port and protocol. */
  readonly listenerPort: number;
  readonly protocol: string;
  readonly idleTimeoutMs: number;
  readonly xffMode: XffMode;
  readonly rules: readonly { readonly matches: RequestPredicate; readonly action: CompiledAction | undefined }[];
  readonly defaultAction: CompiledAction | undefined;
  /** The load balancer's own counters (every request it takes, the answers it generates). */
  readonly counter: LoadBalancerCounter;
  /** Where another listener of the same load balancer is served (a redirect to its port goes there). */
  readonly boundPortOf: (listenerPort: number) => number | undefined;
}

const STICKY_COOKIE = 'AWSALB';

/** The request as rules see it, computed on first use (most listeners have no rules). */
class Facts implements RequestFacts {
  private pathCache: string | undefined;
  private queryCache: string | undefined;
  constructor(
    private readonly req: IncomingMessage,
  ) {}
  get method(): string {
    return this.req.method ?? 'GET';
  }
  get path(): string {
    if (this.pathCache === undefined) this.split();
    return this.pathCache!;
  }
  get query(): string {
    if (this.queryCache === undefined) this.split();
    return this.queryCache!;
  }
  get host(): string {
    return hostWithoutPort(this.req.headers.host ?? '');
  }
  get sourceIp(): string {
    return this.req.socket.remoteAddress ?? '';
  }
  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  private split(): void {
    const url = this.req.url ?? '/';
    const mark = url.indexOf('?');
    this.pathCache = mark === -1 ? url : url.slice(0, mark);
    this.queryCache = mark === -1 ? '' : url.slice(mark + 1);
  }
}

function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** The action for a request: the first matching rule's, else the default. */
function actionFor(table: ListenerTable, req: IncomingMessage): CompiledAction | undefined {
  const rules = table.rules;
  if (rules.length === 0) return table.defaultAction;
  const facts = new Facts(req);
  for (const rule of rules) if (rule.matches(facts)) return rule.action;
  return table.defaultAction;
}

function stickyKey(req: IncomingMessage): string | undefined {
  const cookie = req.headers.cookie;
  if (!cookie) return undefined;
  const at = cookie.indexOf(`${STICKY_COOKIE}=`);
  if (at === -1 || (at > 0 && cookie[at - 1] !== ' ' && cookie[at - 1] !== ';')) return undefined;
  const start = at + STICKY_COOKIE.length + 1;
  const end = cookie.indexOf(';', start);
  try {
    return Buffer.from(cookie.slice(start, end === -1 ? undefined : end), 'base64url').toString('utf8');
  } catch {
    return undefined;
  }
}

/** Picks the group (by weight) and the target (sticky cookie first) for a forward. */
function chooseTarget(
  action: Extract<CompiledAction, { type: 'forward' }>,
  req: IncomingMessage,
): { group: TargetGroupRuntime; target: TargetRuntime | undefined; counter: ForwardCounter } | undefined {
  const groups = action.groups;
  const index = groups.length === 1 ? 0 : pickWeighted(action.weights, action.state);
  const group = groups[index];
  if (!group) return undefined;
  const counter = action.counters[index]!;
  counter.requests++;
  if (group.stickyMs !== undefined) {
    const key = stickyKey(req);
    const sticky = key === undefined ? undefined : group.routableByKey(key);
    if (sticky) return { group, target: sticky, counter };
  }
  return { group, target: group.pick(), counter };
}

/**
 * One listener's HTTP server on this host: ALB's routing, forwarding with
 * keep-alive pools per target and streamed bodies, its own answers (fixed
 * responses, redirects, 5xx pages), and WebSocket pass-through.
 */
export class ListenerProxy {
  readonly server: Server;
  private readonly upgraded = new Set<Socket>();
  /** X-Forwarded-Proto and -Port, computed once. */
  private proto = 'http';
  private portText = '0';

  constructor(
    private current: ListenerTable,
    private port: number,
  ) {
    this.table = current;
    this.boundPort = port;
    this.server = createServer({ keepAliveTimeout: current.idleTimeoutMs, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => this.handle(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('clientError', (_error, socket: Socket) => {
      this.current.counter.requests++;
      this.current.counter.elb4xx++;
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nServer: awselb/2.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  get table(): ListenerTable {
    return this.current;
  }

  set table(table: ListenerTable) {
    this.current = table;
    this.proto = table.protocol === 'HTTPS' ? 'https' : 'http';
  }

  /** The port clients reach it on (X-Forwarded-Port and #{port} in redirects). */
  get boundPort(): number {
    return this.port;
  }

  set boundPort(port: number) {
    this.port = port;
    this.portText = String(port);
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.upgraded) socket.destroy();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const table = this.table;
    const counter = table.counter;
    counter.requests++;
    const action = actionFor(table, req);
    if (action === undefined) {
      counter.elb5xx++;
      return sendAlbError(res, 503);
    }
    switch (action.type) {
      case 'forward': {
        const choice = chooseTarget(action, req);
        if (!choice?.target) {
          counter.elb5xx++;
          return sendAlbError(res, 503);
        }
        const { headers, hasBody } = targetHeaders(req, table.xffMode, this.proto, this.portText, false);
        return forwardRequest(req, res, choice.target, headers, hasBody, table.idleTimeoutMs, choice.group.stickyMs, counter, choice.counter);
      }
      case 'fixed-response':
        req.resume();
        counter.fixedResponses++;
        return sendFixedResponse(res, action.status, action.contentType, action.body);
      case 'redirect':
        req.resume();
        counter.redirects++;
        return sendRedirect(res, redirectStatus(action.config), this.location(req, table, action.config));
    }
  }

  private location(req: IncomingMessage, table: ListenerTable, config: NonNullable<ActionRecord['redirectConfig']>): string {
    const facts = new Facts(req);
    // #{port} is where the client connected; a port naming another listener of this load balancer goes where that one is served.
    const port = config.port === undefined || config.port === '#{port}' ? String(this.boundPort) : String(table.boundPortOf(Number(config.port)) ?? config.port);
    return redirectLocation({ ...config, port }, { protocol: table.protocol.toLowerCase(), host: facts.host, port: String(this.boundPort), path: facts.path, query: facts.query });
  }

  /** WebSocket (and any Upgrade): a raw TCP tunnel to the target after replaying the request head. */
  private upgrade(req: IncomingMessage, client: Socket, head: Buffer): void {
    const table = this.table;
    table.counter.requests++;
    const action = actionFor(table, req);
    const choice = action?.type === 'forward' ? chooseTarget(action, req) : undefined;
    if (!choice?.target) {
      table.counter.elbError(action?.type === 'forward' ? 503 : 400);
      client.end(rawAlbError(action?.type === 'forward' ? 503 : 400));
      return;
    }
    const target = choice.target;
    const { headers } = targetHeaders(req, table.xffMode, this.proto, this.portText, true);
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
    lines.push('', '');
    const upstream = connect({ host: target.host, port: target.port });
    let connected = false;
    this.upgraded.add(client);
    target.inFlight.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      this.upgraded.delete(client);
      target.inFlight.delete(upstream);
    };
    upstream.once('connect', () => {
      connected = true;
      upstream.write(lines.join('\r\n'));
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    upstream.on('error', () => {
      if (!connected && client.writable) client.end(rawAlbError(502));
      else done();
    });
    upstream.on('close', done);
    client.on('error', done);
    client.on('close', done);
  }
}
