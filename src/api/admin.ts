import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawRoute } from './gateway.js';

export interface AdminActions {
  /** Wipes every record (and, once tasks exist, every Wharf-managed container). */
  reset(): Promise<void>;
  health(): Promise<Record<string, unknown>>;
}

function isLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * `/_wharf/*`: the endpoints test suites use, as other local AWS servers offer.
 * Reset changes everything, so it answers only loopback callers or a request
 * carrying the admin key pair (checked by `isAdmin`).
 */
export function adminRoute(actions: AdminActions, isAdmin: (req: IncomingMessage, body: Buffer) => Promise<boolean>): RawRoute {
  return async (req, res, readBody) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/_wharf/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      return send(res, 200, { status: 'ok', ...(await actions.health()) });
    }
    if (path === '/_wharf/reset' && req.method === 'POST') {
      const body = await readBody();
      if (!isLoopback(req) && !(await isAdmin(req, body))) {
        return send(res, 403, { __type: 'AccessDeniedException', message: 'Reset is allowed only from loopback or with the admin key pair.' });
      }
      await actions.reset();
      return send(res, 200, { reset: true });
    }
    send(res, 404, { __type: 'UnknownOperationException', message: `No admin endpoint ${req.method} ${path}. Try GET /_wharf/health or POST /_wharf/reset.` });
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
