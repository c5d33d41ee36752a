import { request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { sendAlbError } from './alb-responses.js';
import type { TargetRuntime } from './target-pool.js';

/**
 * One forwarded request: the hot path of the load balancer. Headers go as
 * flat arrays (no header objects are built), bodies are piped both ways
 * (never buffered), and the event handlers are shared module functions that
 * find their exchange on the emitter, so a request allocates no closures.
 */

/** Hop-by-hop headers belong to one connection, not to the request (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const REQUEST_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port']);

export type XffMode = 'append' | 'preserve' | 'remove';

/** The request head a target gets: the client's headers without hop-by-hop ones, with X-Forwarded-* as ALB sets them. */
export function targetHeaders(req: IncomingMessage, xffMode: XffMode, proto: string, port: string, keepUpgrade: boolean): { headers: string[]; hasBody: boolean } {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  let xff: string | undefined;
  let hasBody = false;
  let connectionTokens: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (REQUEST_DROPPED.has(lower)) {
      if (lower === 'x-forwarded-for') xff = xff === undefined ? value : `${xff}, ${value}`;
      else if (lower === 'connection') connectionTokens = value;
      if (!(keepUpgrade && (lower === 'upgrade' || lower === 'connection'))) continue;
    } else if (lower === 'content-length') {
      if (value !== '0') hasBody = true;
    } else if (lower === 'transfer-encoding') {
      hasBody = true;
    }
    headers.push(name, value);
  }
  if (connectionTokens !== undefined && !keepUpgrade) {
    // Headers the client named in Connection are hop-by-hop too.
    for (const token of connectionTokens.split(',')) {
      const drop = token.trim().toLowerCase();
      if (drop === '' || drop === 'close' || drop === 'keep-alive') continue;
      for (let i = headers.length - 2; i >= 0; i -= 2) if (headers[i]!.toLowerCase() === drop) headers.splice(i, 2);
    }
  }
  const client = req.socket.remoteAddress ?? '';
  if (xffMode === 'append') headers.push('X-Forwarded-For', xff === undefined ? client : `${xff}, ${client}`);
  else if (xffMode === 'preserve' && xff !== undefined) headers.push('X-Forwarded-For', xff);
  headers.push('X-Forwarded-Proto', proto, 'X-Forwarded-Port', port);
  return { headers, hasBody };
}

const EXCHANGE = Symbol('wharf.exchange');
const PAUSED = Symbol('wharf.paused');
const TIMED_OUT = new Error('the target did not answer within the idle timeout');

type Carrier = { [EXCHANGE]?: Exchange };

class Exchange {
  upstream: ClientRequest | undefined;
  private settled = true;
  retried = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly target: TargetRuntime,
    readonly headers: string[],
    readonly hasBody: boolean,
    readonly timeoutMs: number,
    /** lb_cookie stickiness: the cookie lifetime, undefined when off. */
    readonly stickyMs: number | undefined,
  ) {}

  send(): void {
    const { target, req } = this;
    const upstream = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: this.headers, agent: target.agent, timeout: this.timeoutMs });
    (upstream as Carrier)[EXCHANGE] = this;
    this.upstream = upstream;
    this.settled = false;
    target.outstanding++;
    target.inFlight.add(upstream);
    upstream.on('response', onUpstreamResponse);
    upstream.on('timeout', onUpstreamTimeout);
    upstream.on('error', onUpstreamError);
    if (this.hasBody) req.pipe(upstream);
    else upstream.end();
  }

  /** The attempt is over (answered, failed or abandoned): it no longer counts as outstanding. */
  settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.target.outstanding--;
    if (this.upstream) this.target.inFlight.delete(this.upstream);
  }
}

function onUpstreamResponse(this: ClientRequest, answer: IncomingMessage): void {
  const exchange = (this as Carrier)[EXCHANGE]!;
  const raw = answer.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  }
  if (exchange.stickyMs !== undefined) {
    const value = Buffer.from(exchange.target.key).toString('base64url');
    const expires = new Date(Date.now() + exchange.stickyMs).toUTCString();
    out.push('Set-Cookie', `AWSALB=${value}; Expires=${expires}; Path=/`, 'Set-Cookie', `AWSALBCORS=${value}; Expires=${expires}; Path=/; SameSite=None`);
  }
  exchange.res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
  (answer as Carrier)[EXCHANGE] = exchange;
  // A hand-made pipe: Readable.pipe sets up and tears down eight listeners per response.
  answer.on('data', onAnswerData);
  answer.on('end', onAnswerEnd);
  answer.on('error', onAnswerError);
}

function onAnswerData(this: IncomingMessage, chunk: Buffer): void {
  const res = (this as Carrier)[EXCHANGE]!.res;
  if (!res.write(chunk)) {
    // The client reads slower than the target writes: hold the target until the client catches up.
    this.pause();
    (res as Carrier & { [PAUSED]?: IncomingMessage })[PAUSED] = this;
    res.once('drain', onClientDrain);
  }
}

function onClientDrain(this: ServerResponse): void {
  (this as Carrier & { [PAUSED]?: IncomingMessage })[PAUSED]?.resume();
}

function onAnswerEnd(this: IncomingMessage): void {
  const exchange = (this as Carrier)[EXCHANGE]!;
  exchange.res.end();
  exchange.settle();
}

function onAnswerError(this: IncomingMessage): void {
  (this as Carrier)[EXCHANGE]!.res.destroy();
}

function onUpstreamTimeout(this: ClientRequest): void {
  this.destroy(TIMED_OUT);
}

function onUpstreamError(this: ClientRequest, error: Error): void {
  const exchange = (this as Carrier)[EXCHANGE]!;
  exchange.settle();
  if (error === TIMED_OUT) return sendAlbError(exchange.res, 504);
  // A pooled connection the target had just closed: once more on a fresh one, if no body was sent.
  if (!exchange.retried && this.reusedSocket && !exchange.res.headersSent && !exchange.hasBody && !exchange.res.destroyed) {
    exchange.retried = true;
    return exchange.send();
  }
  sendAlbError(exchange.res, 502);
}

function onClientClose(this: ServerResponse): void {
  const exchange = (this as Carrier)[EXCHANGE]!;
  // The client went away before the answer was complete: stop the target's work too.
  if (!this.writableFinished) exchange.upstream?.destroy();
  exchange.settle();
}

/** Forwards `req` to `target` and streams the answer back; failures become ALB's 502/504 pages. */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, target: TargetRuntime, headers: string[], hasBody: boolean, timeoutMs: number, stickyMs: number | undefined): void {
  const exchange = new Exchange(req, res, target, headers, hasBody, timeoutMs, stickyMs);
  (res as Carrier)[EXCHANGE] = exchange;
  res.on('close', onClientClose);
  exchange.send();
}
