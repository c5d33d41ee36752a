import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { SqliteMetricStore } from '../adapters/metric-store-sqlite/sqlite-metric-store.js';
import { DEFAULT_KEY, loadConfig } from '../cli/config.js';
import { startWharf } from '../main.js';
import { silentLogger } from '../ports/logger.js';
import { ecsClientAt, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

const scope = { account: '123456789012', region: 'us-east-1' };

// The data directory's metric store is held exclusively by its Wharf, so this Wharf is closed before the store is read.
test('metric filters publish what PutLogEvents stores to the CloudWatch metric store', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-e2e-'));
  try {
    const wharf = await startWharf(loadConfig({ port: '0', 'data-dir': dataDir }, {}), silentLogger);
    const logs = new CloudWatchLogsClient({
      endpoint: `http://127.0.0.1:${wharf.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey },
      maxAttempts: 1,
    });
    const group = '/ecs/metrics';
    const at = Math.floor((Date.now() - 120_000) / 60_000) * 60_000;
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' }));
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: group,
          filterName: 'latency',
          filterPattern: '{ $.latency > 0 }',
          metricTransformations: [{ metricName: 'Latency', metricNamespace: 'Fidelity/Publish', metricValue: '$.latency', dimensions: { Path: '$.path' }, unit: 'Milliseconds' }],
        }),
      );
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: group,
          filterName: 'errors',
          filterPattern: 'ERROR',
          metricTransformations: [{ metricName: 'Errors', metricNamespace: 'Fidelity/Publish', metricValue: '1', defaultValue: 0, unit: 'Count' }],
        }),
      );
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: 's',
          logEvents: [
            { timestamp: at + 1_000, message: '{"latency": 120, "path": "/a"}' },
            { timestamp: at + 2_000, message: '{"latency": 80, "path": "/a"}' },
            { timestamp: at + 3_000, message: '{"latency": 999, "path": "/b"}' },
            { timestamp: at + 4_000, message: 'ERROR plain text' },
            { timestamp: at + 64_000, message: 'INFO quiet minute' },
          ],
        }),
      );
    } finally {
      logs.destroy();
      await wharf.close();
    }
    const metrics = new SqliteMetricStore(join(dataDir, 'metrics.db'));
    try {
      const range = { startTime: at - 60_000, endTime: at + 180_000, period: 60 };
      const latency = await metrics.query(scope, { namespace: 'Fidelity/Publish', metricName: 'Latency', dimensions: [{ name: 'Path', value: '/a' }], ...range });
      assert.deepEqual(latency.map((a) => [a.timestamp, a.sampleCount, a.sum, a.minimum, a.maximum, a.unit]), [[at, 2, 200, 80, 120, 'Milliseconds']]);
      const errors = await metrics.query(scope, { namespace: 'Fidelity/Publish', metricName: 'Errors', dimensions: [], ...range });
      assert.deepEqual(errors.map((a) => [a.timestamp, a.sum]), [[at, 1], [at + 60_000, 0]], 'the quiet minute gets the default value');
    } finally {
      await metrics.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('metric filters publish what the awslogs driver ingests from a task', async () => {
  const image = await ensureTestImage();
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-e2e-'));
  try {
    const wharf = await startWharf(loadConfig({ port: '0', 'data-dir': dataDir }, {}), silentLogger);
    const endpoint = `http://127.0.0.1:${wharf.port}`;
    const logs = new CloudWatchLogsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 });
    const ecs = ecsClientAt(endpoint);
    const group = '/ecs/counted';
    const started = Date.now();
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      await logs.send(new PutMetricFilterCommand({ logGroupName: group, filterName: 'errors', filterPattern: 'ERROR', metricTransformations: [{ metricName: 'TaskErrors', metricNamespace: 'Fidelity/Awslogs', metricValue: '1', unit: 'Count' }] }));
      await ecs.send(new CreateClusterCommand({ clusterName: 'metrics' }));
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'errors', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
          containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', 'for i in 1 2 3; do echo "ERROR $i"; echo "INFO $i"; done; sleep 1'], logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'us-east-1', 'awslogs-group': group, 'awslogs-stream-prefix': 'app' } } }],
        } as never),
      );
      const run = await ecs.send(new RunTaskCommand({ cluster: 'metrics', taskDefinition: 'errors', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa'], assignPublicIp: 'DISABLED' } } } as never));
      assert.deepEqual(run.failures, []);
      await waitFor(() => logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'ERROR' })), (r) => (r.events?.length ?? 0) >= 3, 60_000, 'three ERROR lines ingested');
    } finally {
      logs.destroy();
      ecs.destroy();
      await wharf.close();
    }
    const metrics = new SqliteMetricStore(join(dataDir, 'metrics.db'));
    try {
      const points = await metrics.query(scope, { namespace: 'Fidelity/Awslogs', metricName: 'TaskErrors', dimensions: [], startTime: started - 120_000, endTime: Date.now() + 60_000, period: 300 });
      assert.equal(points.reduce((sum, p) => sum + p.sum, 0), 3);
    } finally {
      await metrics.close();
    }
  } finally {
    // The reset of a Wharf on this data directory removes the task's container.
    const again = await startWharf(loadConfig({ port: '0', 'data-dir': dataDir }, {}), silentLogger);
    await fetch(`http://127.0.0.1:${again.port}/_wharf/reset`, { method: 'POST' });
    await again.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
