import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, invalidParameter } from '../domain/errors.js';
import type { RawRoute } from './gateway.js';

export interface AdminActions {
  /** Wipes every record (and, once tasks exist, every Wharf-managed container). */
  reset(): Promise<void>;
  health(): Promise<Record<string, unknown>>;
  /**
   * Interrupts Fargate Spot tasks as ECS would (the body as sent; throws AwsError on bad input):
   * the ARNs interrupted and the warning before their containers are killed.
   */
  interruptSpot(body: unknown): Promise<{ interrupted: string[]; warningSeconds: number }>;
  /** Where each ELBv2 listener is served on this host (its load balancer's DNS name, bound port, URL). */
  loadBalancers?(): Promise<readonly object[]>;
}

function isLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * `/_wharf/*`: the endpoints test suites use, as other local AWS servers offer.
 * Reset and Spot interruption change state, so they answer only loopback
 * callers or a request carrying the admin key pair (checked by `isAdmin`).
 */
export function adminRoute(actions: AdminActions, isAdmin: (req: IncomingMessage, body: Buffer) => Promise<boolean>): RawRoute {
  return async (req, res, readBody) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/_wharf/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      return send(res, 200, { status: 'ok', ...(await actions.health()) });
    }
    // Read-only, like health: tests and users find a listener's bound port here.
    if (path === '/_wharf/load-balancers' && (req.method === 'GET' || req.method === 'HEAD') && actions.loadBalancers) {
      return send(res, 200, { listeners: await actions.loadBalancers() });
    }
    if (path === '/_wharf/reset' && req.method === 'POST') {
      const body = await readBody();
      if (!isLoopback(req) && !(await isAdmin(req, body))) {
        return send(res, 403, { __type: 'AccessDeniedException', message: 'Reset is allowed only from loopback or with the admin key pair.' });
      }
      await actions.reset();
      return send(res, 200, { reset: true });
    }
    if (path === '/_wharf/spot-interruption' && req.method === 'POST') {
      let body: Buffer;
      try {
        body = await readBody();
      } catch {
        return send(res, 413, { __type: 'InvalidParameterException', message: 'The request body could not be read (at most 8 MiB).' });
      }
      if (!isLoopback(req) && !(await isAdmin(req, body))) {
        return send(res, 403, { __type: 'AccessDeniedException', message: 'Spot interruption is allowed only from loopback or with the admin key pair.' });
      }
      try {
        return send(res, 200, await actions.interruptSpot(parseJson(body)));
      } catch (error) {
        if (error instanceof AwsError && error.fault === 'client') return send(res, error.status, { __type: error.code, message: error.message });
        throw error;
      }
    }
    send(res, 404, {
      __type: 'UnknownOperationException',
      message: `No admin endpoint ${req.method} ${path}. Try GET /_wharf/health, GET /_wharf/load-balancers, POST /_wharf/reset or POST /_wharf/spot-interruption.`,
    });
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch (error) {
    throw invalidParameter(`The body is not valid JSON: ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
