import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import type { HostView } from '../domain/hosts/host-registration.js';
import { hosts, hostsTable, HostsUsageError, parseHostsArgs } from './hosts.js';

const CWD = '/srv/wharf';
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseHostsArgs(argv, env, CWD);

function usageError(argv: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(
    () => parse(argv, env),
    (error: unknown) => {
      assert.ok(error instanceof HostsUsageError, `not a usage error: ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('parseHostsArgs', () => {
  test('add with only a name and a URL sends only those: the server fills the defaults', () => {
    assert.deepEqual(parse(['add', 'engine-1', 'tcp://10.0.0.5:2376']), {
      command: 'add',
      endpoint: 'http://127.0.0.1:4566',
      body: { name: 'engine-1', url: 'tcp://10.0.0.5:2376' },
    });
  });

  test('add with every flag', () => {
    const command = parse([
      'add',
      'gpu-1',
      'tcp://[fd00::5]:2376',
      '--cluster',
      'batch',
      '--region',
      'eu-west-1',
      '--account',
      '210987654321',
      '--attribute',
      'ecs.availability-zone=eu-west-1b',
      '--attribute',
      'gpu',
      '--attribute=team=data:science',
      '--task-subnet',
      '10.220.1.0/24',
      '--tls-ca',
      'certs/ca.pem',
      '--tls-cert',
      '/etc/wharf/cert.pem',
      '--tls-key',
      '../key.pem',
      '--endpoint',
      'http://wharf.internal:4566/',
    ]);
    assert.deepEqual(command, {
      command: 'add',
      endpoint: 'http://wharf.internal:4566',
      body: {
        name: 'gpu-1',
        url: 'tcp://[fd00::5]:2376',
        cluster: 'batch',
        region: 'eu-west-1',
        account: '210987654321',
        attributes: [{ name: 'ecs.availability-zone', value: 'eu-west-1b' }, { name: 'gpu' }, { name: 'team', value: 'data:science' }],
        tls: { caFile: '/srv/wharf/certs/ca.pem', certFile: '/etc/wharf/cert.pem', keyFile: '/srv/key.pem' },
        taskSubnet: '10.220.1.0/24',
      },
    });
  });

  test('flags may come before the operands', () => {
    const command = parse(['add', '--cluster', 'c1', 'h', 'tcp://h:2375']);
    assert.deepEqual(command, { command: 'add', endpoint: 'http://127.0.0.1:4566', body: { name: 'h', url: 'tcp://h:2375', cluster: 'c1' } });
  });

  test('the endpoint: --endpoint, else AWS_ENDPOINT_URL, else 127.0.0.1:4566', () => {
    assert.deepEqual(parse(['list']), { command: 'list', endpoint: 'http://127.0.0.1:4566' });
    assert.deepEqual(parse(['list'], { AWS_ENDPOINT_URL: 'https://wharf.example:8443' }), { command: 'list', endpoint: 'https://wharf.example:8443' });
    assert.deepEqual(parse(['list', '--endpoint', 'http://10.1.1.1:4566'], { AWS_ENDPOINT_URL: 'https://wharf.example:8443' }), { command: 'list', endpoint: 'http://10.1.1.1:4566' });
    assert.deepEqual(parse(['list'], { AWS_ENDPOINT_URL: '' }), { command: 'list', endpoint: 'http://127.0.0.1:4566' });
    usageError(['list', '--endpoint', 'wharf:4566'], /^--endpoint must be Wharf's URL/);
    usageError(['list', '--endpoint', 'not a url'], /^--endpoint must be Wharf's URL, such as http:\/\/127\.0\.0\.1:4566, got 'not a url'/);
    usageError(['list'], /^--endpoint must be Wharf's URL/, { AWS_ENDPOINT_URL: 'ftp://x' });
  });

  test('the region: --region, else AWS_REGION, else AWS_DEFAULT_REGION, else left to the server', () => {
    const region = (argv: string[], env: NodeJS.ProcessEnv) => {
      const command = parse(['add', 'h', 'tcp://h:2375', ...argv], env);
      return command.command === 'add' ? command.body.region : 'not add';
    };
    assert.equal(region([], {}), undefined);
    assert.equal(region([], { AWS_DEFAULT_REGION: 'eu-west-2' }), 'eu-west-2');
    assert.equal(region([], { AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'eu-west-2' }), 'eu-west-3');
    assert.equal(region(['--region', 'us-west-2'], { AWS_REGION: 'eu-west-3' }), 'us-west-2');
    usageError(['add', 'h', 'tcp://h:2375'], /^the region \(from AWS_REGION or AWS_DEFAULT_REGION; --region overrides it\) must be an AWS region name/, { AWS_REGION: 'moon-1' });
    usageError(['add', 'h', 'tcp://h:2375', '--region', 'moon-1'], /^--region must be an AWS region name/);
  });

  test('list and remove', () => {
    assert.deepEqual(parse(['remove', 'engine-1']), { command: 'remove', endpoint: 'http://127.0.0.1:4566', name: 'engine-1' });
    assert.deepEqual(parse(['remove', 'engine-1', '--endpoint', 'http://w:1']), { command: 'remove', endpoint: 'http://w:1', name: 'engine-1' });
  });

  test('help', () => {
    assert.deepEqual(parse(['--help']), { command: 'help' });
    assert.deepEqual(parse(['add', '-h']), { command: 'help' });
    assert.deepEqual(parse(['help']), { command: 'help' });
  });

  describe('usage errors', () => {
    test('no command, or an unknown one', () => {
      usageError([], /^name a command: add, list or remove/);
      usageError(['rm', 'x'], /^unknown command 'hosts rm': use add, list or remove/);
    });
    test('an unknown flag, or a flag without its value', () => {
      usageError(['list', '--verbose'], /Unknown option '--verbose'/);
      usageError(['add', 'h', 'tcp://h:2375', '--cluster'], /--cluster/);
    });
    test('operands', () => {
      usageError(['add'], /^'hosts add' takes a name and the engine's URL, as in 'wharf hosts add engine-1 tcp:\/\/10\.0\.0\.5:2376'\.$/);
      usageError(['add', 'h'], /takes a name and the engine's URL.*; got 'h'/);
      usageError(['add', 'h', 'tcp://h:2375', 'extra'], /got 'h tcp:\/\/h:2375 extra'/);
      usageError(['list', 'x'], /^'hosts list' takes no arguments, got 'x'/);
      usageError(['remove'], /^'hosts remove' takes one host name\.$/);
      usageError(['remove', 'a', 'b'], /^'hosts remove' takes one host name, got 2: 'a b'/);
      usageError(['remove', 'no/such'], /^NAME must be 1 to 64 letters/);
    });
    test("add's flags on list and remove", () => {
      usageError(['list', '--cluster', 'c'], /^--cluster goes with 'hosts add', not 'hosts list'/);
      usageError(['remove', 'h', '--cluster', 'c', '--tls-ca', 'x'], /^--cluster, --tls-ca go with 'hosts add', not 'hosts remove'/);
    });
    test('partial TLS names the missing flags', () => {
      usageError(['add', 'h', 'tcp://h:2376', '--tls-ca', 'ca.pem'], /^TLS needs all of --tls-ca, --tls-cert and --tls-key, or none: --tls-cert and --tls-key missing/);
      usageError(['add', 'h', 'tcp://h:2376', '--tls-cert', 'c', '--tls-key', 'k'], /: --tls-ca missing/);
    });
    test('the registration is checked here, in the command line\'s terms', () => {
      usageError(['add', '--', '-bad', 'tcp://h:2375'], /^NAME must be 1 to 64 letters/);
      usageError(['add', '_bad', 'tcp://h:2375'], /^NAME must be 1 to 64 letters/);
      usageError(['add', 'h', 'h:2375'], /^the engine's URL must be tcp:\/\/ADDR:PORT/);
      usageError(['add', 'h', 'tcp://h:70000'], /^the engine's URL must be tcp:\/\/ADDR:PORT.*out of range/);
      usageError(['add', 'h', 'tcp://h:2375', '--cluster', 'a.b'], /^--cluster must be a cluster name/);
      usageError(['add', 'h', 'tcp://h:2375', '--account', '42'], /^--account must be 12 digits/);
      usageError(['add', 'h', 'tcp://h:2375', '--task-subnet', '10.0.0.1/24'], /^--task-subnet must be an IPv4 CIDR block.*host bits set/);
      usageError(['add', 'h', 'tcp://h:2375', '--attribute', 'ok', '--attribute', 'bad name=1'], /^--attribute 'bad name=1' is invalid/);
      usageError(['add', 'h', 'tcp://h:2375', '--attribute', 'k='], /^--attribute 'k=' is invalid/);
      usageError(['add', 'h', 'tcp://h:2375', '--attribute', 'ecs.os-type=linux'], /^--attribute 'ecs\.os-type=linux' "ecs\.os-type" is reserved/);
      usageError(['add', 'h', 'tcp://h:2375', '--attribute', 'a=1', '--attribute', 'a=2'], /^--attribute 'a=2' "a" is given twice/);
      const eleven = Array.from({ length: 11 }, (_, index) => ['--attribute', `a${index}`]).flat();
      usageError(['add', 'h', 'tcp://h:2375', ...eleven], /^at most 10 --attribute flags are allowed, got 11/);
    });
  });
});

const VIEW: HostView = {
  name: 'engine-1',
  url: 'tcp://10.0.0.5:2376',
  cluster: 'default',
  region: 'us-east-1',
  account: '123456789012',
  containerInstanceArn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/default/0123456789abcdef0123456789abcdef',
  ec2InstanceId: 'i-0123456789abcdef0',
  status: 'ACTIVE',
  agentConnected: true,
  runningTasksCount: 3,
};

test('hostsTable pads every column but the last', () => {
  const table = hostsTable([VIEW, { ...VIEW, name: 'b', url: 'tcp://[fd00::2]:2375', cluster: 'batch-jobs', agentConnected: false, runningTasksCount: 0, status: 'DRAINING' }]);
  assert.equal(
    table,
    [
      'NAME      URL                   CLUSTER     STATUS    CONNECTED  TASKS  CONTAINER-INSTANCE',
      `engine-1  tcp://10.0.0.5:2376   default     ACTIVE    yes        3      ${VIEW.containerInstanceArn}`,
      `b         tcp://[fd00::2]:2375  batch-jobs  DRAINING  no         0      ${VIEW.containerInstanceArn}`,
    ].join('\n'),
  );
});

