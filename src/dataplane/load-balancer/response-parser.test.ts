import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MalformedResponse, ResponseParser } from './response-parser.js';

function collector() {
  const seen = { status: 0, reason: '', headers: [] as string[], body: '', ended: 0 };
  return {
    seen,
    handler: {
      head(status: number, reason: string, headers: string[]) {
        Object.assign(seen, { status, reason, headers });
      },
      body(chunk: Buffer) {
        seen.body += chunk.toString('latin1');
        return true;
      },
      end(last?: Buffer) {
        if (last) seen.body += last.toString('latin1');
        seen.ended++;
      },
    },
  };
}

/** Feeds `text` one byte at a time: framing must not depend on how TCP splits it. */
function feedBytes(parser: ResponseParser, text: string): void {
  for (const byte of Buffer.from(text, 'latin1')) parser.feed(Buffer.from([byte]));
}

test('a Content-Length response ends after its length, split anywhere; hop-by-hop headers are dropped', () => {
  const parser = new ResponseParser();
  const { seen, handler } = collector();
  parser.expect(handler, false);
  feedBytes(parser, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\nX-A: b\r\n\r\nhello');
  assert.deepEqual([seen.status, seen.reason, seen.headers, seen.body, seen.ended], [200, 'OK', ['Content-Length', '5', 'X-A', 'b'], 'hello', 1]);
  assert.equal(parser.reusable, true);
  assert.equal(parser.done, true);
});

test('a chunked response is passed on de-chunked, trailers dropped, and ends at the last chunk', () => {
  const parser = new ResponseParser();
  const { seen, handler } = collector();
  parser.expect(handler, false);
  feedBytes(parser, 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n');
  assert.deepEqual([seen.status, seen.headers, seen.body, seen.ended], [201, [], 'hello, world', 1]);
  // The same connection carries the next response.
  const next = collector();
  parser.expect(next.handler, false);
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  assert.deepEqual([next.seen.body, next.seen.ended], ['ok', 1]);
});

test('HEAD, 204 and 304 answers have no body; interim 1xx answers are skipped', () => {
  const parser = new ResponseParser();
  const head = collector();
  parser.expect(head.handler, true);
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'));
  assert.deepEqual([head.seen.status, head.seen.ended], [200, 1]);
  const noContent = collector();
  parser.expect(noContent.handler, false);
  parser.feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'));
  assert.deepEqual([noContent.seen.status, noContent.seen.ended], [204, 1]);
});

test('a response without framing runs until the connection closes and is not reused; HTTP/1.0 and Connection: close are not reused', () => {
  const parser = new ResponseParser();
  const { seen, handler } = collector();
  parser.expect(handler, false);
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\nstream'));
  parser.feed(Buffer.from('ing'));
  assert.equal(seen.ended, 0);
  assert.equal(parser.endsAtClose, true);
  parser.closed();
  assert.deepEqual([seen.body, seen.ended, parser.reusable], ['streaming', 1, false]);
  parser.expect(collector().handler, false);
  parser.feed(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(parser.reusable, false);
  parser.expect(collector().handler, false);
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(parser.reusable, false);
});

test('garbage and conflicting lengths are refused', () => {
  const parser = new ResponseParser();
  parser.expect(collector().handler, false);
  assert.throws(() => parser.feed(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), MalformedResponse);
  parser.expect(collector().handler, false);
  assert.throws(() => parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')), MalformedResponse);
  parser.expect(collector().handler, false);
  assert.throws(() => parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')), MalformedResponse);
});
