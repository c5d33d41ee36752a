import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceModel } from './shapes.js';
import { validateInput } from './validate-input.js';
import { toJsonWire } from './serialize-output.js';

const model: ServiceModel = {
  metadata: { protocol: 'json', endpointPrefix: 'x', apiVersion: '1' },
  operations: {},
  shapes: {
    Input: {
      type: 'structure',
      required: ['name'],
      members: { name: { shape: 'Name' }, count: { shape: 'Count' }, mode: { shape: 'Mode' }, items: { shape: 'Items' }, when: { shape: 'When' }, labels: { shape: 'Labels' }, flag: { shape: 'Flag' } },
    },
    Name: { type: 'string', min: 1, max: 5, pattern: '^[a-z]+$' },
    Count: { type: 'integer', min: 1, max: 10 },
    Mode: { type: 'string', enum: ['ON', 'OFF'] },
    Items: { type: 'list', member: { shape: 'Item' }, max: 2 },
    Item: { type: 'structure', required: ['id'], members: { id: { shape: 'Name' } } },
    When: { type: 'timestamp' },
    Labels: { type: 'map', key: { shape: 'Name' }, value: { shape: 'Name' } },
    Flag: { type: 'boolean' },
  },
};

const check = (input: unknown) => validateInput(model, 'Input', input, 'ValidationException');

test('valid input passes, unknown members are dropped, timestamps become Dates', async () => {
  const out = (await check({ name: 'abc', count: 3, mode: 'ON', items: [{ id: 'x' }], when: 1700000000.5, labels: { ab: 'cd' }, extra: true })) as Record<string, unknown>;
  assert.equal(out.name, 'abc');
  assert.equal(out.extra, undefined);
  assert.deepEqual(out.when, new Date(1700000000500));
});

test('wrong JSON types are SerializationException at once', async () => {
  for (const input of [{ name: 5 }, { name: 'a', count: '3' }, { name: 'a', count: 1.5 }, { name: 'a', items: {} }, { name: 'a', flag: 'yes' }, { name: 'a', labels: [] }, []]) {
    await assert.rejects(check(input), { code: 'SerializationException' }, JSON.stringify(input));
  }
});

test('constraint violations are collected in the Coral form', async () => {
  await assert.rejects(check({}), { code: 'ValidationException', message: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null" });
  await assert.rejects(check({ name: 'ABCDEFG', count: 0, mode: 'MAYBE', items: [{}, { id: 'a' }, { id: 'b' }] }), (error: Error) => {
    assert.match(error.message, /^6 validation errors detected: /);
    assert.match(error.message, /Value 'ABCDEFG' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5/);
    assert.match(error.message, /Value 'ABCDEFG' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: \^\[a-z\]\+\$/);
    assert.match(error.message, /Value '0' at 'count' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    assert.match(error.message, /Value 'MAYBE' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: \[ON, OFF\]/);
    assert.match(error.message, /Value at 'items' failed to satisfy constraint: Member must have length less than or equal to 2/);
    assert.match(error.message, /Value null at 'items.1.member.id' failed to satisfy constraint: Member must not be null/);
    return true;
  });
});

test('output keeps only modelled members and writes timestamps as epoch seconds', () => {
  const wire = toJsonWire(model, 'Input', { name: 'a', secret: 'internal', when: 1700000000500, items: [{ id: 'x', hidden: 1 }], count: undefined });
  assert.deepEqual(wire, { name: 'a', when: 1700000000.5, items: [{ id: 'x' }] });
  assert.deepEqual(toJsonWire(model, 'Input', { when: new Date(0) }), { when: 0 });
  assert.deepEqual(toJsonWire(model, 'Input', { when: '1970-01-01T00:00:01.000Z' }), { when: 1 });
});

test('Java\'s POSIX classes in patterns mean what Java means (Application Auto Scaling\'s \\p{Print}+ policy names)', async () => {
  const printable: ServiceModel = {
    ...model,
    shapes: { Input: { type: 'structure', members: { name: { shape: 'Name' } } }, Name: { type: 'string', pattern: '\\p{Print}+' } },
  };
  assert.deepEqual(await validateInput(printable, 'Input', { name: 'cpu-scaling 70%' }, 'ValidationException'), { name: 'cpu-scaling 70%' });
  await assert.rejects(validateInput(printable, 'Input', { name: '\u0007' }, 'ValidationException'), { code: 'ValidationException' });
});

test('CBOR values: Dates are timestamps, byte strings become base64, doubles may be NaN or infinite', async () => {
  const cborModel: ServiceModel = {
    ...model,
    shapes: { In: { type: 'structure', members: { at: { shape: 'When' }, data: { shape: 'Data' }, value: { shape: 'Value' } } }, When: { type: 'timestamp' }, Data: { type: 'blob' }, Value: { type: 'double', min: 0 } },
  };
  const out = (await validateInput(cborModel, 'In', { at: new Date(5000), data: new Uint8Array([104, 105]), value: Number.NaN }, 'ValidationException')) as Record<string, unknown>;
  assert.deepEqual(out, { at: new Date(5000), data: 'aGk=', value: Number.NaN });
  for (const [text, number] of [['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY], ['-Infinity', Number.NEGATIVE_INFINITY]] as const) {
    assert.deepEqual(await validateInput(cborModel, 'In', { value: text }, 'ValidationException'), { value: number });
  }
  await assert.rejects(validateInput(cborModel, 'In', { value: 'five' }, 'ValidationException'), { code: 'SerializationException' });
  await assert.rejects(validateInput(cborModel, 'In', { at: new Date(Number.NaN) }, 'ValidationException'), { code: 'SerializationException' });
  await assert.rejects(validateInput(cborModel, 'In', { value: -1 }, 'ValidationException'), { code: 'ValidationException' });
});

test('JSON output writes non-finite doubles as the strings AWS JSON uses', () => {
  const jsonModel: ServiceModel = { ...model, shapes: { Out: { type: 'structure', members: { values: { shape: 'Values' } } }, Values: { type: 'list', member: { shape: 'Value' } }, Value: { type: 'double' } } };
  assert.deepEqual(toJsonWire(jsonModel, 'Out', { values: [1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] }), { values: [1.5, 'NaN', 'Infinity', '-Infinity'] });
});

test('a pattern must match the whole value, as Java matches() does', async () => {
  const patterned: ServiceModel = {
    metadata: { protocol: 'json', endpointPrefix: 'x', apiVersion: '1' },
    operations: {},
    shapes: {
      Input: { type: 'structure', members: { Description: { shape: 'Description' }, Choice: { shape: 'Choice' } } },
      Description: { type: 'string', pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*' },
      Choice: { type: 'string', pattern: 'ab|cd' },
    },
  };
  assert.deepEqual(await validateInput(patterned, 'Input', { Description: 'plain text', Choice: 'cd' }, 'ValidationError'), { Description: 'plain text', Choice: 'cd' });
  await assert.rejects(validateInput(patterned, 'Input', { Description: 'a\u0001b' }, 'ValidationError', { lowerCamelPaths: true }), {
    code: 'ValidationError',
    message: "1 validation error detected: Value 'a\u0001b' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
  });
  // The alternation is anchored as a whole: neither 'abx' nor 'xcd' passes.
  await assert.rejects(validateInput(patterned, 'Input', { Choice: 'abx' }, 'ValidationError'), { code: 'ValidationError' });
  await assert.rejects(validateInput(patterned, 'Input', { Choice: 'xcd' }, 'ValidationError'), { code: 'ValidationError' });
});