/** `wharf hosts` against a stand-in for Wharf's admin endpoint: what is sent, what is printed, the exit code. */
describe('hosts (the command)', () => {
  const seen: { method: string; url: string; body: string; signed: boolean }[] = [];
  let answer: (req: IncomingMessage) => { status: number; body: unknown } = () => ({ status: 500, body: {} });
  let server: Server;
  let endpoint: string;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ') });
        const { status, body } = answer(req);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = mock.method(console, 'log', (...args: unknown[]) => out.push(args.join(' ')));
    const error = mock.method(console, 'error', (...args: unknown[]) => err.push(args.join(' ')));
    try {
      const code = await hosts(argv, { AWS_ENDPOINT_URL: endpoint, ...env });
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      log.mock.restore();
      error.mock.restore();
    }
  }

  test('add POSTs the body, signed, and says where the host went', async () => {
    seen.length = 0;
    answer = () => ({ status: 200, body: { host: { ...VIEW, taskSubnet: '10.220.1.0/24' } } });
    const result = await run(['add', 'engine-1', 'tcp://10.0.0.5:2376', '--task-subnet', '10.220.1.0/24']);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(
      seen.map(({ method, url, body, signed }) => [method, url, JSON.parse(body), signed]),
      [['POST', '/_wharf/hosts', { name: 'engine-1', url: 'tcp://10.0.0.5:2376', taskSubnet: '10.220.1.0/24' }, true]],
    );
    assert.match(result.out, /^Registered host engine-1 \(tcp:\/\/10\.0\.0\.5:2376\) as container instance arn:aws:ecs:.*\(i-0123456789abcdef0\)/);
    assert.match(result.out, /its tasks get addresses in 10\.220\.1\.0\/24/);
    assert.match(result.out, /aws ecs list-container-instances --cluster default/);
  });

  test('add of a host Wharf has not reached yet says what to check', async () => {
    answer = () => ({ status: 200, body: { host: { ...VIEW, agentConnected: false } } });
    const result = await run(['add', 'engine-1', 'tcp://10.0.0.5:2376']);
    assert.equal(result.code, 0);
    assert.match(result.out, /has not reached its engine yet .*check that dockerd listens at tcp:\/\/10\.0\.0\.5:2376/);
  });

  test('list GETs and prints the table, or says how to add one', async () => {
    seen.length = 0;
    answer = () => ({ status: 200, body: { hosts: [VIEW] } });
    const listed = await run(['list']);
    assert.equal(listed.code, 0);
    assert.equal(listed.out, hostsTable([VIEW]));
    assert.deepEqual(seen.map(({ method, url }) => [method, url]), [['GET', '/_wharf/hosts']]);
    answer = () => ({ status: 200, body: { hosts: [] } });
    const empty = await run(['list']);
    assert.equal(empty.code, 0);
    assert.match(empty.out, /^No hosts are registered\. Add one with `wharf hosts add NAME tcp:\/\/ADDR:PORT`\.$/);
  });

  test('remove DELETEs the named host', async () => {
    seen.length = 0;
    answer = () => ({ status: 200, body: { removed: 'engine-1' } });
    const result = await run(['remove', 'engine-1']);
    assert.equal(result.code, 0);
    assert.deepEqual(seen.map(({ method, url, signed }) => [method, url, signed]), [['DELETE', '/_wharf/hosts/engine-1', true]]);
    assert.match(result.out, /^Removed host engine-1/);
  });

  test("the server's refusal is exit 1 with its type, message and what to do next", async () => {
    answer = () => ({ status: 400, body: { __type: 'ClientException', message: 'The host engine-1 still runs 2 tasks.' } });
    const busy = await run(['remove', 'engine-1']);
    assert.equal(busy.code, 1);
    assert.match(busy.err, /^wharf: ClientException: The host engine-1 still runs 2 tasks\. `wharf hosts list` shows/);
    answer = () => ({ status: 403, body: { __type: 'AccessDeniedException', message: 'Adding a host is allowed only from loopback or with the admin key pair.' } });
    const denied = await run(['add', 'h', 'tcp://h:2375']);
    assert.equal(denied.code, 1);
    assert.match(denied.err, /^wharf: Adding a host is allowed only .* Run it on the Wharf host, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of an admin key pair\.$/);
  });

  test('a Wharf without the host endpoints, or something else at the endpoint, is said so', async () => {
    answer = () => ({ status: 404, body: { __type: 'UnknownOperationException', message: 'No admin endpoint GET /_wharf/hosts.' } });
    const old = await run(['list']);
    assert.equal(old.code, 1);
    assert.match(old.err, /^wharf: http:\/\/127\.0\.0\.1:\d+ has no \/_wharf\/hosts endpoint\. Is --endpoint a Wharf of this version/);
    answer = () => ({ status: 502, body: '<html>bad gateway</html>' });
    const other = await run(['list']);
    assert.equal(other.code, 1);
    assert.match(other.err, /^wharf: http:\/\/127\.0\.0\.1:\d+ answered HTTP 502: <html>bad gateway<\/html>$/);
  });

  test('nothing listening at the endpoint: exit 1, and how to start Wharf', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await run(['list', '--endpoint', `http://127.0.0.1:${port}`]);
    assert.equal(result.code, 1);
    assert.match(result.err, new RegExp(`^wharf: cannot reach Wharf at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\. Start it with \`wharf up\``));
  });

  test('usage errors are exit 2 with the usage, and send nothing', async () => {
    seen.length = 0;
    const result = await run(['add', 'h']);
    assert.equal(result.code, 2);
    assert.match(result.err, /^wharf: 'hosts add' takes a name/);
    assert.match(result.err, /Usage: wharf hosts add NAME tcp:\/\/ADDR:PORT/);
    assert.deepEqual(seen, []);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: wharf hosts add/);
  });
});
