import { connect, type Socket } from 'node:net';
import { MalformedResponse, ResponseParser, type ResponseHandler } from './response-parser.js';

/** What one request on an upstream connection reports back. */
export interface UpstreamExchange extends ResponseHandler {
  /**
   * The request failed. `retryable`: nothing of the response had arrived on a
   * connection reused from the pool (the target may have closed it while idle),
   * so the same request may go once more on a fresh connection.
   */
  failed(error: Error, retryable: boolean): void;
}

export const UPSTREAM_TIMEOUT = new Error('the target did not answer within the idle timeout');

/**
 * One keep-alive TCP connection to a target, carrying one request at a time.
 * The socket's listeners are set once for its whole life: a request only
 * swaps the exchange they report to.
 */
export class UpstreamConnection {
  readonly socket: Socket;
  private readonly parser = new ResponseParser();
  private exchange: UpstreamExchange | undefined;
  /** Whether it has carried a request before (a failure on it before any answer may be retried). */
  reused = false;
  private closed = false;

  constructor(private readonly pool: UpstreamPool) {
    this.socket = connect({ host: pool.host, port: pool.port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('timeout', () => this.fail(UPSTREAM_TIMEOUT));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.onClose());
  }

  /** Starts a request: the caller writes its head and body to `socket` next. */
  begin(exchange: UpstreamExchange, timeoutMs: number, noBody: boolean): void {
    this.exchange = exchange;
    this.parser.expect(this, noBody);
    this.socket.setTimeout(timeoutMs);
  }

  /** Abandons the request in flight (client gone, drain over): the connection cannot be reused. */
  destroy(): void {
    this.exchange = undefined;
    this.socket.destroy();
  }

  head(status: number, reason: string, headers: string[]): void {
    this.exchange?.head(status, reason, headers);
  }

  body(chunk: Buffer): boolean {
    const exchange = this.exchange;
    if (exchange && !exchange.body(chunk)) this.socket.pause();
    return true;
  }

  end(last?: Buffer): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.socket.setTimeout(0);
    this.reused = true;
    // Back to the pool before the exchange ends, so the next request can take it at once.
    if (this.parser.reusable && !this.closed) this.pool.release(this);
    else this.socket.destroy();
    exchange?.end(last);
  }

  /** The client drained: read from the target again. */
  resume(): void {
    this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    if (!this.exchange) {
      // Bytes nobody asked for: the connection is out of step with its target.
      this.socket.destroy();
      return;
    }
    try {
      this.parser.feed(chunk);
    } catch (error) {
      if (!(error instanceof MalformedResponse)) throw error;
      this.fail(error);
    }
  }

  private onClose(): void {
    this.closed = true;
    this.pool.forget(this);
    if (!this.exchange) return;
    if (this.parser.endsAtClose) this.parser.closed();
    else this.fail(new Error('the target closed the connection'));
  }

  private fail(error: Error): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.socket.destroy();
    exchange?.failed(error, this.reused && !this.parser.started && error !== UPSTREAM_TIMEOUT);
  }
}

/** The idle keep-alive connections to one target, newest first out (the warmest socket). */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private destroyed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly maxIdle = 256,
  ) {}

  /** A connection for one request: an idle one, else a new one. */
  acquire(fresh = false): UpstreamConnection {
    if (!fresh) {
      const idle = this.idle.pop();
      if (idle) return idle;
    }
    return new UpstreamConnection(this);
  }

  release(connection: UpstreamConnection): void {
    if (this.destroyed || this.idle.length >= this.maxIdle) connection.destroy();
    else this.idle.push(connection);
  }

  forget(connection: UpstreamConnection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }

  /** Closes the idle connections; ones in use close when their request ends. */
  destroy(): void {
    this.destroyed = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
  }
}
