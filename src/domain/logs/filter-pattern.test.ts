import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFilter, parseFilterPattern } from './filter-pattern.js';

const matches = (pattern: string, message: string) => matchesFilter(parseFilterPattern(pattern), message);

test('an empty pattern matches everything', () => {
  assert.equal(matches('', 'anything'), true);
  assert.equal(matches('  ', ''), true);
});

test('terms: all must appear, case-sensitive', () => {
  assert.equal(matches('ERROR', 'an ERROR here'), true);
  assert.equal(matches('ERROR', 'an error here'), false);
  assert.equal(matches('ERROR timeout', 'ERROR: db timeout'), true);
  assert.equal(matches('ERROR timeout', 'ERROR: db refused'), false);
});

test('quoted phrases', () => {
  assert.equal(matches('"connection refused"', 'dial: connection refused'), true);
  assert.equal(matches('"connection refused"', 'connection was refused'), false);
  assert.equal(matches('"say \\"hi\\""', 'they say "hi" twice'), true);
});

test('?alternatives: any one', () => {
  assert.equal(matches('?ERROR ?WARN', 'WARN disk'), true);
  assert.equal(matches('?ERROR ?WARN', 'INFO ok'), false);
  assert.equal(matches('?"bad gateway" ?ERROR', 'upstream bad gateway'), true);
});

test('-exclusions', () => {
  assert.equal(matches('ERROR -healthcheck', 'ERROR in healthcheck'), false);
  assert.equal(matches('ERROR -healthcheck', 'ERROR in handler'), true);
  assert.equal(matches('-"GET /health"', 'GET /health 200'), false);
});

test('JSON: equality, strings, wildcards, numbers', () => {
  const line = JSON.stringify({ level: 'error', latency: 750, user: { id: 'u-42', tags: ['a', 'b'] }, ok: false, gone: null });
  assert.equal(matches('{ $.level = "error" }', line), true);
  assert.equal(matches('{ $.level = error }', line), true);
  assert.equal(matches('{ $.level = "warn" }', line), false);
  assert.equal(matches('{ $.level != "warn" }', line), true);
  assert.equal(matches('{ $.user.id = "u-*" }', line), true);
  assert.equal(matches('{ $.user.id = u-4* }', line), true);
  assert.equal(matches('{ $.user.tags[1] = "b" }', line), true);
  assert.equal(matches('{ $.latency > 500 }', line), true);
  assert.equal(matches('{ $.latency >= 750 }', line), true);
  assert.equal(matches('{ $.latency < 750 }', line), false);
  assert.equal(matches('{ $.latency <= 750 }', line), true);
  assert.equal(matches('{ $.latency = 750 }', line), true);
  assert.equal(matches('{ $.missing != "x" }', line), false);
  assert.equal(matches('{ $.ok IS FALSE }', line), true);
  assert.equal(matches('{ $.gone IS NULL }', line), true);
  assert.equal(matches('{ $.missing NOT EXISTS }', line), true);
  assert.equal(matches('{ $.level NOT EXISTS }', line), false);
  assert.equal(matches('{ $.level = "error" }', 'not json'), false);
});

test('JSON: && and || with parentheses', () => {
  const line = JSON.stringify({ a: 1, b: 'x', c: true });
  assert.equal(matches('{ $.a = 1 && $.b = "x" }', line), true);
  assert.equal(matches('{ $.a = 2 && $.b = "x" }', line), false);
  assert.equal(matches('{ $.a = 2 || $.b = "x" }', line), true);
  assert.equal(matches('{ $.a = 2 || ($.b = "y" || $.c IS TRUE) }', line), true);
  assert.equal(matches('{ ($.a = 1 || $.a = 2) && $.b = "z" }', line), false);
});

test('invalid patterns are refused with InvalidParameterException', () => {
  for (const bad of ['{ $.a = }', '{ $.a }', '{ $.a > "x" }', '{ $.a = 1', '"unterminated', '{ a = 1 }', '{ $.a = 1 && }']) {
    assert.throws(() => parseFilterPattern(bad), (error: Error & { code?: string }) => error.code === 'InvalidParameterException' && /Invalid filter pattern/.test(error.message), bad);
  }
});
