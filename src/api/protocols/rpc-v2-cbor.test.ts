import { cbor, tag } from '@smithy/core/cbor';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceModel } from '../model/shapes.js';
import { decodeCborBody, encodeCbor, parseRpcV2Path, speaksRpcV2Cbor, toCborWire } from './rpc-v2-cbor.js';

const model: ServiceModel = {
  metadata: { protocol: 'smithy-rpc-v2-cbor', protocols: ['smithy-rpc-v2-cbor', 'json'], endpointPrefix: 'x', apiVersion: '1' },
  operations: {},
  shapes: {
    Output: { type: 'structure', members: { When: { shape: 'Time' }, Data: { shape: 'Bytes' }, Values: { shape: 'Doubles' }, Count: { shape: 'Int' }, Tags: { shape: 'Tags' }, Name: { shape: 'Str' } } },
    Time: { type: 'timestamp' },
    Bytes: { type: 'blob' },
    Doubles: { type: 'list', member: { shape: 'Double' } },
    Double: { type: 'double' },
    Int: { type: 'integer' },
    Tags: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
    Str: { type: 'string' },
  },
};

test('the RPC v2 path names the service and the operation', () => {
  assert.deepEqual(parseRpcV2Path('/service/GraniteServiceVersion20100801/operation/ListMetrics'), { serviceName: 'GraniteServiceVersion20100801', operation: 'ListMetrics' });
  assert.deepEqual(parseRpcV2Path('/prefix/service/S/operation/Op?x=1'), { serviceName: 'S', operation: 'Op' });
  assert.equal(parseRpcV2Path('/'), undefined);
  assert.equal(parseRpcV2Path('/service/S/operation/'), undefined);
  assert.equal(parseRpcV2Path('/service/%E0%A4%A/operation/Op'), undefined);
  assert.equal(speaksRpcV2Cbor(model), true);
  assert.equal(speaksRpcV2Cbor({ ...model, metadata: { protocol: 'json', endpointPrefix: 'x', apiVersion: '1' } }), false);
});

test('request bodies: tag 1 becomes a Date, byte strings stay bytes, empty is {}', () => {
  const body = cbor.serialize({ When: tag({ tag: 1, value: 1700000000.25 }), Data: new Uint8Array([1, 2, 3]), Nested: [{ At: tag({ tag: 1, value: 60 }) }], Gone: null });
  const decoded = decodeCborBody(body);
  assert.deepEqual(decoded.When, new Date(1700000000250));
  assert.deepEqual([...(decoded.Data as Uint8Array)], [1, 2, 3]);
  assert.deepEqual(decoded.Nested, [{ At: new Date(60_000) }]);
  assert.equal(decoded.Gone, null);
  assert.deepEqual(decodeCborBody(new Uint8Array()), {});
});

test('malformed or non-map bodies are SerializationException', () => {
  for (const bytes of [Uint8Array.of(0xff), Uint8Array.of(0xa1, 0x61), Uint8Array.of(0xbf), cbor.serialize([1]), cbor.serialize('text'), cbor.serialize(5), cbor.serialize(new Uint8Array([1])), cbor.serialize({ a: tag({ tag: 99, value: 1 }) }), cbor.serialize(tag({ tag: 1, value: 5 }))]) {
    assert.throws(() => decodeCborBody(bytes), { code: 'SerializationException' }, Buffer.from(bytes).toString('hex'));
  }
});

test('outputs: modelled members only, timestamps as tag 1 seconds, blobs as bytes, NaN kept', () => {
  const wire = toCborWire(model, 'Output', {
    When: new Date(1700000000500),
    Data: Buffer.from('hello').toString('base64'),
    Values: [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2],
    Count: 3,
    Tags: { a: 'b' },
    Name: undefined,
    internal: 'secret',
  });
  const decoded = cbor.deserialize(encodeCbor(wire));
  assert.deepEqual(Object.keys(decoded).sort(), ['Count', 'Data', 'Tags', 'Values', 'When']);
  assert.equal(decoded.When.tag, 1);
  assert.equal(decoded.When.value, 1700000000.5);
  assert.equal(Buffer.from(decoded.Data).toString(), 'hello');
  assert.deepEqual(decoded.Values, [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2]);
  assert.deepEqual(decoded.Tags, { a: 'b' });
  assert.deepEqual(cbor.deserialize(encodeCbor(toCborWire(model, 'Output', undefined))), {});
  // Epoch milliseconds and ISO strings from handlers are timestamps too.
  assert.equal(cbor.deserialize(encodeCbor(toCborWire(model, 'Output', { When: 60_000 }))).When.value, 60);
  assert.equal(cbor.deserialize(encodeCbor(toCborWire(model, 'Output', { When: '1970-01-01T00:00:01Z' }))).When.value, 1);
});
