import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseQuery } from './query-parser.js';
import { QueryRun, formatTimestamp, recordOf, type QueryEvent } from './query-run.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
let id = 0;
const ev = (offsetMs: number, message: string, stream = 'app/web/1'): QueryEvent => ({
  account: '123456789012',
  group: '/ecs/app',
  stream,
  timestamp: T0 + offsetMs,
  ingestionTime: T0 + offsetMs + 5,
  message,
  ptr: `p${++id}`,
});

const EVENTS = [
  ev(0, '{"level":"info","latency":100,"path":"/a","user":{"id":7}}'),
  ev(60_000, '{"level":"error","latency":250,"path":"/b","user":{"id":8}}'),
  ev(120_000, '{"level":"info","latency":50,"path":"/a","user":{"id":7}}', 'app/web/2'),
  ev(360_000, '{"level":"warn","latency":400,"path":"/c","user":{"id":9}}', 'app/web/2'),
  ev(361_000, 'GET /health 200 user=alice took=3ms'),
  ev(362_000, 'ERROR java.lang.NullPointerException at Foo'),
];

function run(query: string, events = EVENTS, limit = 10_000) {
  const runner = new QueryRun(parseQuery(query), limit);
  for (const event of events) runner.add(event);
  const outcome = runner.finish();
  return { ...outcome, objects: outcome.rows.map((row) => Object.fromEntries(row.map((f) => [f.field, f.value]))) };
}

const malformed = (query: string) => {
  try {
    parseQuery(query);
  } catch (error) {
    const e = error as { code: string; message: string; extra: { queryCompileError: { location: { startCharOffset: number; endCharOffset: number } } } };
    return { code: e.code, message: e.message, location: { start: e.extra.queryCompileError.location.startCharOffset, end: e.extra.queryCompileError.location.endCharOffset } };
  }
  return undefined;
};

describe('Logs Insights records', () => {
  test('an event is a record of @ fields and its JSON fields, nested as a.b', () => {
    const record = recordOf(EVENTS[0]!);
    assert.equal(record.get('@log'), '123456789012:/ecs/app');
    assert.equal(record.get('@logStream'), 'app/web/1');
    assert.equal(record.get('latency'), 100);
    assert.equal(record.get('user.id'), 7);
    assert.equal(recordOf(ev(0, '{"a":[1,{"b":2}]}')).get('a.1.b'), 2);
    assert.equal(recordOf(ev(0, '{broken')).get('@message'), '{broken');
    assert.equal(formatTimestamp(T0 + 5), '2026-01-01 12:00:00.005');
  });
});

