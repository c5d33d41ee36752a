import { CloudWatchClient, GetDashboardCommand, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { cbor } from '@smithy/core/cbor';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { SigV4Verifier } from '../api/auth/sigv4.js';
import { Gateway } from '../api/gateway.js';
import { loadModel } from '../api/model/load-model.js';
import type { ServiceApi } from '../api/service.js';
import { DEFAULT_KEY } from '../cli/config.js';
import { AwsError } from '../domain/errors.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { AWS_CLI, awsCliEnv } from './harness.js';

/**
 * CloudWatch's three wire protocols through a real Gateway, with a throwaway
 * API on the real monitoring model. botocore 1.43 ranks `json` above
 * `smithy-rpc-v2-cbor`, so boto3 and the SDK v3 speak AWS JSON 1.0 and
 * Debian's aws CLI Query; botocore's own CBOR serializer and parser are run
 * by putting CBOR first in its ranking (as a later botocore may). Each must
 * see the same fields, timestamps and error codes.
 */
const run = promisify(execFile);
const START = new Date('2026-03-01T10:00:00.000Z');
const received: unknown[] = [];
const contentEncodings: (string | undefined)[] = [];
/** What each request said it was: proves which protocol each client chose. */
const wireForms: string[] = [];

const stubApi: ServiceApi = {
  signingName: 'monitoring',
  model: loadModel('monitoring'),
  validationErrorCode: 'InvalidParameterValue',
  handlers: {
    ListMetrics: async (input: { Namespace?: string }) => ({
      Metrics: [
        { Namespace: input.Namespace ?? 'Wharf/Test', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'ClusterName', Value: 'c1' }], internal: 'never leaves' },
        { Namespace: input.Namespace ?? 'Wharf/Test', MetricName: 'MemoryUtilization', Dimensions: [] },
      ],
    }),
    GetMetricStatistics: async (input: { MetricName: string; StartTime: Date; Period: number }) => {
      assert.ok(input.StartTime instanceof Date, 'StartTime reaches the handler as a Date');
      if (input.MetricName === 'Bad') throw new AwsError('InvalidParameterValue', 'The parameter MetricName is bad.');
      return {
        Label: input.MetricName,
        Datapoints: [
          { Timestamp: input.StartTime, Average: 1.5, Maximum: 2.25, SampleCount: 2, Sum: 3, Unit: 'Percent' },
          { Timestamp: new Date(input.StartTime.getTime() + input.Period * 1000), Average: 0.125, Unit: 'Percent' },
        ],
      };
    },
    GetDashboard: async (input: { DashboardName: string }) => {
      throw new AwsError('ResourceNotFound', `Dashboard ${input.DashboardName} does not exist`, { status: 404 });
    },
    PutMetricData: async (input: unknown) => {
      received.push(input);
      return {};
    },
  },
};

let server: Server;
let endpoint: string;
let home: string;

before(async () => {
  const verifier = new SigV4Verifier({ lookup: (id) => (id === DEFAULT_KEY.accessKeyId ? DEFAULT_KEY : undefined) });
  const gateway = new Gateway({ services: [stubApi], verifier, clock: systemClock, logger: silentLogger });
  server = createServer((req, res) => {
    contentEncodings.push(req.headers['content-encoding']);
    wireForms.push(req.headers['smithy-protocol'] ? `cbor ${req.url}` : String(req.headers['content-type']).split(';')[0]!);
    void gateway.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  home = await mkdtemp(join(tmpdir(), 'wharf-cw-'));
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(home, { recursive: true, force: true });
});

function sdk(): CloudWatchClient {
  return new CloudWatchClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey } });
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

type Boto3Protocol = 'smithy-rpc-v2-cbor' | 'json';

