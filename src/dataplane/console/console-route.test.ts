import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { consoleRoute, NONCE_PLACEHOLDER } from './console-route.js';

describe('the console route serves the built files', () => {
  let dir: string;
  let server: Server;
  let base: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-console-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), `<!doctype html><meta name="csp-nonce" content="${NONCE_PLACEHOLDER}"><title>Wharf console</title>`);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(tmpdir(), 'wharf-console-outside.txt'), 'outside');
    const route = consoleRoute(`${dir}/`);
    server = createServer((req, res) => void route(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(tmpdir(), 'wharf-console-outside.txt'), { force: true });
  });

  test('/console/ is index.html, revalidated every load, with a CSP of this origin and a fresh style nonce', async () => {
    const response = await fetch(`${base}/console/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self';/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self';/);
    assert.doesNotMatch(csp, /unsafe/);
    const nonce = /style-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    const html = await response.text();
    assert.ok(html.includes(`content="${nonce}"`), html);
    const again = await fetch(`${base}/console/`);
    assert.notEqual(again.headers.get('content-security-policy'), csp, 'a new nonce each load');
  });

  test('hashed assets are immutable, with their content types', async () => {
    const js = await fetch(`${base}/console/assets/index-abc123.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const css = await fetch(`${base}/console/assets/index-abc123.css`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  });

  test('/console redirects to /console/; a missing file or a path out of the folder is a 404; writes are refused', async () => {
    const redirect = await fetch(`${base}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/console/');
    assert.equal((await fetch(`${base}/console/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${base}/console/..%2F..%2Fwharf-console-outside.txt`)).status, 404);
    assert.equal((await fetch(`${base}/console/%E0%A4%A`)).status, 404);
    assert.equal((await fetch(`${base}/console/`, { method: 'POST' })).status, 405);
  });

  test('before the console is built, index.html says how to build it', async () => {
    const route = consoleRoute(join(dir, 'missing'));
    const other = createServer((req, res) => void route(req, res));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/console/`);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /vite build/);
    } finally {
      other.close();
    }
  });
});
