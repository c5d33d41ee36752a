import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '../../domain/errors.js';
import type { ServiceModel } from '../model/shapes.js';
import { TimeSlices, UNSLICED } from '../model/time-slices.js';
import { actionAhead, decodeQueryParams as decodeForm, inputMembers, queryErrorXml, queryResultXml, readQueryForm, type QueryDecodeOptions } from './aws-query.js';

/** Reads and decodes a form body in one go, as the gateway does. */
async function decodeQueryParams(model: ServiceModel, shape: string, body: string, code: string, options?: QueryDecodeOptions): Promise<Record<string, unknown>> {
  return decodeForm(model, shape, await readQueryForm(body, UNSLICED), code, UNSLICED, options);
}

const model: ServiceModel = {
  metadata: { protocol: 'query', endpointPrefix: 'x', apiVersion: '1', xmlNamespace: 'https://example.com/doc/1/' },
  operations: {},
  shapes: {
    Input: { type: 'structure', members: { Names: { shape: 'Names' }, Attributes: { shape: 'Attributes' }, Count: { shape: 'Int' }, On: { shape: 'Bool' }, Inner: { shape: 'Inner' } } },
    Names: { type: 'list', member: { shape: 'Str' } },
    Attributes: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
    Inner: { type: 'structure', members: { Value: { shape: 'Str' } } },
    Output: { type: 'structure', members: { Names: { shape: 'Names' }, When: { shape: 'Time' }, On: { shape: 'Bool' }, Text: { shape: 'Str' } } },
    Str: { type: 'string' },
    Int: { type: 'integer' },
    Bool: { type: 'boolean' },
    Time: { type: 'timestamp' },
  },
};

test('flattened query keys decode into the JSON shape', async () => {
  const params = 'Action=Op&Version=1&Names.member.2=b&Names.member.1=a&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Count=3&On=true&Inner.Value=x';
  assert.deepEqual(await decodeQueryParams(model, 'Input', params, 'ValidationError'), { Names: ['a', 'b'], Attributes: { k: 'v' }, Count: 3, On: true, Inner: { Value: 'x' } });
  assert.deepEqual(await decodeQueryParams(model, 'Input', 'Names=', 'ValidationError'), { Names: [] });
  await assert.rejects(decodeQueryParams(model, 'Input', 'Count=many', 'ValidationError'), { code: 'ValidationError' });
});

test('results and errors are AWS Query XML', () => {
  const xml = queryResultXml(model, 'Op', 'Output', undefined, { Names: ['a', 'b'], When: new Date(0), On: false, Text: '<&>' }, 'req-1');
  assert.match(xml, /^<OpResponse xmlns="https:\/\/example.com\/doc\/1\/"><OpResult><Names><member>a<\/member><member>b<\/member><\/Names><When>1970-01-01T00:00:00.000Z<\/When><On>false<\/On><Text>&lt;&amp;&gt;<\/Text><\/OpResult><ResponseMetadata><RequestId>req-1<\/RequestId><\/ResponseMetadata><\/OpResponse>$/);
  const error = queryErrorXml(model, new AwsError('InvalidClientTokenId', 'bad <token>', { status: 403 }), 'req-2');
  assert.match(error, /<Error><Type>Sender<\/Type><Code>InvalidClientTokenId<\/Code><Message>bad &lt;token&gt;<\/Message><\/Error><RequestId>req-2<\/RequestId>/);
});

const TARGETS_MODEL: ServiceModel = { ...model, shapes: { ...model.shapes, Targets: { type: 'list', member: { shape: 'Target' } }, Target: { type: 'structure', members: { Id: { shape: 'Str' }, Port: { shape: 'Int' } } }, Input: { type: 'structure', members: { Targets: { shape: 'Targets' } } } } };

function targetsForm(count: number): string {
  const parts = ['Action=Op'];
  for (let i = 1; i <= count; i++) parts.push(`Targets.member.${i}.Id=10.0.${i % 256}.${i % 200}&Targets.member.${i}.Port=${i}`);
  return parts.join('&');
}

test('a large form is read and decoded in slices that give way to the event loop, with the same answer', async () => {
  const body = targetsForm(32_000);
  // A zero budget gives way at every clock check: the count of yields shows the work was cut up.
  const slices = new TimeSlices({ budgetMs: 0, checkEvery: 256 });
  let turnsBetween = 0;
  const otherWork = setInterval(() => turnsBetween++, 0);
  const form = await readQueryForm(body, slices);
  assert.equal(form.action, 'Op');
  const sliced = (await decodeForm(TARGETS_MODEL, 'Input', form, 'ValidationError', slices)) as { Targets: { Id: string; Port: number }[] };
  clearInterval(otherWork);
  assert.ok(slices.yields > 100, `gave way ${slices.yields} times`);
  assert.ok(turnsBetween > 0, 'a timer ran while the body was decoded');
  assert.equal(sliced.Targets.length, 32_000);
  assert.deepEqual(sliced.Targets[31_999], { Id: '10.0.0.0', Port: 32_000 });
  assert.deepEqual(sliced, await decodeQueryParams(TARGETS_MODEL, 'Input', body, 'ValidationError'));
});

