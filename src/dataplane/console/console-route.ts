import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where index.html carries the nonce of its response (the page gives it to the <style> elements xterm.js creates). */
export const NONCE_PLACEHOLDER = '__WHARF_CSP_NONCE__';

/**
 * Everything from this origin only: scripts, styles, connections (the API calls and the exec
 * WebSocket), images. The one addition is a per-response nonce for styles: xterm.js writes its
 * row and theme rules into <style> elements it creates, and the page stamps them with it.
 */
export function consoleCsp(nonce: string): string {
  return `default-src 'self'; script-src 'self'; style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'`;
}

/**
 * `/console/`: the console's built files (`console/dist`, made by `vite build`). Files under
 * assets/ carry a content hash in their names, so they are cached for good; index.html is
 * revalidated every time so a rebuild is picked up on the next load. The console holds no
 * data of its own: every call it makes is a signed AWS API call to this port.
 * The handler has the shape of the gateway's raw routes (main.ts mounts it there); the data
 * plane does not import the API to say so.
 */
export function consoleRoute(distDir: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const root = normalize(distDir).replace(/[\\/]+$/, '');
  return async (req, res) => {
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    } catch {
      return notFound(res, req.url ?? '');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('The console is read with GET.\n');
      return;
    }
    if (path === '/console') {
      res.writeHead(308, { location: '/console/' });
      res.end();
      return;
    }
    const relative = path.slice('/console/'.length) || 'index.html';
    const file = normalize(join(root, relative));
    if (file !== root && !file.startsWith(root + sep)) return notFound(res, path);
    let body: Buffer;
    try {
      if (!(await stat(file)).isFile()) return notFound(res, path);
      body = await readFile(file);
    } catch {
      if (relative === 'index.html') {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
        res.end('The console is not built. Run `bash scripts/up.sh` (it builds console/ with vite), or `npm ci && npx vite build` in console/.\n');
        return;
      }
      return notFound(res, path);
    }
    const hashed = relative.startsWith('assets/');
    const nonce = randomBytes(16).toString('base64');
    if (extname(file) === '.html') body = Buffer.from(body.toString('utf8').replaceAll(NONCE_PLACEHOLDER, nonce));
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-security-policy': consoleCsp(nonce),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

function notFound(res: ServerResponse, path: string): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(`No console file at ${path}. Open /console/.\n`);
}
