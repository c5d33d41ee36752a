/**
 * An HTTP/1.1 response reader for the load balancer's upstream connections:
 * just enough of RFC 9112 to find a response's head and where its body ends
 * (Content-Length, chunked, or the connection's close), so a keep-alive
 * connection can be reused. It hands the body on de-chunked, as node's
 * ServerResponse re-frames it for the client. node:http's client does the
 * same with a request object, an agent and an IncomingMessage per request,
 * which is most of what a proxy spends; this is the product's hot path.
 */

export interface ResponseHandler {
  /** Status, reason and the end-to-end headers (hop-by-hop ones removed), as a flat name/value list. */
  head(status: number, reason: string, headers: string[]): void;
  /** A piece of the body; false asks the sender to pause until the client drains. */
  body(chunk: Buffer): boolean;
  /** The response is complete; `last` is its final piece of body when it came with the end (one write instead of two). */
  end(last?: Buffer): void;
}

/** Headers that belong to one connection, not to the message (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export class MalformedResponse extends Error {}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

export class ResponseParser {
  private state: State = 'done';
  private pending: Buffer | undefined;
  private remaining = 0;
  private noBody = false;
  private handler: ResponseHandler | undefined;
  /** Whether the connection may carry another request once this response is done. */
  reusable = true;
  /** Whether any byte of the response has arrived (a failure before that may be retried). */
  started = false;

  /** Expects a new response; `noBody` for a HEAD request. */
  expect(handler: ResponseHandler, noBody: boolean): void {
    this.handler = handler;
    this.noBody = noBody;
    this.state = 'head';
    this.pending = undefined;
    this.started = false;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Whether the response runs until the connection closes (then the close completes it). */
  get endsAtClose(): boolean {
    return this.state === 'until-close';
  }

  /** The connection closed: completes a response framed by the close. */
  closed(): void {
    if (this.state === 'until-close') this.finish();
  }

  /** Feeds bytes read from the connection; throws MalformedResponse on a response it cannot frame. */
  feed(chunk: Buffer): void {
    if (chunk.length > 0) this.started = true;
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (data.length > 0 && this.state !== 'done') {
      switch (this.state) {
        case 'head': {
          const end = data.indexOf(HEAD_END);
          if (end < 0) {
            if (data.length > MAX_HEAD_BYTES) throw new MalformedResponse('response head too large');
            this.pending = data;
            return;
          }
          this.readHead(data.toString('latin1', 0, end));
          data = data.subarray(end + 4);
          break;
        }
        case 'length': {
          const take = Math.min(this.remaining, data.length);
          this.remaining -= take;
          const piece = take === data.length ? data : data.subarray(0, take);
          data = data.subarray(take);
          if (this.remaining === 0) this.finish(piece);
          else this.handler!.body(piece);
          break;
        }
        case 'until-close':
          this.handler!.body(data);
          return;
        case 'chunk-size': {
          const end = data.indexOf(CRLF);
          if (end < 0) {
            if (data.length > 1024) throw new MalformedResponse('chunk size line too long');
            this.pending = data;
            return;
          }
          const line = data.toString('latin1', 0, end);
          const size = Number.parseInt(line.split(';', 1)[0]!.trim(), 16);
          if (!Number.isFinite(size) || size < 0) throw new MalformedResponse(`bad chunk size '${line}'`);
          data = data.subarray(end + 2);
          if (size === 0) {
            this.state = 'trailers';
          } else {
            this.remaining = size;
            this.state = 'chunk-data';
          }
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, data.length);
          this.handler!.body(take === data.length ? data : data.subarray(0, take));
          this.remaining -= take;
          data = data.subarray(take);
          if (this.remaining === 0) this.state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          if (data.length < 2) {
            this.pending = data;
            return;
          }
          if (data[0] !== 0x0d || data[1] !== 0x0a) throw new MalformedResponse('chunk not followed by CRLF');
          data = data.subarray(2);
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          // Trailer fields are dropped (ALB does not forward them); an empty line ends the message.
          const end = data.indexOf(CRLF);
          if (end < 0) {
            if (data.length > MAX_HEAD_BYTES) throw new MalformedResponse('trailers too large');
            this.pending = data;
            return;
          }
          data = data.subarray(end + 2);
          if (end === 0) this.finish();
          break;
        }
      }
    }
    // Bytes after a complete response: the target sent more than it framed, so the connection is not reused.
    if (this.state === 'done' && data.length > 0) this.reusable = false;
  }

  private readHead(head: string): void {
    const lines = head.split('\r\n');
    const first = lines[0]!;
    // "HTTP/1.x NNN reason", read by position: this runs once per proxied request.
    const status = first.length >= 12 && first.startsWith('HTTP/1.') && (first[7] === '0' || first[7] === '1') && first[8] === ' ' ? Number(first.slice(9, 12)) : NaN;
    if (!(status >= 100 && status <= 999) || (first.length > 12 && first[12] !== ' ')) throw new MalformedResponse(`bad status line '${first.slice(0, 100)}'`);
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200) return;
    let keepAlive = first[7] === '1';
    let length: number | undefined;
    let chunked = false;
    const headers: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new MalformedResponse('bad header line');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      const lower = name.toLowerCase();
      if (lower === 'content-length') {
        const parsed = Number(value);
        if (!Number.isSafeInteger(parsed) || parsed < 0 || (length !== undefined && length !== parsed)) throw new MalformedResponse('bad content-length');
        length = parsed;
      } else if (lower === 'transfer-encoding') {
        chunked = /(^|,)\s*chunked\s*$/i.test(value);
      } else if (lower === 'connection') {
        const tokens = value.toLowerCase();
        if (tokens.includes('close')) keepAlive = false;
        else if (tokens.includes('keep-alive')) keepAlive = true;
      }
      if (!HOP_BY_HOP.has(lower)) headers.push(name, value);
    }
    if (chunked && length !== undefined) {
      // RFC 9112 6.3: chunked wins, and the length must not be passed on.
      length = undefined;
      for (let i = headers.length - 2; i >= 0; i -= 2) if (headers[i]!.toLowerCase() === 'content-length') headers.splice(i, 2);
    }
    this.reusable = keepAlive;
    this.handler!.head(status, first.slice(13), headers);
    if (this.noBody || status === 204 || status === 304) {
      this.finish();
    } else if (chunked) {
      this.state = 'chunk-size';
    } else if (length !== undefined) {
      this.remaining = length;
      if (length === 0) this.finish();
      else this.state = 'length';
    } else {
      this.state = 'until-close';
      this.reusable = false;
    }
  }

  private finish(last?: Buffer): void {
    this.state = 'done';
    const handler = this.handler!;
    this.handler = undefined;
    handler.end(last);
  }
}
