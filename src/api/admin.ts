import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, invalidParameter } from '../domain/errors.js';
import { checkHostName, parseHostRegistration, type HostRegistration, type HostView } from '../domain/hosts/host-registration.js';
import type { RawRoute } from './gateway.js';

export type { HostView } from '../domain/hosts/host-registration.js';

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
  /** Remote Docker engines registered as container instances (`wharf hosts`); the routes are served only when given. */
  hosts?: {
    /** Registers the engine; throws AwsError (client fault) when it cannot (the name taken, ...). */
    add(registration: HostRegistration): Promise<HostView>;
    list(): Promise<readonly HostView[]>;
    /** Throws AwsError (client fault) when there is no such host or it still runs tasks. */
    remove(name: string): Promise<void>;
  };
}

export interface AdminRouteOptions {
  /** The account of a host registration that names none; required when `actions.hosts` is given. */
  readonly defaultAccount?: string;
}

type ReadBody = () => Promise<Buffer>;

function isLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

const HOST_PATH = /^\/_wharf\/hosts\/([^/]+)$/;

/**
 * `/_wharf/*`: the endpoints test suites and the `wharf` command use, as other
 * local AWS servers offer. Those that change state (reset, Spot interruption,
 * adding and removing hosts) answer only loopback callers or a request
 * carrying the admin key pair (checked by `isAdmin`); the others are read-only.
 */
export function adminRoute(actions: AdminActions, isAdmin: (req: IncomingMessage, body: Buffer) => Promise<boolean>, options: AdminRouteOptions = {}): RawRoute {
  const { hosts } = actions;
  const { defaultAccount } = options;
  if (hosts && defaultAccount === undefined) throw new Error('adminRoute: actions.hosts needs options.defaultAccount (the account of a registration that names none)');

  /** The body of a state-changing request, or undefined once it has been answered (413 unreadable, 403 not allowed). */
  const allowedBody = async (req: IncomingMessage, res: ServerResponse, readBody: ReadBody, what: string): Promise<Buffer | undefined> => {
    let body: Buffer;
    try {
      body = await readBody();
    } catch {
      send(res, 413, { __type: 'InvalidParameterException', message: 'The request body could not be read (at most 8 MiB).' });
      return undefined;
    }
    if (!isLoopback(req) && !(await isAdmin(req, body))) {
      send(res, 403, { __type: 'AccessDeniedException', message: `${what} is allowed only from loopback or with the admin key pair.` });
      return undefined;
    }
    return body;
  };

  return async (req, res, readBody) => {
    const path = (req.url ?? '').split('?')[0];
    const reading = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/_wharf/health' && reading) {
      return send(res, 200, { status: 'ok', ...(await actions.health()) });
    }
    // Read-only, like health: tests and users find a listener's bound port here.
    if (path === '/_wharf/load-balancers' && reading && actions.loadBalancers) {
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
      const body = await allowedBody(req, res, readBody, 'Spot interruption');
      if (body === undefined) return;
      return answerClientFaults(res, async () => send(res, 200, await actions.interruptSpot(parseJson(body))));
    }
    if (hosts && path === '/_wharf/hosts' && reading) {
      return answerClientFaults(res, async () => send(res, 200, { hosts: await hosts.list() }));
    }
    if (hosts && path === '/_wharf/hosts' && req.method === 'POST') {
      const body = await allowedBody(req, res, readBody, 'Adding a host');
      if (body === undefined) return;
      return answerClientFaults(res, async () => {
        const registration = parseHostRegistration(parseJson(body), { account: defaultAccount! });
        send(res, 200, { host: await hosts.add(registration) });
      });
    }
    const hostPath = HOST_PATH.exec(path ?? '');
    if (hosts && hostPath && req.method === 'DELETE') {
      const body = await allowedBody(req, res, readBody, 'Removing a host');
      if (body === undefined) return;
      return answerClientFaults(res, async () => {
        const name = decodedSegment(hostPath[1]!);
        checkHostName(name);
        await hosts.remove(name);
        send(res, 200, { removed: name });
      });
    }
    const offered = ['GET /_wharf/health', ...(actions.loadBalancers ? ['GET /_wharf/load-balancers'] : []), 'POST /_wharf/reset', 'POST /_wharf/spot-interruption'];
    if (hosts) offered.push('GET /_wharf/hosts', 'POST /_wharf/hosts', 'DELETE /_wharf/hosts/<name>');
    send(res, 404, {
      __type: 'UnknownOperationException',
      message: `No admin endpoint ${req.method} ${path}. Try ${offered.slice(0, -1).join(', ')} or ${offered[offered.length - 1]}.`,
    });
  };
}

/** An AwsError client fault is answered as `{__type, message}` with its status; anything else is the gateway's 500. */
async function answerClientFaults(res: ServerResponse, answer: () => Promise<void>): Promise<void> {
  try {
    await answer();
  } catch (error) {
    if (error instanceof AwsError && error.fault === 'client') return send(res, error.status, { __type: error.code, message: error.message });
    throw error;
  }
}

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidParameter(`The host name in the path is not valid percent-encoding: '${segment}'.`);
  }
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
