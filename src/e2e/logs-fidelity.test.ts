import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateDeliveryCommand,
  CreateExportTaskCommand,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteDestinationCommand,
  DeleteLogGroupCommand,
  DeleteMetricFilterCommand,
  DeleteResourcePolicyCommand,
  DeleteSubscriptionFilterCommand,
  DescribeDeliveriesCommand,
  DescribeDeliveryDestinationsCommand,
  DescribeDestinationsCommand,
  DescribeExportTasksCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  DescribeQueriesCommand,
  DescribeResourcePoliciesCommand,
  DescribeSubscriptionFiltersCommand,
  DeleteQueryDefinitionCommand,
  DescribeQueryDefinitionsCommand,
  GetDeliveryDestinationCommand,
  GetLogGroupFieldsCommand,
  GetLogRecordCommand,
  PutQueryDefinitionCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  PutDeliveryDestinationCommand,
  PutDeliverySourceCommand,
  PutDestinationCommand,
  PutDestinationPolicyCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutResourcePolicyCommand,
  PutSubscriptionFilterCommand,
  StartQueryCommand,
  StopQueryCommand,
  TestMetricFilterCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { DEFAULT_KEY } from '../cli/config.js';
import { startTestWharf, waitFor, type TestWharf } from './harness.js';

const GROUP = '/ecs/fidelity';
const ARN = `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}`;