test('form bodies: percent-encoded malformed UTF-8 is refused, a spelled-out U+FFFD is not', async () => {
  const read = (raw: string) => readQueryForm(raw, UNSLICED);
  await read('Action=X&Description=%EF%BF%BD');
  await read('Action=X&Description=caf%C3%A9');
  await read(`Action=X&Description=%EF%BF%BD&${'Pad=x&'.repeat(5_000)}Other=\uFFFD`);
  await assert.rejects(read('Action=X&Description=%ED%A0%80'), { code: 'SerializationException' });
  await assert.rejects(read('Action=X&Description=%FF'), { code: 'SerializationException' });
  // Past the first piece of the body too.
  await assert.rejects(read(`Action=X&${'Pad=x&'.repeat(5_000)}Description=%FF`), { code: 'SerializationException' });
});

test('pieces split at pair boundaries read as the whole body would', async () => {
  const body = `Action=Op&${Array.from({ length: 3_000 }, (_, index) => `Names.member.${index + 1}=n%20${index}+x`).join('&')}`;
  const decoded = (await decodeQueryParams(model, 'Input', body, 'ValidationError')) as { Names: string[] };
  assert.deepEqual(decoded.Names, [...new URLSearchParams(body)].filter(([key]) => key !== 'Action').map(([, value]) => value));
});

test('a list longer than its limit is refused before its members are decoded', async () => {
  const limited: ServiceModel = { ...model, shapes: { ...model.shapes, Names: { type: 'list', member: { shape: 'Int' }, max: 2 } } };
  // Members that would fail to decode: the count is checked first.
  await assert.rejects(decodeQueryParams(limited, 'Input', 'Names.member.1=x&Names.member.2=y&Names.member.3=z', 'ValidationError'), {
    code: 'ValidationError',
    message: "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 2",
  });
  const tooMany = new AwsError('TooManyTargets', 'too many');
  await assert.rejects(decodeQueryParams(model, 'Input', 'Names.member.1=a&Names.member.2=b', 'ValidationError', { listLimits: new Map([['Names', { max: 1, error: () => tooMany }]]) }), tooMany);
});

test('an oversized list is refused after its limit plus one members, not after gathering them all', async () => {
  const limited: ServiceModel = { ...TARGETS_MODEL, shapes: { ...TARGETS_MODEL.shapes, Targets: { type: 'list', member: { shape: 'Target' }, max: 2 } } };
  const form = await readQueryForm(targetsForm(50_000), UNSLICED);
  let units = 0;
  const counting = { tick: (count = 1) => { units += count; return undefined; } };
  await assert.rejects(decodeForm(limited, 'Input', form, 'ValidationError', counting), { code: 'ValidationError' });
  assert.ok(units < 10, `${units} units of work before the refusal`);
});

test('a scalar where a list belongs is refused, not decoded to an empty list', async () => {
  await assert.rejects(decodeQueryParams(model, 'Input', 'Names=x', 'ValidationError'), { code: 'ValidationError' });
});

test('map keys like __proto__ stay plain data', async () => {
  const decoded = (await decodeQueryParams(model, 'Input', 'Attributes.entry.1.key=__proto__&Attributes.entry.1.value=v', 'ValidationError')) as { Attributes: Record<string, unknown> };
  assert.equal(Object.getPrototypeOf(decoded.Attributes), Object.prototype);
  assert.deepEqual(Object.keys(decoded.Attributes), ['__proto__']);
});

test('XML answers never carry characters XML 1.0 forbids', () => {
  const forbidden = 'a\u0001b\u0000c\u001Fd\uFFFEe\uD800f';
  const xml = queryResultXml(model, 'Op', 'Output', undefined, { Text: forbidden }, 'req-1');
  assert.match(xml, /<Text>a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf<\/Text>/);
  const error = queryErrorXml(model, new AwsError('ValidationError', `Value ${forbidden} is bad`), 'req-2');
  assert.match(error, /<Message>Value a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf is bad<\/Message>/);
  // Tab, newline, carriage return and astral characters are allowed and kept.
  assert.match(queryResultXml(model, 'Op', 'Output', undefined, { Text: 'x\ty\nz\u{1F600}' }, 'r'), /<Text>x\ty\nz\u{1F600}<\/Text>/u);
});

test('the action is read ahead from the start of a form, decoded as the form decoder would, or not at all', () => {
  assert.equal(actionAhead('Action=DescribeTargetGroups&Version=2015-12-01'), 'DescribeTargetGroups');
  assert.equal(actionAhead('Version=2015-12-01&Action=Describe%54argetGroups'), 'DescribeTargetGroups');
  assert.equal(actionAhead('Version=1&XAction=Nope'), undefined, 'only a whole parameter name');
  assert.equal(actionAhead('Action=%E0%A4%A'), undefined, 'malformed escapes give no read-ahead');
  assert.equal(actionAhead(`${'A=1&'.repeat(20_000)}Action=Late`), undefined, 'an action sent after 64 KiB is not looked for');
});

test('parameters the operation does not take are not kept, and what it takes decodes the same', async () => {
  const withOp: ServiceModel = { ...model, operations: { Op: { name: 'Op', input: { shape: 'Input' } } } };
  const members = inputMembers(withOp, 'Op')!;
  assert.deepEqual([...members].sort(), ['Attributes', 'Count', 'Inner', 'Names', 'On']);
  const body = 'Action=Op&Names.member.1=a&Names.member.2=b&Unknown.member.1=x&Other=1&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Inner.Value=y';
  const kept = await readQueryForm(body, UNSLICED, members);
  assert.deepEqual([...kept.root.children!.keys()].sort(), ['Attributes', 'Inner', 'Names']);
  assert.deepEqual(await decodeForm(withOp, 'Input', kept, 'ValidationError', UNSLICED), await decodeQueryParams(withOp, 'Input', body, 'ValidationError'));
  assert.equal(inputMembers(withOp, 'NoSuchAction'), undefined);
});
