import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SqliteMetricStore } from '../adapters/metric-store-sqlite/sqlite-metric-store.js';
import { DEFAULT_KEY, loadConfig } from '../cli/config.js';
import { startWharf } from '../main.js';
import { silentLogger } from '../ports/logger.js';

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
