import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type Action,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DEFAULT_KEY } from '../cli/config.js';
import { startTestWharf, waitFor, type TestWharf } from './harness.js';

/**
 * The load balancer data plane end to end: a Wharf, two real HTTP backends
 * in this process registered as IP targets on loopback, load balancer,
 * target groups, listener and rules made through the ELBv2 API (the SDK),
 * requests through the listener's real port, health through
 * DescribeTargetHealth.
 */

const TIME_SCALE = '10'; // health checks every 0.5 s instead of 5 s
let DNS = '';

// ---- backends ---------------------------------------------------------------

interface Backend {
  readonly name: string;
  readonly server: Server;
  port: number;
  healthStatus: number;
  hits: number;
  /** Requests it is working on now. */
  active: number;
}

async function startBackend(name: string, port = 0): Promise<Backend> {
  const backend: Backend = { name, server: createServer(), port: 0, healthStatus: 200, hits: 0, active: 0 };
  backend.server.on('request', (req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      res.writeHead(backend.healthStatus).end('health');
      return;
    }
    backend.hits++;
    if (path === '/echo') {
      // Streams the body back as it arrives, with its running hash in a trailer-free way: the client hashes both.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-backend': name });
      req.pipe(res);
      return;
    }
    if (path === '/big') {
      const chunk = Buffer.alloc(64 * 1024, name);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-backend': name });
      let left = 256; // 16 MiB, written as the client reads
      const pump = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    const wait = path.endsWith('/slow') ? Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 1000) : 0;
    if (path === '/hang') return; // never answers
    backend.active++;
    setTimeout(() => {
      backend.active--;
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
      res.end(JSON.stringify({ backend: name, url: req.url, headers: req.headers }));
    }, wait);
  });
  backend.server.on('upgrade', (req: IncomingMessage, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Backend: ${name}\r\n\r\n`);
    socket.pipe(socket); // echo whatever comes next
  });
  await new Promise<void>((resolve) => backend.server.listen(port, '127.0.0.1', resolve));
  backend.port = (backend.server.address() as { port: number }).port;
  return backend;
}

function stopBackend(backend: Backend): Promise<void> {
  return new Promise((resolve) => {
    backend.server.close(() => resolve());
    backend.server.closeAllConnections();
  });
}

// ---- client -------------------------------------------------------------------

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  json(): any;
}

function call(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: `${DNS}:${port}`, ...options.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

// ---- the API -------------------------------------------------------------------

function elbClient(wharf: TestWharf): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 });
}

const pathIs = (...values: string[]): RuleCondition[] => [{ Field: 'path-pattern', PathPatternConfig: { Values: values } }];

interface Served {
  listenerArn: string;
  dnsName: string;
  port: number;
  boundPort: number;
  url: string;
}

async function servedListeners(wharf: TestWharf): Promise<Served[]> {
  return ((await (await fetch(`${wharf.endpoint}/_wharf/load-balancers`)).json()) as { listeners: Served[] }).listeners;
}

describe('the load balancer data plane', () => {
  let wharf: TestWharf;
  let elb: ElasticLoadBalancingV2Client;
  let a: Backend;
  let b: Backend;
  let port: number;
  let lbArn: string;
  let vpcId: string;
  let listenerArn: string;
  let mainGroup: string;
  let priority = 100;

  async function targetGroup(name: string, targets: Backend[]): Promise<string> {
    const group = (await elb.send(new CreateTargetGroupCommand({
      Name: name, Protocol: 'HTTP', Port: 80, TargetType: 'ip', VpcId: vpcId,
      HealthCheckPath: '/health', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!.TargetGroupArn!;
    if (targets.length > 0) await elb.send(new RegisterTargetsCommand({ TargetGroupArn: group, Targets: targets.map((backend) => ({ Id: '127.0.0.1', Port: backend.port })) }));
    return group;
  }

  async function rule(conditions: RuleCondition[], actions: Action[]): Promise<void> {
    await elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: priority++, Conditions: conditions, Actions: actions }));
  }

  async function health(group: string): Promise<Record<string, { State?: string; Reason?: string; Description?: string }>> {
    const { TargetHealthDescriptions } = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }));
    return Object.fromEntries((TargetHealthDescriptions ?? []).map((item) => [`${item.Target!.Id}:${item.Target!.Port}`, item.TargetHealth ?? {}]));
  }

  before(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    elb = elbClient(wharf);
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: ['subnet-a', 'subnet-b'] }))).LoadBalancers![0]!;
    lbArn = lb.LoadBalancerArn!;
    vpcId = lb.VpcId!;
    DNS = lb.DNSName!;
    mainGroup = await targetGroup('main', [a, b]);
    // The listener's own port (80) may be taken by another Wharf on this machine: it then gets one of its own.
    listenerArn = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: mainGroup }] }))).Listeners![0]!.ListenerArn!;
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '3' }] }));
    const onlyB = await targetGroup('only-b', [b]);
    await rule(pathIs('/b/fixed'), [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'short and stout' } }]);
    await rule(pathIs('/b/*'), [{ Type: 'forward', TargetGroupArn: onlyB }]);
    await rule(pathIs('/old/*'), [{ Type: 'redirect', RedirectConfig: { Path: '/new/#{path}', StatusCode: 'HTTP_301' } }]);
    await rule(pathIs('/empty/*'), [{ Type: 'forward', TargetGroupArn: await targetGroup('empty', []) }]);
    port = (await waitFor(() => servedListeners(wharf), (list) => list.some((item) => item.listenerArn === listenerArn), 10_000, 'the listener to be served')).find((item) => item.listenerArn === listenerArn)!.boundPort;
  });

  after(async () => {
    elb?.destroy();
    await wharf?.stop();
    await Promise.all([a && stopBackend(a), b && stopBackend(b)]);
  });

  test('the listener is served on loopback, listed with its URL, and the load balancer turns active', async () => {
    const served = (await servedListeners(wharf)).find((item) => item.listenerArn === listenerArn)!;
    assert.equal(served.dnsName, DNS);
    assert.equal(served.port, 80);
    assert.equal(served.url, `http://${DNS}:${port}/`);
    await waitFor(async () => (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers![0]!.State?.Code, (code) => code === 'active', 10_000, 'the LB to be active');
  });

  test('requests reach both targets, with X-Forwarded-* added and Host kept', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const answer = await call(port, '/hello?x=1', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      assert.equal(answer.status, 200);
      const body = answer.json();
      seen.add(body.backend);
      assert.equal(body.url, '/hello?x=1');
      assert.equal(body.headers.host, `${DNS}:${port}`);
      assert.equal(body.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
      assert.equal(body.headers['x-forwarded-proto'], 'http');
      assert.equal(body.headers['x-forwarded-port'], String(port));
    }
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });

  test('rules by priority: a fixed response, a path rule, a redirect', async () => {
    const fixed = await call(port, '/b/fixed');
    assert.equal(fixed.status, 418);
    assert.equal(fixed.body.toString(), 'short and stout');
    assert.equal(fixed.headers['content-type'], 'text/plain');
    for (let i = 0; i < 4; i++) assert.equal((await call(port, '/b/anything')).json().backend, 'b');
    const moved = await call(port, '/old/page?q=1');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, `http://${DNS}:${port}/new/old/page?q=1`);
    assert.equal(moved.headers.server, 'awselb/2.0');
  });

  test('no registered target: 503 with ALB\'s page', async () => {
    const answer = await call(port, '/empty/x');
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['content-type'], 'text/html');
    assert.equal(answer.headers.server, 'awselb/2.0');
    assert.equal(answer.body.toString(), '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n');
  });

  test('a large body streams through both ways', async () => {
    const upload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < upload.length; i += 4096) upload[i] = i % 251;
    const echoed = await call(port, '/echo', { method: 'POST', body: upload, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(echoed.status, 200);
    assert.equal(createHash('sha256').update(echoed.body).digest('hex'), createHash('sha256').update(upload).digest('hex'));
    const big = await call(port, '/big');
    assert.equal(big.body.length, 16 * 1024 * 1024);
  });

  test('a target that does not answer within the idle timeout: 504', async () => {
    const answer = await call(port, '/hang');
    assert.equal(answer.status, 504);
    assert.match(answer.body.toString(), /504 Gateway Time-out/);
  });

  test('a WebSocket upgrade is tunnelled to a target', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /chat HTTP/1.1\r\nHost: ${DNS}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\r\n\r\n') && !text.includes('ping')) socket.write('ping');
    });
    await waitFor(async () => text, (value) => value.includes('ping'), 5000, 'the echo through the tunnel');
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 101 Switching Protocols/);
  });

  test('a target failing its health checks turns unhealthy in DescribeTargetHealth and gets no traffic', async () => {
    const keyA = `127.0.0.1:${a.port}`;
    await waitFor(() => health(mainGroup), (targets) => Object.values(targets).length === 2 && Object.values(targets).every((value) => value.State === 'healthy'), 15_000, 'both targets healthy');
    a.healthStatus = 500;
    const targets = await waitFor(() => health(mainGroup), (value) => value[keyA]?.State === 'unhealthy', 15_000, 'a unhealthy');
    assert.equal(targets[keyA]?.Reason, 'Target.ResponseCodeMismatch');
    assert.equal(targets[keyA]?.Description, 'Health checks failed with these codes: [500]');
    // The routing table follows the health record.
    // While the routing table changes an answer may be the load balancer's own error page: the wait goes on through it.
    await waitFor(async () => {
      const answer = await call(port, '/x');
      return answer.status === 200 ? answer.json().backend : `HTTP ${answer.status}`;
    }, (backend) => backend === 'b', 10_000, 'routing to follow the health record');
    const before = a.hits;
    for (let i = 0; i < 6; i++) assert.equal((await call(port, '/x')).json().backend, 'b');
    assert.equal(a.hits, before);
    a.healthStatus = 200;
    await waitFor(() => health(mainGroup), (value) => value[keyA]?.State === 'healthy', 15_000, 'a healthy again');
  });

  test('a stopped target: 502 (all unhealthy, the load balancer fails open to it)', async () => {
    const gone = await startBackend('gone');
    await stopBackend(gone);
    await rule(pathIs('/gone/*'), [{ Type: 'forward', TargetGroupArn: await targetGroup('gone', [gone]) }]);
    const answer = await waitFor(() => call(port, '/gone/x'), (value) => value.status !== 200, 10_000, 'the rule to apply');
    assert.equal(answer.status, 502);
    assert.match(answer.body.toString(), /<title>502 Bad Gateway<\/title>/);
  });

  test('a deregistered target finishes its in-flight request and gets no new ones', async () => {
    const group = await targetGroup('drain', [a]);
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: group, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }] }));
    await rule(pathIs('/drain/*'), [{ Type: 'forward', TargetGroupArn: group }]);
    await waitFor(() => call(port, '/drain/x'), (answer) => answer.status === 200 && answer.json().backend === 'a', 10_000, 'the drain rule to apply');
    const slow = call(port, '/drain/slow?ms=1500');
    await waitFor(async () => a.active, (active) => active > 0, 5000, 'a to work on the slow request');
    // As a rolling deployment does: register b, deregister a (it drains for 5 s).
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: group, Targets: [{ Id: '127.0.0.1', Port: b.port }] }));
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: group, Targets: [{ Id: '127.0.0.1', Port: a.port }] }));
    const draining = await health(group);
    assert.equal(draining[`127.0.0.1:${a.port}`]?.State, 'draining');
    await waitFor(() => call(port, '/drain/x'), (answer) => answer.json().backend === 'b', 10_000, 'new requests to go to b');
    const hits = a.hits;
    for (let i = 0; i < 6; i++) assert.equal((await call(port, '/drain/x')).json().backend, 'b');
    assert.equal(a.hits, hits, 'no new requests reach the draining target');
    const answer = await slow;
    assert.equal(answer.status, 200, 'the in-flight request finished');
    assert.equal(answer.json().backend, 'a');
  });

  test('after a restart the listener is served on the same port', async () => {
    await wharf.restart();
    elb.destroy();
    elb = elbClient(wharf);
    const served = await waitFor(() => servedListeners(wharf), (list) => list.some((item) => item.listenerArn === listenerArn), 10_000, 'the listener to be served again');
    assert.equal(served.find((item) => item.listenerArn === listenerArn)!.boundPort, port);
    assert.equal((await call(port, '/b/x')).json().backend, 'b');
  });
});
