import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ForwardCounter, LoadBalancerCounter } from './alb-meter.js';
import { sendAlbError } from './alb-responses.js';
import type { InFlight, TargetRuntime } from './target-pool.js';
import { UPSTREAM_TIMEOUT, type UpstreamConnection, type UpstreamExchange } from './upstream-pool.js';

/**
 * One forwarded request: the hot path of the load balancer. Headers go as
 * flat arrays (no header objects are built), bodies are streamed both ways
 * (never buffered), over keep-alive connections of the target's own pool.
 */

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

type Carrier = { [EXCHANGE]?: Exchange };

/**
 * One request to one target over a pooled keep-alive connection (see
 * upstream-pool.ts): the head is written as one string, the body streamed
 * with back-pressure, the answer streamed back as it arrives.
 */
class Exchange implements UpstreamExchange, InFlight {
  private connection: UpstreamConnection | undefined;
  private settled = true;
  private retried = false;
  private readonly chunked: boolean;
  /** When the request (this attempt) left for the target, performance.now() ms: TargetResponseTime starts here. */
  private sentAt = 0;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly target: TargetRuntime,
    readonly headers: string[],
    readonly hasBody: boolean,
    readonly timeoutMs: number,
    /** lb_cookie stickiness: the cookie lifetime, undefined when off. */
    readonly stickyMs: number | undefined,
    readonly lbCounter: LoadBalancerCounter,
    readonly counter: ForwardCounter,
  ) {
    this.chunked = hasBody && isChunked(headers);
  }

  send(fresh = false): void {
    const { target, req } = this;
    const connection = target.pool.acquire(fresh);
    this.connection = connection;
    this.settled = false;
    target.outstanding++;
    target.inFlight.add(this);
    this.sentAt = performance.now();
    connection.begin(this, this.timeoutMs, req.method === 'HEAD');
    connection.socket.write(requestHead(req, this.headers));
    if (this.hasBody) this.streamBody(connection);
  }

  head(status: number, reason: string, headers: string[]): void {
    this.counter.response(status, (performance.now() - this.sentAt) / 1000);
    if (this.stickyMs !== undefined) {
      const value = Buffer.from(this.target.key).toString('base64url');
      const expires = new Date(Date.now() + this.stickyMs).toUTCString();
      headers.push('Set-Cookie', `AWSALB=${value}; Expires=${expires}; Path=/`, 'Set-Cookie', `AWSALBCORS=${value}; Expires=${expires}; Path=/; SameSite=None`);
    }
    this.res.writeHead(status, reason || undefined, headers);
  }

  body(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    // The client reads slower than the target writes: hold the target until the client catches up.
    this.res.once('drain', onClientDrain);
    return false;
  }

  end(last?: Buffer): void {
    this.connection = undefined;
    this.settle();
    if (last) this.res.end(last);
    else this.res.end();
  }

  failed(error: Error, retryable: boolean): void {
    this.connection = undefined;
    this.settle();
    if (this.res.destroyed) return;
    // A pooled connection the target had just closed: once more on a fresh one, if no body was sent.
    if (retryable && !this.retried && !this.hasBody && !this.res.headersSent) {
      this.retried = true;
      return this.send(true);
    }
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    const status = error === UPSTREAM_TIMEOUT ? 504 : 502;
    this.lbCounter.elbError(status);
    sendAlbError(this.res, status);
  }

  /** The target's drain ended or the client left: abandon the request. */
  destroy(): void {
    const connection = this.connection;
    this.connection = undefined;
    this.settle();
    connection?.destroy();
    if (!this.res.writableFinished) this.res.destroy();
  }

  resumeTarget(): void {
    this.connection?.resume();
  }

  /** The attempt is over (answered, failed or abandoned): it no longer counts as outstanding. */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.target.outstanding--;
    this.target.inFlight.delete(this);
  }

  private streamBody(connection: UpstreamConnection): void {
    const { req } = this;
    const socket = connection.socket;
    const chunked = this.chunked;
    const onData = (chunk: Buffer): void => {
      if (this.connection !== connection) return;
      const ok = chunked ? socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n') : socket.write(chunk);
      if (!ok) {
        req.pause();
        socket.once('drain', () => req.resume());
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      req.off('data', onData);
      if (chunked && this.connection === connection) socket.write('0\r\n\r\n');
    });
  }
}

function isChunked(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'transfer-encoding' && /chunked/i.test(headers[i + 1]!)) return true;
  }
  return false;
}

function requestHead(req: IncomingMessage, headers: readonly string[]): string {
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return head + '\r\n';
}

function onClientDrain(this: ServerResponse): void {
  (this as Carrier)[EXCHANGE]?.resumeTarget();
}

function onClientClose(this: ServerResponse): void {
  const exchange = (this as Carrier)[EXCHANGE]!;
  // The client went away before the answer was complete: stop the target's work too.
  if (!this.writableFinished) exchange.destroy();
}

/** Forwards `req` to `target` and streams the answer back; failures become ALB's 502/504 pages. */
export function forwardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  target: TargetRuntime,
  headers: string[],
  hasBody: boolean,
  timeoutMs: number,
  stickyMs: number | undefined,
  lbCounter: LoadBalancerCounter,
  counter: ForwardCounter,
): void {
  const exchange = new Exchange(req, res, target, headers, hasBody, timeoutMs, stickyMs, lbCounter, counter);
  (res as Carrier)[EXCHANGE] = exchange;
  res.on('close', onClientClose);
  exchange.send();
}
