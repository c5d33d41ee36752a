import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition, compileConditions, queryPairs, wildcardMatch, type RequestFacts } from './rule-match.js';
import type { RuleConditionRecord } from './records.js';

function request(overrides: Partial<Omit<RequestFacts, 'header'>> & { headers?: Record<string, string> } = {}): RequestFacts {
  const headers = overrides.headers ?? {};
  return {
    method: overrides.method ?? 'GET',
    path: overrides.path ?? '/',
    query: overrides.query ?? '',
    host: overrides.host ?? 'my-lb-1234567890.us-east-1.elb.localhost',
    sourceIp: overrides.sourceIp ?? '127.0.0.1',
    header: (name) => headers[name],
  };
}

const matches = (condition: RuleConditionRecord, facts: RequestFacts) => compileCondition(condition)(facts);

describe('wildcards', () => {
  test('* matches zero or more characters, ? exactly one', () => {
    assert.equal(wildcardMatch('/api/*', '/api/'), true);
    assert.equal(wildcardMatch('/api/*', '/api/v1/users'), true);
    assert.equal(wildcardMatch('/api/*', '/api'), false);
    assert.equal(wildcardMatch('/img/?.png', '/img/a.png'), true);
    assert.equal(wildcardMatch('/img/?.png', '/img/ab.png'), false);
    assert.equal(wildcardMatch('*.example.com', 'test.example.com'), true);
    assert.equal(wildcardMatch('*.example.com', 'example.com'), false);
    assert.equal(wildcardMatch('a*b*c', 'axxbyyc'), true);
    assert.equal(wildcardMatch('a*b*c', 'axxbyy'), false);
    assert.equal(wildcardMatch('*', ''), true);
    assert.equal(wildcardMatch('a*', 'a*'), true);
  });
});

describe('conditions, with ALB case rules', () => {
  test('path-pattern is case-sensitive and ignores the query string', () => {
    const condition: RuleConditionRecord = { field: 'path-pattern', pathPatternConfig: { values: ['/api/*', '/health'] } };
    assert.equal(matches(condition, request({ path: '/api/users', query: 'x=1' })), true);
    assert.equal(matches(condition, request({ path: '/health' })), true);
    assert.equal(matches(condition, request({ path: '/API/users' })), false);
    assert.equal(matches(condition, request({ path: '/other' })), false);
  });

  test('the legacy Values member works like the config', () => {
    assert.equal(matches({ field: 'path-pattern', values: ['/legacy*'] }, request({ path: '/legacy/x' })), true);
  });

  test('host-header ignores case', () => {
    const condition: RuleConditionRecord = { field: 'host-header', hostHeaderConfig: { values: ['*.Example.com'] } };
    assert.equal(matches(condition, request({ host: 'API.example.COM' })), true);
    assert.equal(matches(condition, request({ host: 'example.com' })), false);
  });

  test('http-header: name and values ignore case', () => {
    const condition: RuleConditionRecord = { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'User-Agent', values: ['*Mobile*'] } };
    assert.equal(matches(condition, request({ headers: { 'user-agent': 'Foo mobile Bar' } })), true);
    assert.equal(matches(condition, request({ headers: { 'user-agent': 'Desktop' } })), false);
    assert.equal(matches(condition, request()), false);
  });

  test('http-request-method is exact and case-sensitive', () => {
    const condition: RuleConditionRecord = { field: 'http-request-method', httpRequestMethodConfig: { values: ['POST', 'PUT'] } };
    assert.equal(matches(condition, request({ method: 'PUT' })), true);
    assert.equal(matches(condition, request({ method: 'GET' })), false);
    assert.equal(matches(condition, request({ method: 'post' })), false);
  });

  test('query-string: key/value pairs, key optional, case-insensitive, decoded', () => {
    const condition: RuleConditionRecord = { field: 'query-string', queryStringConfig: { values: [{ key: 'version', value: 'v1*' }, { value: 'example' }] } };
    assert.equal(matches(condition, request({ query: 'a=1&Version=V1.2' })), true);
    assert.equal(matches(condition, request({ query: 'q=EXAMPLE' })), true);
    assert.equal(matches(condition, request({ query: 'version=v2' })), false);
    assert.equal(matches(condition, request({ query: '' })), false);
    assert.deepEqual(queryPairs('a=x+y&b=%41&c'), [
      { key: 'a', value: 'x y' },
      { key: 'b', value: 'A' },
      { key: 'c', value: '' },
    ]);
  });

  test('source-ip: IPv4 CIDRs, IPv4-mapped addresses too', () => {
    const condition: RuleConditionRecord = { field: 'source-ip', sourceIpConfig: { values: ['127.0.0.0/8'] } };
    assert.equal(matches(condition, request({ sourceIp: '127.0.0.1' })), true);
    assert.equal(matches(condition, request({ sourceIp: '::ffff:127.0.0.2' })), true);
    assert.equal(matches(condition, request({ sourceIp: '10.0.0.1' })), false);
  });

  test('conditions are ANDed; no condition matches everything', () => {
    const both = compileConditions([
      { field: 'path-pattern', pathPatternConfig: { values: ['/api/*'] } },
      { field: 'http-request-method', httpRequestMethodConfig: { values: ['GET'] } },
    ]);
    assert.equal(both(request({ path: '/api/x' })), true);
    assert.equal(both(request({ path: '/api/x', method: 'POST' })), false);
    assert.equal(compileConditions([])(request()), true);
  });
});
