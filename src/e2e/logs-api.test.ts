import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { AWS_CLI, awsCliEnv, startTestWharf, waitFor, type TestWharf } from './harness.js';

const run = promisify(execFile);
const GROUP = '/ecs/my-app';

describe('CloudWatch Logs through the aws CLI', () => {
  let wharf: TestWharf;
  const env = () => awsCliEnv(wharf.dataDir);
  /** The CLI's text output (aws logs tail prints lines, not JSON). */
  const awsText = async (args: string[]) => (await run(AWS_CLI, [...args, '--endpoint-url', wharf.endpoint], { env: env() })).stdout;
  const put = (stream: string, events: { timestamp: number; message: string }[]) =>
    wharf.aws(['logs', 'put-log-events', '--log-group-name', GROUP, '--log-stream-name', stream, '--log-events', JSON.stringify(events)]);

  before(async () => {
    wharf = await startTestWharf();
  });
  after(async () => {
    await wharf.stop();
  });

  test('log groups: create, duplicates, bad names, describe with prefix, pattern and paging, delete', async () => {
    await wharf.aws(['logs', 'create-log-group', '--log-group-name', GROUP]);
    await wharf.aws(['logs', 'create-log-group', '--log-group-name', '/ecs/other', '--tags', 'team=web']);
    await wharf.aws(['logs', 'create-log-group', '--log-group-name', 'scratch']);
    const again = await wharf.awsFails(['logs', 'create-log-group', '--log-group-name', GROUP]);
    assert.match(again.stderr, /\(ResourceAlreadyExistsException\) when calling the CreateLogGroup operation: The specified log group already exists/);
    const bad = await wharf.awsFails(['logs', 'create-log-group', '--log-group-name', 'my app']);
    assert.match(bad.stderr, /\(InvalidParameterException\).*1 validation error detected: Value 'my app' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\\.\\-_\/#A-Za-z0-9\]\+/);

    const described = await wharf.aws(['logs', 'describe-log-groups', '--log-group-name-prefix', '/ecs/']);
    assert.deepEqual(described.logGroups.map((g: { logGroupName: string }) => g.logGroupName), ['/ecs/my-app', '/ecs/other']);
    const first = described.logGroups[0];
    assert.equal(first.arn, 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/my-app:*');
    // logGroupArn (the ARN without :*) is sent too, but Debian's CLI 2.9 predates it and drops it.
    assert.equal(first.metricFilterCount, 0);
    assert.equal(first.storedBytes, 0);
    assert.equal(typeof first.creationTime, 'number');
    const byPattern = await wharf.aws(['logs', 'describe-log-groups', '--log-group-name-pattern', 'crat']);
    assert.deepEqual(byPattern.logGroups.map((g: { logGroupName: string }) => g.logGroupName), ['scratch']);
    const paged = await wharf.aws(['logs', 'describe-log-groups', '--max-items', '1']);
    assert.equal(paged.logGroups.length, 1);
    assert.ok(paged.NextToken);
    const all = await wharf.aws(['logs', 'describe-log-groups', '--page-size', '1']);
    assert.equal(all.logGroups.length, 3);

    await wharf.aws(['logs', 'delete-log-group', '--log-group-name', 'scratch']);
    const gone = await wharf.awsFails(['logs', 'delete-log-group', '--log-group-name', 'scratch']);
    assert.match(gone.stderr, /\(ResourceNotFoundException\).*The specified log group does not exist\./);
  });

  test('log streams: create, errors, describe ordered by LastEventTime, delete', async () => {
    for (const s of ['app/app/t1', 'app/app/t2', 'app/app/t3']) await wharf.aws(['logs', 'create-log-stream', '--log-group-name', GROUP, '--log-stream-name', s]);
    const dup = await wharf.awsFails(['logs', 'create-log-stream', '--log-group-name', GROUP, '--log-stream-name', 'app/app/t1']);
    assert.match(dup.stderr, /\(ResourceAlreadyExistsException\).*The specified log stream already exists/);
    const noGroup = await wharf.awsFails(['logs', 'create-log-stream', '--log-group-name', '/nope', '--log-stream-name', 's']);
    assert.match(noGroup.stderr, /\(ResourceNotFoundException\).*The specified log group does not exist\./);
    const badName = await wharf.awsFails(['logs', 'create-log-stream', '--log-group-name', GROUP, '--log-stream-name', 'a:b']);
    assert.match(badName.stderr, /InvalidParameterException.*Member must satisfy regular expression pattern: \[\^:\*\]\*/);

    const now = Date.now();
    await put('app/app/t2', [{ timestamp: now - 3000, message: 'two' }]);
    await put('app/app/t1', [{ timestamp: now - 1000, message: 'one' }]);
    const ordered = await wharf.aws(['logs', 'describe-log-streams', '--log-group-name', GROUP, '--order-by', 'LastEventTime', '--descending']);
    assert.deepEqual(ordered.logStreams.map((s: { logStreamName: string }) => s.logStreamName), ['app/app/t1', 'app/app/t2', 'app/app/t3']);
    const t1 = ordered.logStreams[0];
    assert.equal(t1.lastEventTimestamp, now - 1000);
    assert.equal(t1.firstEventTimestamp, now - 1000);
    assert.equal(t1.arn, 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/my-app:log-stream:app/app/t1');
    const byPrefix = await wharf.aws(['logs', 'describe-log-streams', '--log-group-name', GROUP, '--log-stream-name-prefix', 'app/app/t3']);
    assert.deepEqual(byPrefix.logStreams.map((s: { logStreamName: string }) => s.logStreamName), ['app/app/t3']);
    await wharf.aws(['logs', 'delete-log-stream', '--log-group-name', GROUP, '--log-stream-name', 'app/app/t3']);
    const missing = await wharf.awsFails(['logs', 'delete-log-stream', '--log-group-name', GROUP, '--log-stream-name', 'app/app/t3']);
    assert.match(missing.stderr, /\(ResourceNotFoundException\).*The specified log stream does not exist\./);
  });

  test('put-log-events then get-log-events: startFromHead, forward and backward tokens, end of stream', async () => {
    const stream = 'app/app/numbers';
    await wharf.aws(['logs', 'create-log-stream', '--log-group-name', GROUP, '--log-stream-name', stream]);
    const base = Date.now() - 60_000;
    const events = Array.from({ length: 10 }, (_, i) => ({ timestamp: base + i, message: `line ${i}` }));
    const answer = await put(stream, events);
    assert.ok(answer.nextSequenceToken);
    const rejected = await put(stream, [{ timestamp: Date.now() - 15 * 86_400_000, message: 'ancient' }, { timestamp: Date.now() + 3 * 3_600_000, message: 'future' }].slice(0, 1));
    assert.deepEqual(rejected.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 0 });
    const unordered = await wharf.awsFails(['logs', 'put-log-events', '--log-group-name', GROUP, '--log-stream-name', stream, '--log-events', JSON.stringify([events[1], events[0]])]);
    assert.match(unordered.stderr, /InvalidParameterException.*chronological order/);

    const get = (extra: string[]) => wharf.aws(['logs', 'get-log-events', '--log-group-name', GROUP, '--log-stream-name', stream, ...extra]);
    const head = await get(['--start-from-head', '--limit', '4']);
    assert.deepEqual(head.events.map((e: { message: string }) => e.message), ['line 0', 'line 1', 'line 2', 'line 3']);
    assert.match(head.nextForwardToken, /^f\/\d{56}$/);
    assert.match(head.nextBackwardToken, /^b\/\d{56}$/);
    assert.equal(typeof head.events[0].ingestionTime, 'number');
    const next = await get(['--next-token', head.nextForwardToken, '--limit', '4']);
    assert.deepEqual(next.events.map((e: { message: string }) => e.message), ['line 4', 'line 5', 'line 6', 'line 7']);
    const back = await get(['--next-token', next.nextBackwardToken, '--limit', '2']);
    assert.deepEqual(back.events.map((e: { message: string }) => e.message), ['line 2', 'line 3']);
    const tail = await get(['--limit', '3']);
    assert.deepEqual(tail.events.map((e: { message: string }) => e.message), ['line 7', 'line 8', 'line 9']);
    const end = await get(['--next-token', tail.nextForwardToken]);
    assert.deepEqual(end.events, []);
    assert.equal(end.nextForwardToken, tail.nextForwardToken, 'at the end the same forward token comes back');
    await put(stream, [{ timestamp: base + 20, message: 'line 10' }]);
    const more = await get(['--next-token', end.nextForwardToken]);
    assert.deepEqual(more.events.map((e: { message: string }) => e.message), ['line 10']);
    const window = await get(['--start-time', String(base + 2), '--end-time', String(base + 4), '--start-from-head']);
    assert.deepEqual(window.events.map((e: { message: string }) => e.message), ['line 2', 'line 3']);
  });

  test('filter-log-events: terms, phrases, alternatives, exclusions, JSON, stream selection and paging', async () => {
    await wharf.aws(['logs', 'create-log-group', '--log-group-name', '/filter']);
    for (const s of ['web/1', 'web/2', 'worker/1']) await wharf.aws(['logs', 'create-log-stream', '--log-group-name', '/filter', '--log-stream-name', s]);
    const t = Date.now() - 10_000;
    const putTo = (stream: string, messages: string[], offset: number) =>
      wharf.aws(['logs', 'put-log-events', '--log-group-name', '/filter', '--log-stream-name', stream, '--log-events', JSON.stringify(messages.map((message, i) => ({ timestamp: t + offset + i * 3, message })))]);
    await putTo('web/1', ['ERROR connection refused', 'INFO GET /health 200', JSON.stringify({ level: 'error', latency: 900 })], 0);
    await putTo('web/2', ['WARN slow request', 'ERROR GET /health 500'], 1);
    await putTo('worker/1', [JSON.stringify({ level: 'info', latency: 20 }), 'ERROR job failed'], 2);
    const filter = async (extra: string[]) =>
      (await wharf.aws(['logs', 'filter-log-events', '--log-group-name', '/filter', ...extra])).events.map((e: { message: string }) => e.message);
    assert.deepEqual(await filter(['--filter-pattern', 'ERROR']), ['ERROR connection refused', 'ERROR GET /health 500', 'ERROR job failed']);
    assert.deepEqual(await filter(['--filter-pattern', '"connection refused"']), ['ERROR connection refused']);
    assert.deepEqual(await filter(['--filter-pattern', '?WARN ?refused']), ['ERROR connection refused', 'WARN slow request']);
    assert.deepEqual(await filter(['--filter-pattern', 'ERROR -health']), ['ERROR connection refused', 'ERROR job failed']);
    assert.deepEqual(await filter(['--filter-pattern', '{ $.latency > 100 }']), [JSON.stringify({ level: 'error', latency: 900 })]);
    assert.deepEqual(await filter(['--filter-pattern', '{ $.level = "inf*" || $.latency > 500 }']).then((m) => m.length), 2);
    assert.deepEqual(await filter(['--log-stream-names', 'web/2', '--filter-pattern', 'ERROR']), ['ERROR GET /health 500']);
    assert.deepEqual(await filter(['--log-stream-name-prefix', 'worker/', '--filter-pattern', 'ERROR']), ['ERROR job failed']);
    const full = await wharf.aws(['logs', 'filter-log-events', '--log-group-name', '/filter', '--filter-pattern', 'ERROR']);
    assert.equal(full.events[0].logStreamName, 'web/1');
    assert.match(full.events[0].eventId, /^\d{56}$/);
    assert.equal(typeof full.events[0].ingestionTime, 'number');
    // The CLI follows nextToken through pages of two.
    assert.equal((await filter(['--page-size', '2'])).length, 7);
    const invalid = await wharf.awsFails(['logs', 'filter-log-events', '--log-group-name', '/filter', '--filter-pattern', '{ $.a = }']);
    assert.match(invalid.stderr, /InvalidParameterException.*Invalid filter pattern/);
  });

  test('retention policies: valid values only, shown by describe, removed again', async () => {
    const bad = await wharf.awsFails(['logs', 'put-retention-policy', '--log-group-name', GROUP, '--retention-in-days', '2']);
    assert.match(bad.stderr, /InvalidParameterException.*Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: \[1, 3, 5, 7, 14/);
    const missing = await wharf.awsFails(['logs', 'put-retention-policy', '--log-group-name', '/nope', '--retention-in-days', '7']);
    assert.match(missing.stderr, /ResourceNotFoundException/);
    await wharf.aws(['logs', 'put-retention-policy', '--log-group-name', GROUP, '--retention-in-days', '7']);
    const [group] = (await wharf.aws(['logs', 'describe-log-groups', '--log-group-name-prefix', GROUP])).logGroups;
    assert.equal(group.retentionInDays, 7);
    await wharf.aws(['logs', 'delete-retention-policy', '--log-group-name', GROUP]);
    const [after] = (await wharf.aws(['logs', 'describe-log-groups', '--log-group-name-prefix', GROUP])).logGroups;
    assert.equal(after.retentionInDays, undefined);
  });

  test('tags by ARN and by log group name', async () => {
    const arn = 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/other';
    assert.deepEqual((await wharf.aws(['logs', 'list-tags-for-resource', '--resource-arn', arn])).tags, { team: 'web' });
    await wharf.aws(['logs', 'tag-resource', '--resource-arn', arn, '--tags', 'env=prod,tier=1']);
    await wharf.aws(['logs', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'tier']);
    assert.deepEqual((await wharf.aws(['logs', 'list-tags-for-resource', '--resource-arn', arn])).tags, { team: 'web', env: 'prod' });
    await wharf.aws(['logs', 'tag-log-group', '--log-group-name', '/ecs/other', '--tags', 'old=style']);
    await wharf.aws(['logs', 'untag-log-group', '--log-group-name', '/ecs/other', '--tags', 'team']);
    assert.deepEqual((await wharf.aws(['logs', 'list-tags-log-group', '--log-group-name', '/ecs/other'])).tags, { env: 'prod', old: 'style' });
    const missing = await wharf.awsFails(['logs', 'list-tags-for-resource', '--resource-arn', 'arn:aws:logs:us-east-1:123456789012:log-group:/nope']);
    assert.match(missing.stderr, /ResourceNotFoundException/);
  });

  test('aws logs tail prints "<time> <stream> <message>" and exits; --follow shows new lines', async () => {
    await wharf.aws(['logs', 'create-log-group', '--log-group-name', '/tail']);
    await wharf.aws(['logs', 'create-log-stream', '--log-group-name', '/tail', '--log-stream-name', 'app/app/x']);
    const at = Date.UTC(2030, 0, 2, 3, 4, 5, 678) > Date.now() ? Date.now() - 5000 : 0;
    await wharf.aws(['logs', 'put-log-events', '--log-group-name', '/tail', '--log-stream-name', 'app/app/x', '--log-events', JSON.stringify([{ timestamp: at, message: 'hello' }, { timestamp: at + 1, message: 'world\n' }])]);
    const printed = await awsText(['logs', 'tail', '/tail', '--since', '10m']);
    const iso = new Date(at).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$1000');
    assert.equal(printed, `${iso}+00:00 app/app/x hello\n${new Date(at + 1).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$1000')}+00:00 app/app/x world\n`);
    const short = await awsText(['logs', 'tail', '/tail', '--since', '10m', '--format', 'short']);
    assert.match(short, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d hello\n/);

    const child = spawn(AWS_CLI, ['logs', 'tail', '/tail', '--follow', '--since', '10m', '--endpoint-url', wharf.endpoint], { env: { ...env(), PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await waitFor(async () => out, (text) => text.includes('world'), 20_000, 'tail --follow to print the first lines');
      await wharf.aws(['logs', 'put-log-events', '--log-group-name', '/tail', '--log-stream-name', 'app/app/x', '--log-events', JSON.stringify([{ timestamp: Date.now(), message: 'fresh line' }])]);
      await waitFor(async () => out, (text) => text.includes('fresh line'), 20_000, 'tail --follow to show a new line');
      assert.equal(out.split('\n').filter((line) => line.includes('hello')).length, 1, 'no line printed twice');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
