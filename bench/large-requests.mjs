// How long one large request body holds the event loop while Wharf parses it.
// The gateway reads a form body, decodes it against the model and validates it in
// time slices (src/api/model/time-slices.ts): this runs those same steps in-process
// on bodies from a legal 1,000-target RegisterTargets up to a hostile 2-4 MB one,
// and reports the total parse time beside the longest uninterrupted slice (the
// most any other request, the registry or the load balancer waits), with a timer
// running alongside as the other work. JSON bodies are parsed by JSON.parse in one
// native call before the sliced walks: that call is shown on its own line.
// Needs dist/ (npm run build).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ms, ROOT } from './lib/harness.mjs';

// Issue 16: no request may block the event loop for more than a few milliseconds of parsing.
const TARGET = { longestSliceMs: 5 };
const ROUNDS = 5;

const { loadModel } = await import(join(ROOT, 'dist', 'api', 'model', 'load-model.js'));
const { actionAhead, inputMembers, readQueryForm, decodeQueryParams } = await import(join(ROOT, 'dist', 'api', 'protocols', 'aws-query.js'));
const { validateInput } = await import(join(ROOT, 'dist', 'api', 'model', 'validate-input.js'));
const { checkWellFormed } = await import(join(ROOT, 'dist', 'api', 'protocols', 'unicode.js'));
const { TimeSlices } = await import(join(ROOT, 'dist', 'api', 'model', 'time-slices.js'));

const elbv2 = loadModel('elbv2');
const logs = loadModel('logs');
const arn = encodeURIComponent('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef');

function form(action, count, member) {
  const parts = [`Action=${action}`, 'Version=2015-12-01'];
  for (let i = 1; i <= count; i++) parts.push(member(i));
  return parts.join('&');
}

const cases = [
  {
    name: 'RegisterTargets, 1,000 targets (the limit)',
    body: `${form('RegisterTargets', 1000, (i) => `Targets.member.${i}.Id=10.0.${i >> 8}.${i & 255}&Targets.member.${i}.Port=8080`)}&TargetGroupArn=${arn}`,
    query: { model: elbv2, shape: 'RegisterTargetsInput', limits: new Map([['TargetDescriptions', { max: 1000, error: () => new Error('TooManyTargets') }]]) },
  },
  {
    name: 'RegisterTargets, 32,000 targets (refused at 1,001)',
    body: `${form('RegisterTargets', 32_000, (i) => `Targets.member.${i}.Id=10.0.${i >> 8}.${i & 255}&Targets.member.${i}.Port=8080`)}&TargetGroupArn=${arn}`,
    query: { model: elbv2, shape: 'RegisterTargetsInput', limits: new Map([['TargetDescriptions', { max: 1000, error: () => new Error('TooManyTargets') }]]) },
  },
  {
    name: 'DescribeTargetGroups, 100,000 names',
    body: form('DescribeTargetGroups', 100_000, (i) => `Names.member.${i}=group-${i}`),
    query: { model: elbv2, shape: 'DescribeTargetGroupsInput' },
  },
  {
    name: '200,000 parameters the model does not know',
    body: form('DescribeTargetGroups', 200_000, (i) => `Unknown${i}.member.1=${i}`),
    query: { model: elbv2, shape: 'DescribeTargetGroupsInput' },
  },
  {
    name: 'PutLogEvents JSON, 10,000 events (1 MB)',
    body: JSON.stringify({ logGroupName: 'g', logStreamName: 's', logEvents: Array.from({ length: 10_000 }, (_, i) => ({ timestamp: 1_700_000_000_000 + i, message: `line ${i} ${'x'.repeat(60)}` })) }),
    json: { model: logs, shape: 'PutLogEventsRequest' },
  },
];

/** Parses one body as the gateway does, returning the total time and the longest slice between yields. */
async function parseOnce(item) {
  let lastResume = performance.now();
  let lastResumeCpu = process.cpuUsage();
  let longest = 0;
  let longestCpu = 0;
  let jsonParseMs = 0;
  const sliceEnded = () => {
    longest = Math.max(longest, performance.now() - lastResume);
    const cpu = process.cpuUsage(lastResumeCpu);
    longestCpu = Math.max(longestCpu, (cpu.user + cpu.system) / 1000);
  };
  const slices = new TimeSlices({
    onYield: () => {
      sliceEnded();
      setImmediate(() => {
        lastResume = performance.now();
        lastResumeCpu = process.cpuUsage();
      });
    },
  });
  const started = performance.now();
  try {
    if (item.query) {
      // As the gateway reads a form: the action read ahead, and only the parameters it takes kept.
      const action = actionAhead(item.body);
      const parsed = await readQueryForm(item.body, slices, action === undefined ? undefined : inputMembers(item.query.model, action));
      const raw = await decodeQueryParams(item.query.model, item.query.shape, parsed, 'ValidationError', slices, { listLimits: item.query.limits });
      await validateInput(item.query.model, item.query.shape, raw, 'ValidationError', { lowerCamelPaths: true, slices });
    } else {
      const parseStarted = performance.now();
      const raw = JSON.parse(item.body);
      jsonParseMs = performance.now() - parseStarted;
      await checkWellFormed(raw, slices);
      await validateInput(item.json.model, item.json.shape, raw, 'ValidationException', { slices });
    }
  } catch {
    // A refusal is an answer too: what it cost until then is what counts.
  }
  const ended = performance.now();
  sliceEnded();
  return { totalMs: ended - started, longestMs: longest, longestCpuMs: longestCpu, yields: slices.yields, jsonParseMs };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const item of cases) {
  await parseOnce(item); // warm the JIT
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) runs.push(await parseOnce(item));
  rows.push({
    body: item.name,
    kB: Math.round(Buffer.byteLength(item.body) / 1024),
    total: ms(median(runs.map((run) => run.totalMs))),
    yields: median(runs.map((run) => run.yields)),
    longestSlice: ms(median(runs.map((run) => run.longestMs))),
    longestSliceCpu: ms(median(runs.map((run) => run.longestCpuMs))),
    jsonParse: item.json ? ms(median(runs.map((run) => run.jsonParseMs))) : '-',
    target: `<= ${TARGET.longestSliceMs} ms`,
  });
}

const [load] = (await import('node:os')).loadavg();
console.log(`\nlarge request bodies: parse time and the longest uninterrupted slice, median of ${ROUNDS} (load average ${load.toFixed(1)})`);
console.log('The CPU column is the process CPU time inside the longest slice: what the slice costs whatever else runs on the machine.');
console.log('| body | kB | total ms | yields | longest slice ms (wall) | longest slice ms (CPU) | JSON.parse ms (one call) | target |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.body} | ${row.kB} | ${row.total} | ${row.yields} | ${row.longestSlice} | ${row.longestSliceCpu} | ${row.jsonParse} | ${row.target} |`);
