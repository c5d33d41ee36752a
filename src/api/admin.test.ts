import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AwsError } from '../domain/errors.js';
import type { HostRegistration, HostView } from '../domain/hosts/host-registration.js';
import { adminRoute, type AdminActions } from './admin.js';

/**
 * The admin route over a real HTTP server on 127.0.0.1. A request may ask to
 * be seen as coming from elsewhere (`x-test-remote`) and to carry the admin key
 * pair (`x-test-admin`), so the loopback-or-admin rule is tested both ways.
 */

function view(registration: HostRegistration, index: number): HostView {
  return {
    name: registration.name,
    url: registration.url,
    cluster: registration.cluster,
    region: registration.region,
    account: registration.account,
    containerInstanceArn: `arn:aws:ecs:${registration.region}:${registration.account}:container-instance/${registration.cluster}/${String(index).padStart(32, '0')}`,
    ec2InstanceId: `i-${String(index).padStart(17, '0')}`,
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: 0,
    ...(registration.taskSubnet ? { taskSubnet: registration.taskSubnet } : {}),
  };
}

/** A fake of the hosts actions that keeps what it was given, with the client faults the real one throws. */
class FakeHosts {
  readonly added: HostRegistration[] = [];
  readonly removed: string[] = [];
  readonly busy = new Set<string>();
  failWith?: Error;

  async add(registration: HostRegistration): Promise<HostView> {
    if (this.failWith) throw this.failWith;
    // As the real one: a cluster that does not exist is refused, and a second add of a name updates that host in place.
    if (registration.cluster === 'missing') throw new AwsError('ClusterNotFoundException', `Cluster ${registration.cluster} not found.`);
    const existing = this.added.findIndex((host) => host.name === registration.name);
    if (existing >= 0) this.added[existing] = registration;
    else this.added.push(registration);
    return view(registration, (existing >= 0 ? existing : this.added.length - 1) + 1);
  }

  async list(): Promise<readonly HostView[]> {
    if (this.failWith) throw this.failWith;
    return this.added.map(view);
  }

  async remove(name: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.busy.has(name)) throw new AwsError('ClientException', `The host ${name} still runs tasks.`);
    const index = this.added.findIndex((host) => host.name === name);
    if (index < 0) throw new AwsError('ClientException', `There is no host named ${name}.`, { status: 404 });
    this.added.splice(index, 1);
    this.removed.push(name);
  }
}

const baseActions = (): AdminActions => ({
  reset: async () => {},
  health: async () => ({ version: 'test' }),
  interruptSpot: async () => ({ interrupted: [], warningSeconds: 120 }),
});