/** Runs a boto3 script with `cw` (a CloudWatch client speaking `protocol`) in scope; it prints one JSON document. */
async function boto3(protocol: Boto3Protocol, script: string): Promise<any> {
  const program = [
    'import boto3, json, sys, datetime, botocore.config, botocore.model',
    `botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = (${JSON.stringify(protocol)}, 'query')`,
    `cw = boto3.client('cloudwatch', endpoint_url=${JSON.stringify(endpoint)}, region_name='us-east-1', aws_access_key_id=${JSON.stringify(DEFAULT_KEY.accessKeyId)}, aws_secret_access_key=${JSON.stringify(DEFAULT_KEY.secretAccessKey)}, config=botocore.config.Config(retries={'max_attempts': 1}))`,
    'def out(value): print(json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else repr(v)))',
    dedent(script),
  ].join('\n');
  const { stdout } = await run('python3', ['-c', program], { env: { ...process.env, HOME: home, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
  return JSON.parse(stdout);
}

for (const protocol of ['smithy-rpc-v2-cbor', 'json'] as const) {
  test(`boto3 (${protocol}): fields, timestamps as datetimes, modelled members only`, async () => {
    wireForms.length = 0;
    const result = await boto3(protocol, `
  r = cw.list_metrics(Namespace='ECS/ContainerInsights')
  g = cw.get_metric_statistics(Namespace='AWS/ECS', MetricName='CPUUtilization', StartTime=datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.timezone.utc), EndTime=datetime.datetime(2026, 3, 1, 11, 0, tzinfo=datetime.timezone.utc), Period=60, Statistics=['Average'])
  out({'metrics': r['Metrics'], 'label': g['Label'], 'points': g['Datapoints'], 'types': [type(p['Timestamp']).__name__ for p in g['Datapoints']]})
  `);
    assert.deepEqual(result.metrics, [
      { Namespace: 'ECS/ContainerInsights', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'ClusterName', Value: 'c1' }] },
      { Namespace: 'ECS/ContainerInsights', MetricName: 'MemoryUtilization', Dimensions: [] },
    ]);
    assert.deepEqual(wireForms, protocol === 'json' ? ['application/x-amz-json-1.0', 'application/x-amz-json-1.0'] : ['cbor /service/GraniteServiceVersion20100801/operation/ListMetrics', 'cbor /service/GraniteServiceVersion20100801/operation/GetMetricStatistics']);
    assert.equal(result.label, 'CPUUtilization');
    assert.deepEqual(result.types, ['datetime', 'datetime']);
    assert.deepEqual(result.points, [
      { Timestamp: '2026-03-01T10:00:00+00:00', Average: 1.5, Maximum: 2.25, SampleCount: 2, Sum: 3, Unit: 'Percent' },
      { Timestamp: '2026-03-01T10:01:00+00:00', Average: 0.125, Unit: 'Percent' },
    ]);
  });

  test(`boto3 (${protocol}): errors carry the Query code and message`, async () => {
    const result = await boto3(protocol, `
  errors = []
  for call in [lambda: cw.get_dashboard(DashboardName='nope'), lambda: cw.get_metric_statistics(Namespace='A', MetricName='Bad', StartTime=0, EndTime=60, Period=60, Statistics=['Sum'])]:
      try:
          call()
      except cw.exceptions.ClientError as e:
          errors.append({'code': e.response['Error']['Code'], 'message': e.response['Error']['Message'], 'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'class': type(e).__name__})
  out(errors)
  `);
    assert.deepEqual(result, [
      { code: 'ResourceNotFound', message: 'Dashboard nope does not exist', status: 404, class: result[0].class },
      { code: 'InvalidParameterValue', message: 'The parameter MetricName is bad.', status: 400, class: 'InvalidParameterValueException' },
    ]);
    assert.match(result[0].class, /^(ResourceNotFound|DashboardNotFoundError)$/);
  });

  test(`boto3 (${protocol}): PutMetricData values and timestamps reach the handler`, async () => {
    received.length = 0;
    await boto3(protocol, `
  cw.put_metric_data(Namespace='Wharf/Test', MetricData=[{'MetricName': 'Requests', 'Timestamp': datetime.datetime(2026, 3, 1, 10, 0, 30, tzinfo=datetime.timezone.utc), 'Values': [1.5, 2.0], 'Counts': [1, 3], 'Unit': 'Count', 'StorageResolution': 1}])
  out({})
  `);
    assert.deepEqual(received, [
      { Namespace: 'Wharf/Test', MetricData: [{ MetricName: 'Requests', Timestamp: new Date('2026-03-01T10:00:30.000Z'), Values: [1.5, 2], Counts: [1, 3], Unit: 'Count', StorageResolution: 1 }] },
    ]);
  });
}

test('SDK v3 (AWS JSON 1.0): fields, timestamps as Dates, the modelled error class', async () => {
  const client = sdk();
  wireForms.length = 0;
  const metrics = await client.send(new ListMetricsCommand({}));
  assert.deepEqual(wireForms, ['application/x-amz-json-1.0']);
  assert.deepEqual(metrics.Metrics?.map((m) => [m.Namespace, m.MetricName, m.Dimensions]), [
    ['Wharf/Test', 'CPUUtilization', [{ Name: 'ClusterName', Value: 'c1' }]],
    ['Wharf/Test', 'MemoryUtilization', []],
  ]);
  const stats = await client.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', StartTime: START, EndTime: new Date(START.getTime() + 3_600_000), Period: 300, Statistics: ['Average'] }));
  assert.deepEqual(stats.Datapoints?.map((p) => [p.Timestamp?.toISOString(), p.Average, p.Sum]), [
    ['2026-03-01T10:00:00.000Z', 1.5, 3],
    ['2026-03-01T10:05:00.000Z', 0.125, undefined],
  ]);

  const notFound = await client.send(new GetDashboardCommand({ DashboardName: 'nope' })).then(() => undefined, (error: unknown) => error as Record<string, any>);
  assert.equal(notFound?.$metadata.httpStatusCode, 404);
  assert.equal(notFound?.message, 'Dashboard nope does not exist');
  assert.equal(notFound?.Code ?? notFound?.Error?.Code, 'ResourceNotFound');
  const invalid = await client.send(new GetMetricStatisticsCommand({ Namespace: 'A', MetricName: 'Bad', StartTime: START, EndTime: START, Period: 60 })).then(() => undefined, (error: unknown) => error as Record<string, any>);
  assert.equal(invalid?.name, 'InvalidParameterValueException');
  assert.equal(invalid?.Error?.Code, 'InvalidParameterValue');
  assert.equal(invalid?.message, 'The parameter MetricName is bad.');
});

test('SDK v3: a large PutMetricData arrives gzip-compressed and is read whole', async () => {
  received.length = 0;
  contentEncodings.length = 0;
  const values = Array.from({ length: 150 }, (_, i) => i + 0.25);
  const MetricData = Array.from({ length: 20 }, (_, i) => ({ MetricName: `M${i}`, Values: values, Timestamp: START, Dimensions: [{ Name: 'TaskId', Value: `task-${i}` }] }));
  await sdk().send(new PutMetricDataCommand({ Namespace: 'Wharf/Big', MetricData }));
  const input = received[0] as { Namespace: string; MetricData: { MetricName: string; Values: number[]; Timestamp: Date }[] };
  assert.deepEqual(contentEncodings, ['gzip']);
  assert.equal(input.Namespace, 'Wharf/Big');
  assert.equal(input.MetricData.length, 20);
  assert.deepEqual(input.MetricData[19]!.Values, values);
  assert.deepEqual(input.MetricData[0]!.Timestamp, START);
});

test('/usr/bin/aws (Query): the monitoring XML parses, errors keep their code', async () => {
  const env = awsCliEnv(home);
  const cli = (args: string[]) => run(AWS_CLI, [...args, '--endpoint-url', endpoint, '--output', 'json'], { env });
  wireForms.length = 0;
  const listed = JSON.parse((await cli(['cloudwatch', 'list-metrics', '--namespace', 'AWS/ECS'])).stdout);
  assert.deepEqual(wireForms, ['application/x-www-form-urlencoded']);
  assert.deepEqual(listed.Metrics, [
    { Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'ClusterName', Value: 'c1' }] },
    { Namespace: 'AWS/ECS', MetricName: 'MemoryUtilization', Dimensions: [] },
  ]);
  const stats = JSON.parse((await cli(['cloudwatch', 'get-metric-statistics', '--namespace', 'AWS/ECS', '--metric-name', 'CPUUtilization', '--start-time', START.toISOString(), '--end-time', '2026-03-01T11:00:00Z', '--period', '60', '--statistics', 'Average'])).stdout);
  assert.equal(stats.Label, 'CPUUtilization');
  assert.deepEqual(stats.Datapoints, [
    { Timestamp: '2026-03-01T10:00:00+00:00', Average: 1.5, Maximum: 2.25, SampleCount: 2, Sum: 3, Unit: 'Percent' },
    { Timestamp: '2026-03-01T10:01:00+00:00', Average: 0.125, Unit: 'Percent' },
  ]);
  const failed = await cli(['cloudwatch', 'get-dashboard', '--dashboard-name', 'nope']).then(() => undefined, (error: { stderr: string }) => error.stderr);
  assert.match(failed ?? '', /An error occurred \(ResourceNotFound\) when calling the GetDashboard operation: Dashboard nope does not exist/);
});