describe('Logs Insights commands', () => {
  test('fields with filter on comparisons; newest first; @ptr on every row; timestamps formatted', () => {
    const { objects, recordsMatched } = run('fields @timestamp, latency, path | filter latency >= 100 and level != "warn"');
    assert.equal(recordsMatched, 2);
    assert.deepEqual(objects, [
      { '@timestamp': '2026-01-01 12:01:00.000', latency: '250', path: '/b', '@ptr': 'p2' },
      { '@timestamp': '2026-01-01 12:00:00.000', latency: '100', path: '/a', '@ptr': 'p1' },
    ]);
  });

  test('like with a string and a regex, =~, not like, in and not in, or and not', () => {
    assert.equal(run('filter @message like "NullPointer"').objects.length, 1);
    assert.equal(run('filter @message like /(?i)nullpointer/').objects.length, 1);
    assert.equal(run('filter @message =~ /^GET /').objects.length, 1);
    assert.equal(run('filter @message not like /level/').objects.length, 2);
    assert.deepEqual(run('fields path | filter path in ["/a", "/c"] | sort @timestamp asc').objects.map((o) => o.path), ['/a', '/a', '/c']);
    assert.deepEqual(run('fields path | filter path not in ["/a", "/c"] and ispresent(path)').objects.map((o) => o.path), ['/b']);
    assert.equal(run('filter level = "error" or level = "warn"').objects.length, 2);
    assert.equal(run('filter not (level = "info") and ispresent(level)').objects.length, 2);
    assert.equal(run('filter user.id = 7').objects.length, 2);
    assert.equal(run('filter latency > "90"').objects.length, 3, 'numbers compare as numbers');
  });

  test('stats count(*), count(f), avg, sum, min, max by a field, sorted', () => {
    const { objects } = run('stats count(*) as n, count(latency), avg(latency) as mean, sum(latency), min(latency), max(latency) by level | sort n desc');
    assert.deepEqual(objects[0], { level: 'info', n: '2', 'count(latency)': '2', mean: '75', 'sum(latency)': '150', 'min(latency)': '50', 'max(latency)': '100' });
    assert.equal(objects.length, 4, 'events without level make one group, shown without level');
    assert.deepEqual(objects.find((o) => o.level === undefined), { n: '2', 'count(latency)': '0' });
  });

  test('after stats, sort names an aggregate column by its text', () => {
    const { objects } = run('filter ispresent(path) | stats count(*) by path | sort count(*) desc | limit 1');
    assert.deepEqual(objects, [{ path: '/a', 'count(*)': '2' }]);
  });

  test('stats by bin(5m): buckets of @timestamp, oldest first, shown as timestamps', () => {
    const { objects, rows } = run('filter ispresent(latency) | stats count(*) by bin(5m)');
    assert.deepEqual(objects, [
      { 'bin(5m)': '2026-01-01 12:00:00.000', 'count(*)': '3' },
      { 'bin(5m)': '2026-01-01 12:05:00.000', 'count(*)': '1' },
    ]);
    assert.ok(rows.every((row) => row.every((f) => f.field !== '@ptr')), 'stats rows carry no @ptr');
    assert.deepEqual(run('filter level = "nope" | stats count(*)').objects, [{ 'count(*)': '0' }]);
  });

  test('sort and limit; the limit given to StartQuery caps the rows', () => {
    assert.deepEqual(run('fields latency | sort latency asc | limit 2').objects.map((o) => o.latency), ['50', '100']);
    assert.deepEqual(run('fields latency | sort latency | limit 1').objects.map((o) => o.latency), ['400'], 'sort is descending by default');
    assert.equal(run('fields @message', EVENTS, 3).rows.length, 3);
  });

  test('parse with a glob and with a regex with named groups', () => {
    const glob = run('filter @message like "GET" | parse @message "user=* took=*ms" as who, ms | display who, ms');
    assert.deepEqual(glob.objects, [{ who: 'alice', ms: '3', '@ptr': 'p5' }]);
    const regex = run('parse @message /(?<method>GET|POST) (?<route>\\S+) (?<status>\\d+)/ | filter status = 200 | display route, status');
    assert.deepEqual(regex.objects.map((o) => [o.route, o.status]), [['/health', '200']]);
    const missing = run('parse @message "nomatch=*" as x | fields x | filter ispresent(x)');
    assert.equal(missing.objects.length, 0);
  });

  test('fields computes expressions with aliases; display picks the final columns', () => {
    const { objects } = run('filter path = "/b" | fields latency / 1000 as seconds, concat(level, ":", path) as tag, toupper(level) | display seconds, tag, toupper(level)');
    assert.deepEqual(objects, [{ seconds: '0.25', tag: 'error:/b', 'toupper(level)': 'ERROR', '@ptr': 'p2' }]);
  });

  test('without fields or display every field of the record is shown', () => {
    const [first] = run('filter path = "/b"').objects;
    assert.deepEqual(Object.keys(first!), ['@timestamp', '@message', '@logStream', '@log', 'level', 'latency', 'path', 'user.id', '@ptr']);
  });
});

describe('Logs Insights over many events', () => {
  const many = Array.from({ length: 50_000 }, (_, i) => ev(i * 10, `{"n":${i}}`));
  test('stats fold as events come; a leading limit keeps only the newest rows', () => {
    const counted = run('stats count(*) as n, max(n) as top by bin(1m)', many);
    assert.equal(counted.objects.length, 9);
    assert.equal(counted.objects.reduce((sum, o) => sum + Number(o.n), 0), 50_000);
    assert.equal(counted.objects[8]!.top, '49999');
    assert.equal(counted.recordsMatched, 50_000);
    assert.deepEqual(run('fields n | limit 3', many).objects.map((o) => o.n), ['49999', '49998', '49997']);
    assert.deepEqual(run('fields n', many, 2).objects.map((o) => o.n), ['49999', '49998']);
    assert.deepEqual(run('fields n | sort n asc | limit 2', many).objects.map((o) => o.n), ['0', '1']);
  });
});

describe('Logs Insights refusals', () => {
  test('unsupported commands and functions are named, with their place in the query', () => {
    assert.deepEqual(malformed('fields @message | dedup @logStream'), {
      code: 'MalformedQueryException',
      message: "The dedup command is not supported by Wharf's Logs Insights (supported: fields, display, filter, stats, sort, limit, parse)",
      location: { start: 18, end: 23 },
    });
    assert.match(malformed('stats pct(latency, 99)')!.message, /The function pct\(\) is not supported/);
    assert.match(malformed('frobnicate x')!.message, /Unknown command 'frobnicate'/);
    assert.match(malformed('stats latency by level')!.message, /stats needs an aggregation function/);
    assert.match(malformed('filter (a = 1')!.message, /expected '\)'/);
    assert.match(malformed('filter @message like /(unclosed/')!.message, /Invalid regular expression/);
    assert.match(malformed('limit 0')!.message, /positive whole number/);
    assert.match(malformed('limit 100001')!.message, /at most 100000/);
    assert.match(malformed('parse @message "a=* b=*" as a')!.message, /2 wildcards but 1 field names/);
    assert.match(malformed('parse @message /no groups/')!.message, /named group/);
    assert.match(malformed('')!.message, /empty/);
    assert.match(malformed('fields a b')!.message, /Unexpected 'b'/);
  });

  test('comments and quoted field names parse', () => {
    const { objects } = run('# errors only\nfilter `level` = "error" # trailing\n| fields `path`');
    assert.deepEqual(objects.map((o) => o.path), ['/b']);
  });
});