async function serve(actions: AdminActions, options?: { defaultAccount?: string }): Promise<{ server: Server; url: string }> {
  const route = adminRoute(actions, async (req) => req.headers['x-test-admin'] === 'yes', options);
  const server = createServer((req, res) => {
    const readBody = () =>
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      });
    const remote = req.headers['x-test-remote'];
    // Seen from another address: the route reads only the socket's address of it.
    const seen: IncomingMessage = typeof remote === 'string' ? Object.create(req, { socket: { value: { remoteAddress: remote } } }) : req;
    route(seen, res, readBody).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'InternalFailure', message: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function call(base: string, method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...options.headers }, ...(options.body !== undefined ? { body: options.body } : {}) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('admin route: /_wharf/hosts', () => {
  const hosts = new FakeHosts();
  let served: { server: Server; url: string };

  before(async () => {
    served = await serve({ ...baseActions(), hosts }, { defaultAccount: '123456789012' });
  });
  after(() => new Promise<void>((resolve) => served.server.close(() => resolve())));
  beforeEach(() => {
    hosts.added.length = 0;
    hosts.removed.length = 0;
    hosts.busy.clear();
    delete hosts.failWith;
  });

  test('POST registers the parsed registration, with the default account, and answers the view', async () => {
    const answer = await call(served.url, 'POST', '/_wharf/hosts', {
      body: JSON.stringify({ name: 'engine-1', url: 'tcp://10.0.0.5:2376', attributes: [{ name: 'gpu', value: 'yes' }], taskSubnet: '10.220.1.0/24' }),
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(hosts.added, [
      { name: 'engine-1', url: 'tcp://10.0.0.5:2376', cluster: 'default', region: 'us-east-1', account: '123456789012', attributes: [{ name: 'gpu', value: 'yes' }], taskSubnet: '10.220.1.0/24' },
    ]);
    assert.deepEqual(answer.body, { host: view(hosts.added[0]!, 1) });
  });

  test('GET lists the hosts', async () => {
    await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'a', url: 'tcp://a:2375' }) });
    await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'b', url: 'tcp://b:2375', cluster: 'batch', account: '111122223333' }) });
    const answer = await call(served.url, 'GET', '/_wharf/hosts');
    assert.equal(answer.status, 200);
    const listed = answer.body.hosts as HostView[];
    assert.deepEqual(
      listed.map((host) => [host.name, host.cluster, host.account]),
      [
        ['a', 'default', '123456789012'],
        ['b', 'batch', '111122223333'],
      ],
    );
    const head = await fetch(`${served.url}/_wharf/hosts`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  test('GET is read-only: answered to a caller from elsewhere without the admin key pair', async () => {
    const answer = await call(served.url, 'GET', '/_wharf/hosts', { headers: { 'x-test-remote': '10.9.8.7' } });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { hosts: [] });
  });

  test('DELETE removes the host and names it', async () => {
    await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'engine.2', url: 'tcp://[fd00::2]:2375' }) });
    const answer = await call(served.url, 'DELETE', '/_wharf/hosts/engine.2');
    assert.deepEqual(answer, { status: 200, body: { removed: 'engine.2' } });
    assert.deepEqual(hosts.removed, ['engine.2']);
  });

  test('the name in the path is percent-decoded', async () => {
    await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'h_1', url: 'tcp://h:2375' }) });
    const answer = await call(served.url, 'DELETE', '/_wharf/hosts/h%5F1');
    assert.deepEqual(answer, { status: 200, body: { removed: 'h_1' } });
  });

  test('DELETE of a name no host can have, or of bad percent-encoding, is a 400 before the action runs', async () => {
    for (const path of ['/_wharf/hosts/-x', '/_wharf/hosts/a%20b', '/_wharf/hosts/%E0%A4%A']) {
      const answer = await call(served.url, 'DELETE', path);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.body.__type, 'InvalidParameterException', path);
    }
    assert.deepEqual(hosts.removed, []);
  });

  test("the action's client faults are answered with their code, message and status", async () => {
    const missing = await call(served.url, 'DELETE', '/_wharf/hosts/nothing-here');
    assert.deepEqual(missing, { status: 404, body: { __type: 'ClientException', message: 'There is no host named nothing-here.' } });
    await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'busy', url: 'tcp://busy:2375' }) });
    hosts.busy.add('busy');
    const busy = await call(served.url, 'DELETE', '/_wharf/hosts/busy');
    assert.deepEqual(busy, { status: 400, body: { __type: 'ClientException', message: 'The host busy still runs tasks.' } });
    const noCluster = await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'other', url: 'tcp://other:2375', cluster: 'missing' }) });
    assert.deepEqual(noCluster, { status: 400, body: { __type: 'ClusterNotFoundException', message: 'Cluster missing not found.' } });
  });

  test('a server fault is not turned into a client answer: it reaches the gateway (here a 500)', async () => {
    hosts.failWith = new AwsError('ServerException', 'the store is gone', { fault: 'server' });
    const answer = await call(served.url, 'GET', '/_wharf/hosts');
    assert.equal(answer.status, 500);
    assert.equal(answer.body.__type, 'InternalFailure');
  });

  test('a bad registration is a 400 InvalidParameterException naming the member', async () => {
    const answer = await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'x', url: 'http://x:2375' }) });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.__type, 'InvalidParameterException');
    assert.match(String(answer.body.message), /^url must be tcp:\/\/ADDR:PORT/);
    const empty = await call(served.url, 'POST', '/_wharf/hosts', { body: '' });
    assert.equal(empty.status, 400);
    assert.match(String(empty.body.message), /^name is required/);
    assert.deepEqual(hosts.added, []);
  });

  test('a body that is not JSON is a 400, as for the Spot interruption', async () => {
    const answer = await call(served.url, 'POST', '/_wharf/hosts', { body: '{"name": ' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.__type, 'InvalidParameterException');
    assert.match(String(answer.body.message), /^The body is not valid JSON/);
  });

  test('POST and DELETE from elsewhere need the admin key pair', async () => {
    const remote = { 'x-test-remote': '10.9.8.7' };
    const add = await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'r', url: 'tcp://r:2375' }), headers: remote });
    assert.deepEqual(add, { status: 403, body: { __type: 'AccessDeniedException', message: 'Adding a host is allowed only from loopback or with the admin key pair.' } });
    const remove = await call(served.url, 'DELETE', '/_wharf/hosts/r', { headers: remote });
    assert.deepEqual(remove, { status: 403, body: { __type: 'AccessDeniedException', message: 'Removing a host is allowed only from loopback or with the admin key pair.' } });
    assert.deepEqual(hosts.added, []);

    const admin = { ...remote, 'x-test-admin': 'yes' };
    assert.equal((await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'r', url: 'tcp://r:2375' }), headers: admin })).status, 200);
    assert.equal((await call(served.url, 'DELETE', '/_wharf/hosts/r', { headers: admin })).status, 200);
    assert.deepEqual(hosts.removed, ['r']);
  });

  test('an IPv4-mapped loopback caller is loopback', async () => {
    const answer = await call(served.url, 'POST', '/_wharf/hosts', { body: JSON.stringify({ name: 'm', url: 'tcp://m:2375' }), headers: { 'x-test-remote': '::ffff:127.0.0.1' } });
    assert.equal(answer.status, 200);
  });

  test('other methods and paths are not served, and the 404 names the host endpoints', async () => {
    for (const [method, path] of [
      ['PUT', '/_wharf/hosts'],
      ['GET', '/_wharf/hosts/a'],
      ['DELETE', '/_wharf/hosts'],
      ['DELETE', '/_wharf/hosts/a/b'],
      ['POST', '/_wharf/hosts/a'],
    ] as const) {
      const answer = await call(served.url, method, path);
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.equal(answer.body.__type, 'UnknownOperationException');
      assert.match(String(answer.body.message), /GET \/_wharf\/hosts, POST \/_wharf\/hosts or DELETE \/_wharf\/hosts\/<name>\.$/);
    }
  });
});

