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
