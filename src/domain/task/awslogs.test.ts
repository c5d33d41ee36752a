import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { awslogsConfig, awslogsOptionProblem, awslogsStreamName, dockerTimeNs, MultilineJoiner, strftimeToRegex } from './awslogs.js';

const at = (n: number): string => `2024-05-01T10:00:0${n}.12345678${n}Z`;

describe('awslogs options', () => {
  test('group, region (defaulting to the task region), prefix, create-group', () => {
    const config = awslogsConfig({ logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-stream-prefix': 'p', 'awslogs-create-group': 'true' } }, 'eu-west-1');
    assert.deepEqual(config, { group: 'g', region: 'eu-west-1', streamPrefix: 'p', createGroup: true });
    assert.equal(awslogsStreamName(config!, 'app', 'task1', 'cid'), 'p/app/task1');
    assert.equal(awslogsConfig({ logDriver: 'json-file' }, 'us-east-1'), undefined);
    assert.equal(awslogsConfig({ logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'us-west-2' } }, 'us-east-1')!.region, 'us-west-2');
  });

  test('unknown options, conflicting multiline settings and bad values are problems; documented ones are not', () => {
    assert.equal(awslogsOptionProblem({ 'awslogs-group': 'g', 'awslogs-region': 'r', mode: 'non-blocking', 'max-buffer-size': '25m' }), undefined);
    assert.match(awslogsOptionProblem({ 'awslogs-colour': 'x' })!, /unknown log opt 'awslogs-colour'/);
    assert.match(awslogsOptionProblem({ 'awslogs-datetime-format': '%Y', 'awslogs-multiline-pattern': '^x' })!, /at the same time/);
    assert.match(awslogsOptionProblem({ mode: 'sometimes' })!, /not supported/);
    assert.match(awslogsOptionProblem({ 'awslogs-multiline-pattern': '([' })!, /multiline pattern/);
    assert.match(awslogsOptionProblem({ 'awslogs-create-group': 'yes' })!, /awslogs-create-group/);
  });

  test('datetime format becomes an anchored start pattern', () => {
    const re = new RegExp(strftimeToRegex('[%b %d, %Y %H:%M:%S]'));
    assert.ok(re.test('[May 01, 2024 10:00:00] started'));
    assert.ok(!re.test('    at Foo.bar'));
  });

  test('docker timestamps compare at nanosecond precision', () => {
    assert.ok(dockerTimeNs('2024-05-01T10:00:00.000000002Z') > dockerTimeNs('2024-05-01T10:00:00.000000001Z'));
    assert.equal(dockerTimeNs('2024-05-01T10:00:01Z') - dockerTimeNs('2024-05-01T10:00:00.5Z'), 500_000_000n);
  });
});

describe('MultilineJoiner', () => {
  test('without a pattern every line is an event', () => {
    const joiner = new MultilineJoiner();
    assert.deepEqual(joiner.push({ timestamp: at(1), line: 'a' }), [{ timestamp: Date.parse('2024-05-01T10:00:01.123Z'), message: 'a', lastPosition: at(1) }]);
  });

  test('a start line opens an event; others join it with newlines; flush closes it', () => {
    const joiner = new MultilineJoiner('^INFO|^ERROR');
    assert.deepEqual(joiner.push({ timestamp: at(1), line: 'ERROR boom' }), []);
    assert.deepEqual(joiner.push({ timestamp: at(2), line: '  at a' }), []);
    assert.deepEqual(joiner.push({ timestamp: at(3), line: '  at b' }), []);
    const first = joiner.push({ timestamp: at(4), line: 'INFO next' });
    assert.deepEqual(first.map((e) => [e.message, e.lastPosition]), [['ERROR boom\n  at a\n  at b', at(3)]]);
    assert.deepEqual(joiner.flush().map((e) => e.message), ['INFO next']);
    assert.equal(joiner.hasPending, false);
  });
});