describe('admin route without hosts actions', () => {
  let served: { server: Server; url: string };
  before(async () => {
    served = await serve(baseActions());
  });
  after(() => new Promise<void>((resolve) => served.server.close(() => resolve())));

  test('the host routes are not served', async () => {
    for (const [method, path] of [
      ['GET', '/_wharf/hosts'],
      ['POST', '/_wharf/hosts'],
      ['DELETE', '/_wharf/hosts/a'],
    ] as const) {
      const answer = await call(served.url, method, path, method === 'POST' ? { body: '{}' } : {});
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.doesNotMatch(String(answer.body.message), /Try .*_wharf\/hosts/);
    }
  });

  test('the other endpoints are unchanged', async () => {
    assert.deepEqual(await call(served.url, 'GET', '/_wharf/health'), { status: 200, body: { status: 'ok', version: 'test' } });
    assert.deepEqual(await call(served.url, 'POST', '/_wharf/spot-interruption', { body: '{}' }), { status: 200, body: { interrupted: [], warningSeconds: 120 } });
    const denied = await call(served.url, 'POST', '/_wharf/spot-interruption', { body: '{}', headers: { 'x-test-remote': '192.0.2.1' } });
    assert.deepEqual(denied, { status: 403, body: { __type: 'AccessDeniedException', message: 'Spot interruption is allowed only from loopback or with the admin key pair.' } });
    const bad = await call(served.url, 'POST', '/_wharf/spot-interruption', { body: 'nope' });
    assert.equal(bad.status, 400);
  });

  test('hosts without a default account is a wiring mistake, refused when the route is built', () => {
    assert.throws(() => adminRoute({ ...baseActions(), hosts: new FakeHosts() }, async () => false), /options\.defaultAccount/);
  });
});