/** What the SDK threw: its error name, message and the raw body members. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; error: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message, error: error as Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

describe('CloudWatch Logs fidelity through the SDK v3', () => {
  let wharf: TestWharf;
  let logs: CloudWatchLogsClient;
  const now = Date.now();

  before(async () => {
    wharf = await startTestWharf();
    logs = new CloudWatchLogsClient({
      endpoint: wharf.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey },
      maxAttempts: 1,
    });
    await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    for (const stream of ['web/1', 'web/2']) await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
    const line = (offset: number, body: object) => ({ timestamp: now - 600_000 + offset, message: JSON.stringify(body) });
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'web/1',
        logEvents: [line(0, { level: 'info', latency: 100, path: '/a' }), line(1000, { level: 'error', latency: 300, path: '/b' }), line(400_000, { level: 'info', latency: 20, path: '/a' })],
      }),
    );
    await logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'web/2', logEvents: [{ timestamp: now - 100_000, message: 'GET /health 200 user=alice' }] }));
  });
  after(async () => {
    logs.destroy();
    await wharf.stop();
  });

  test('a logGroupIdentifier ARN ending in :* is refused; without it the group is found', async () => {
    const refused = await failure(logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: `${ARN}:*` })));
    assert.equal(refused.name, 'InvalidParameterException');
    assert.equal(refused.message, `1 validation error detected: Value '${ARN}:*' at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*`);
    const get = await failure(logs.send(new GetLogEventsCommand({ logGroupIdentifier: `${ARN}:*`, logStreamName: 'web/1' })));
    assert.equal(get.name, 'InvalidParameterException');
    const found = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: ARN }));
    assert.deepEqual(found.logStreams?.map((s) => s.logStreamName), ['web/1', 'web/2']);
  });

  async function resultsOf(queryString: string, extra: { limit?: number } = {}): Promise<GetQueryResultsCommandOutput> {
    const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: Math.floor((now - 3_600_000) / 1000), endTime: Math.floor(now / 1000), queryString, ...extra }));
    assert.ok(queryId);
    return waitFor(() => logs.send(new GetQueryResultsCommand({ queryId })), (r) => r.status === 'Complete', 10_000, `query ${queryString}`);
  }
  const asObjects = (r: GetQueryResultsCommandOutput) => (r.results ?? []).map((row) => Object.fromEntries(row.map((f) => [f.field, f.value])));

  test('Logs Insights: fields, filter, sort, limit; statistics; @ptr', async () => {
    const r = await resultsOf('fields @timestamp, @logStream, latency | filter latency > 50 | sort latency desc | limit 5');
    const rows = asObjects(r);
    assert.deepEqual(rows.map((row) => row.latency), ['300', '100']);
    assert.equal(rows[0]!['@logStream'], 'web/1');
    assert.match(rows[0]!['@timestamp']!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    assert.ok(rows[0]!['@ptr']);
    assert.equal(r.statistics?.recordsScanned, 4);
    assert.equal(r.statistics?.recordsMatched, 2);
    assert.ok((r.statistics?.bytesScanned ?? 0) > 100);
    const { logRecord } = await logs.send(new GetLogRecordCommand({ logRecordPointer: rows[0]!['@ptr'] }));
    assert.equal(logRecord?.latency, '300');
    assert.equal(logRecord?.['@logStream'], 'web/1');
    assert.equal(logRecord?.['@log'], `123456789012:${GROUP}`);
  });

  test('Logs Insights: query definitions and the fields of a group', async () => {
    const { queryDefinitionId } = await logs.send(new PutQueryDefinitionCommand({ name: 'errors/by-path', queryString: 'filter level = "error" | stats count(*) by path', logGroupNames: [GROUP] }));
    assert.ok(queryDefinitionId);
    const listed = await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'errors/' }));
    assert.deepEqual(listed.queryDefinitions?.map((d) => [d.queryDefinitionId, d.logGroupNames]), [[queryDefinitionId, [GROUP]]]);
    assert.equal((await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId }))).success, true);
    assert.equal((await failure(logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId })))).name, 'ResourceNotFoundException');
    const fields = await logs.send(new GetLogGroupFieldsCommand({ logGroupName: GROUP, time: Math.floor(now / 1000) }));
    const names = fields.logGroupFields?.map((f) => f.name) ?? [];
    assert.ok(names.includes('@message') && names.includes('latency'), names.join(','));
  });

  test('Logs Insights: stats by field and by bin(5m), parse, like', async () => {
    const byLevel = asObjects(await resultsOf('filter ispresent(level) | stats count(*) as n, avg(latency) as mean, max(latency) by level | sort n desc'));
    assert.deepEqual(byLevel, [
      { level: 'info', n: '2', mean: '60', 'max(latency)': '100' },
      { level: 'error', n: '1', mean: '300', 'max(latency)': '300' },
    ]);
    const bins = asObjects(await resultsOf('stats count(*) by bin(5m)'));
    assert.equal(bins.reduce((sum, row) => sum + Number(row['count(*)']), 0), 4);
    assert.ok(bins.every((row) => /:\d[05]:00\.000$/.test(row['bin(5m)']!)));
    const parsed = asObjects(await resultsOf('filter @message like /health/ | parse @message "user=*" as user | display user'));
    assert.deepEqual(parsed.map((row) => row.user), ['alice']);
  });

  test('Logs Insights: unsupported commands are MalformedQueryException with the compile error; missing groups ResourceNotFound; describe and stop', async () => {
    const bad = await failure(logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: 0, endTime: 1, queryString: 'fields @message | dedup @logStream' })));
    assert.equal(bad.name, 'MalformedQueryException');
    assert.match(bad.message, /The dedup command is not supported/);
    assert.deepEqual((bad.error.queryCompileError as { location: unknown }).location, { startCharOffset: 18, endCharOffset: 23 });
    const missing = await failure(logs.send(new StartQueryCommand({ logGroupName: '/nope', startTime: 0, endTime: 1, queryString: 'fields @message' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: 0, endTime: Math.floor(now / 1000), queryString: 'fields @message' }));
    const listed = await logs.send(new DescribeQueriesCommand({ logGroupName: GROUP }));
    assert.ok(listed.queries?.some((q) => q.queryId === queryId && q.queryString === 'fields @message'));
    const stopped = await logs.send(new StopQueryCommand({ queryId }));
    if (stopped.success) assert.equal((await logs.send(new GetQueryResultsCommand({ queryId }))).status, 'Cancelled');
    else assert.equal((await logs.send(new GetQueryResultsCommand({ queryId }))).status, 'Complete');
    const unknown = await failure(logs.send(new GetQueryResultsCommand({ queryId: '00000000-0000-0000-0000-000000000000' })));
    assert.equal(unknown.name, 'ResourceNotFoundException');
  });

  test('metric filters: put, describe (count on the group), test, errors, delete', async () => {
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: GROUP,
        filterName: 'errors',
        filterPattern: '{ $.level = "error" }',
        metricTransformations: [{ metricName: 'Errors', metricNamespace: 'Fidelity', metricValue: '1', defaultValue: 0, unit: 'Count' }],
      }),
    );
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: GROUP,
        filterName: 'latency',
        filterPattern: '{ $.latency > 0 }',
        metricTransformations: [{ metricName: 'Latency', metricNamespace: 'Fidelity', metricValue: '$.latency', dimensions: { Path: '$.path' } }],
      }),
    );
    const described = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: GROUP }));
    assert.deepEqual(described.metricFilters?.map((f) => f.filterName), ['errors', 'latency']);
    assert.deepEqual(described.metricFilters?.[1]?.metricTransformations?.[0]?.dimensions, { Path: '$.path' });
    assert.equal(typeof described.metricFilters?.[0]?.creationTime, 'number');
    const byMetric = await logs.send(new DescribeMetricFiltersCommand({ metricName: 'Errors', metricNamespace: 'Fidelity' }));
    assert.deepEqual(byMetric.metricFilters?.map((f) => f.filterName), ['errors']);
    const group = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }));
    assert.equal(group.logGroups?.[0]?.metricFilterCount, 2);

    const both = await failure(
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: GROUP,
          filterName: 'bad',
          filterPattern: '{ $.a = 1 }',
          metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: '1', defaultValue: 0, dimensions: { A: '$.a' } }],
        }),
      ),
    );
    assert.equal(both.name, 'InvalidParameterException');
    assert.equal(both.message, 'Invalid metric transformation: dimensions and default value are mutually exclusive properties');
    const terms = await failure(
      logs.send(new PutMetricFilterCommand({ logGroupName: GROUP, filterName: 'bad', filterPattern: 'ERROR', metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: '1', dimensions: { A: '$.a' } }] })),
    );
    assert.equal(terms.message, 'The specified filter pattern does not support dimensions');
    const noGroup = await failure(logs.send(new PutMetricFilterCommand({ logGroupName: '/nope', filterName: 'x', filterPattern: '', metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: '1' }] })));
    assert.equal(noGroup.name, 'ResourceNotFoundException');

    const tested = await logs.send(new TestMetricFilterCommand({ filterPattern: '{ $.latency > 100 }', logEventMessages: ['{"latency": 50}', '{"latency": 150}'] }));
    assert.deepEqual(tested.matches, [{ eventNumber: 2, eventMessage: '{"latency": 150}', extractedValues: { '$.latency': '150' } }]);

    await logs.send(new DeleteMetricFilterCommand({ logGroupName: GROUP, filterName: 'latency' }));
    const gone = await failure(logs.send(new DeleteMetricFilterCommand({ logGroupName: GROUP, filterName: 'latency' })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }))).logGroups?.[0]?.metricFilterCount, 1);
  });

  test('subscription filters to targets that do not exist here fail as AWS fails them; destinations are kept', async () => {
    const lambda = await failure(
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'to-lambda', filterPattern: '', destinationArn: 'arn:aws:lambda:us-east-1:123456789012:function:shipper' })),
    );
    assert.equal(lambda.name, 'InvalidParameterException');
    assert.equal(lambda.message, 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.');
    const kinesisNoRole = await failure(
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'k', filterPattern: '', destinationArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' })),
    );
    assert.equal(kinesisNoRole.message, 'destinationArn for vendor kinesis cannot be used without roleArn');
    const kinesis = await failure(
      logs.send(
        new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'k', filterPattern: '', destinationArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', roleArn: 'arn:aws:iam::123456789012:role/cwl' }),
      ),
    );
    assert.match(kinesis.message, /Could not deliver test message to specified Kinesis stream/);
    assert.deepEqual((await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: GROUP }))).subscriptionFilters, []);
    assert.equal((await failure(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'k' })))).name, 'ResourceNotFoundException');

    const { destination } = await logs.send(new PutDestinationCommand({ destinationName: 'central', targetArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', roleArn: 'arn:aws:iam::123456789012:role/cwl' }));
    assert.equal(destination?.arn, 'arn:aws:logs:us-east-1:123456789012:destination:central');
    await logs.send(new PutDestinationPolicyCommand({ destinationName: 'central', accessPolicy: '{"Version":"2012-10-17","Statement":[]}' }));
    const listed = await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: 'cen' }));
    assert.equal(listed.destinations?.[0]?.accessPolicy, '{"Version":"2012-10-17","Statement":[]}');
    const toDestination = await failure(logs.send(new PutSubscriptionFilterCommand({ logGroupName: GROUP, filterName: 'd', filterPattern: '', destinationArn: destination!.arn! })));
    assert.match(toDestination.message, /Kinesis stream/);
    await logs.send(new DeleteDestinationCommand({ destinationName: 'central' }));
    assert.equal((await failure(logs.send(new DeleteDestinationCommand({ destinationName: 'central' })))).name, 'ResourceNotFoundException');
  });

  test('resource policies, export tasks and deliveries answer instead of NotImplemented', async () => {
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'es.amazonaws.com' }, Action: 'logs:PutLogEvents', Resource: '*' }] });
    const put = await logs.send(new PutResourcePolicyCommand({ policyName: 'es', policyDocument: document }));
    assert.equal(put.resourcePolicy?.policyName, 'es');
    assert.equal(put.resourcePolicy?.policyDocument, document);
    assert.equal(typeof put.resourcePolicy?.lastUpdatedTime, 'number');
    assert.deepEqual((await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies?.map((p) => p.policyName), ['es']);
    assert.equal((await failure(logs.send(new PutResourcePolicyCommand({ policyName: 'bad', policyDocument: '{nope' })))).name, 'InvalidParameterException');
    await logs.send(new DeleteResourcePolicyCommand({ policyName: 'es' }));
    assert.equal((await failure(logs.send(new DeleteResourcePolicyCommand({ policyName: 'es' })))).name, 'ResourceNotFoundException');

    const exportTask = await failure(logs.send(new CreateExportTaskCommand({ logGroupName: GROUP, from: 0, to: now, destination: 'my-bucket' })));
    assert.equal(exportTask.name, 'InvalidParameterException');
    assert.match(exportTask.message, /GetBucketAcl call on the given bucket failed/);
    assert.deepEqual((await logs.send(new DescribeExportTasksCommand({}))).exportTasks, []);

    const source = await failure(logs.send(new PutDeliverySourceCommand({ name: 'cf', resourceArn: 'arn:aws:cloudfront::123456789012:distribution/E1', logType: 'ACCESS_LOGS' })));
    assert.equal(source.name, 'ResourceNotFoundException');
    const destination = await logs.send(new PutDeliveryDestinationCommand({ name: 'to-group', deliveryDestinationConfiguration: { destinationResourceArn: ARN } }));
    assert.equal(destination.deliveryDestination?.deliveryDestinationType, 'CWL');
    assert.equal((await logs.send(new GetDeliveryDestinationCommand({ name: 'to-group' }))).deliveryDestination?.arn, 'arn:aws:logs:us-east-1:123456789012:delivery-destination:to-group');
    assert.equal((await logs.send(new DescribeDeliveryDestinationsCommand({}))).deliveryDestinations?.length, 1);
    const s3 = await failure(logs.send(new PutDeliveryDestinationCommand({ name: 's3', deliveryDestinationConfiguration: { destinationResourceArn: 'arn:aws:s3:::bucket' } })));
    assert.equal(s3.name, 'ValidationException');
    const delivery = await failure(logs.send(new CreateDeliveryCommand({ deliverySourceName: 'cf', deliveryDestinationArn: destination.deliveryDestination!.arn! })));
    assert.equal(delivery.name, 'ResourceNotFoundException');
    assert.deepEqual((await logs.send(new DescribeDeliveriesCommand({}))).deliveries, []);
  });

  test('deleting a log group deletes its metric filters', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/short-lived' }));
    await logs.send(new PutMetricFilterCommand({ logGroupName: '/ecs/short-lived', filterName: 'f', filterPattern: '', metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: '1' }] }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/ecs/short-lived' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/short-lived' }));
    assert.deepEqual((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/ecs/short-lived' }))).metricFilters, []);
  });
});
