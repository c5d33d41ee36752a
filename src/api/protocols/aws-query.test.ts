import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '../../domain/errors.js';
import type { ServiceModel } from '../model/shapes.js';
import { decodeQueryParams, queryErrorXml, queryResultXml } from './aws-query.js';

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

test('flattened query keys decode into the JSON shape', () => {
  const params = new URLSearchParams('Action=Op&Version=1&Names.member.2=b&Names.member.1=a&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Count=3&On=true&Inner.Value=x');
  assert.deepEqual(decodeQueryParams(model, 'Input', params, 'ValidationError'), { Names: ['a', 'b'], Attributes: { k: 'v' }, Count: 3, On: true, Inner: { Value: 'x' } });
  assert.deepEqual(decodeQueryParams(model, 'Input', new URLSearchParams('Names='), 'ValidationError'), { Names: [] });
  assert.throws(() => decodeQueryParams(model, 'Input', new URLSearchParams('Count=many'), 'ValidationError'), { code: 'ValidationError' });
});

test('results and errors are AWS Query XML', () => {
  const xml = queryResultXml(model, 'Op', 'Output', undefined, { Names: ['a', 'b'], When: new Date(0), On: false, Text: '<&>' }, 'req-1');
  assert.match(xml, /^<OpResponse xmlns="https:\/\/example.com\/doc\/1\/"><OpResult><Names><member>a<\/member><member>b<\/member><\/Names><When>1970-01-01T00:00:00.000Z<\/When><On>false<\/On><Text>&lt;&amp;&gt;<\/Text><\/OpResult><ResponseMetadata><RequestId>req-1<\/RequestId><\/ResponseMetadata><\/OpResponse>$/);
  const error = queryErrorXml(model, new AwsError('InvalidClientTokenId', 'bad <token>', { status: 403 }), 'req-2');
  assert.match(error, /<Error><Type>Sender<\/Type><Code>InvalidClientTokenId<\/Code><Message>bad &lt;token&gt;<\/Message><\/Error><RequestId>req-2<\/RequestId>/);
});

test('decoding is linear: 32,000 list members decode in well under a second', () => {
  const limited: ServiceModel = { ...model, shapes: { ...model.shapes, Targets: { type: 'list', member: { shape: 'Target' } }, Target: { type: 'structure', members: { Id: { shape: 'Str' }, Port: { shape: 'Int' } } }, Input: { type: 'structure', members: { Targets: { shape: 'Targets' } } } } };
  const parts = ['Action=Op'];
  for (let i = 1; i <= 32_000; i++) parts.push(`Targets.member.${i}.Id=10.0.${i % 256}.${i % 200}&Targets.member.${i}.Port=${i}`);
  const params = new URLSearchParams(parts.join('&'));
  const started = process.hrtime.bigint();
  const decoded = decodeQueryParams(limited, 'Input', params, 'ValidationError') as { Targets: { Id: string; Port: number }[] };
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(decoded.Targets.length, 32_000);
  assert.deepEqual(decoded.Targets[31_999], { Id: '10.0.0.0', Port: 32_000 });
  // The quadratic decoder took 27 s here; a linear one takes tens of milliseconds.
  assert.ok(elapsedMs < 1000, `decoding took ${elapsedMs} ms`);
});

test('a list longer than its limit is refused before its members are decoded', () => {
  const limited: ServiceModel = { ...model, shapes: { ...model.shapes, Names: { type: 'list', member: { shape: 'Int' }, max: 2 } } };
  // Members that would fail to decode: the count is checked first.
  assert.throws(() => decodeQueryParams(limited, 'Input', new URLSearchParams('Names.member.1=x&Names.member.2=y&Names.member.3=z'), 'ValidationError'), {
    code: 'ValidationError',
    message: "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 2",
  });
  const tooMany = new AwsError('TooManyTargets', 'too many');
  assert.throws(() => decodeQueryParams(model, 'Input', new URLSearchParams('Names.member.1=a&Names.member.2=b'), 'ValidationError', { listLimits: new Map([['Names', { max: 1, error: () => tooMany }]]) }), tooMany);
});

test('a scalar where a list belongs is refused, not decoded to an empty list', () => {
  assert.throws(() => decodeQueryParams(model, 'Input', new URLSearchParams('Names=x'), 'ValidationError'), { code: 'ValidationError' });
});

test('map keys like __proto__ stay plain data', () => {
  const decoded = decodeQueryParams(model, 'Input', new URLSearchParams('Attributes.entry.1.key=__proto__&Attributes.entry.1.value=v'), 'ValidationError') as { Attributes: Record<string, unknown> };
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