/** A hand-signed RPC v2 request, for bodies the clients refuse to send. */
async function rawCbor(operation: string, body: Uint8Array, serviceName = 'GraniteServiceVersion20100801'): Promise<{ status: number; headers: Headers; body: any }> {
  const url = new URL(endpoint);
  const path = `/service/${serviceName}/operation/${operation}`;
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', accept: 'application/cbor' };
  const signer = new SignatureV4({ credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, region: 'us-east-1', service: 'monitoring', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: {}, headers, body }, { signingDate: new Date() });
  const sent = { ...signed.headers };
  delete sent.host;
  const response = await fetch(endpoint + path, { method: 'POST', headers: sent, body: new Uint8Array(body) });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body: bytes.length ? cbor.deserialize(bytes) : undefined };
}

test('RPC v2 CBOR: bad bodies are SerializationException, unknown names are refused, empty input is allowed', async () => {
  for (const bytes of [Uint8Array.of(0xff), Uint8Array.of(0xa1, 0x61), cbor.serialize([1, 2]), cbor.serialize({ Namespace: 5 })]) {
    const answer = await rawCbor('ListMetrics', bytes);
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('smithy-protocol'), 'rpc-v2-cbor');
    assert.equal(answer.headers.get('content-type'), 'application/cbor');
    assert.equal(answer.body.__type, 'SerializationException');
  }
  const empty = await rawCbor('ListMetrics', new Uint8Array());
  assert.equal(empty.status, 200);
  assert.equal(empty.body.Metrics.length, 2);
  const unknownOperation = await rawCbor('ListFoos', new Uint8Array());
  assert.equal(unknownOperation.body.__type, 'UnknownOperationException');
  const unknownService = await rawCbor('ListMetrics', new Uint8Array(), 'NoSuchService');
  assert.equal(unknownService.status, 400);
  assert.equal(unknownService.body.__type, 'UnknownOperationException');
});
