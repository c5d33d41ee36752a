import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HealthCheckSettings, TargetGroupRecord, TargetHealthRecord } from './records.js';
import { algorithmOf, forwardTargetGroups, pickLeastOutstanding, pickWeighted, redirectLocation, redirectStatus, routableTargets, rulesInPriorityOrder, terminalAction } from './routing.js';

const HEALTH: HealthCheckSettings = { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200' };

function group(targets: { id: string; port: number; deregisteredAt?: number }[], healthCheck = HEALTH): Pick<TargetGroupRecord, 'targets' | 'healthCheck'> {
  return { healthCheck, targets: targets.map((target) => ({ ...target, registeredAt: 0 })) };
}

function health(states: Record<string, 'initial' | 'healthy' | 'unhealthy'>): TargetHealthRecord {
  return { targetGroupArn: 'tg', targets: Object.fromEntries(Object.entries(states).map(([key, state]) => [key, { state, changedAt: 0 }])) };
}

describe('actions and rules', () => {
  test('rules run by priority, lowest first', () => {
    assert.deepEqual(rulesInPriorityOrder([{ priority: 20 }, { priority: 3 }, { priority: 10 }]).map((rule) => rule.priority), [3, 10, 20]);
  });

  test('the terminal action with the lowest order answers', () => {
    const action = terminalAction([
      { type: 'fixed-response', order: 2, fixedResponseConfig: { statusCode: '200' } },
      { type: 'forward', order: 1, targetGroupArn: 'a' },
    ]);
    assert.equal(action?.type, 'forward');
  });

  test('a forward names one group or weighted groups', () => {
    assert.deepEqual(forwardTargetGroups({ type: 'forward', targetGroupArn: 'a' }), [{ targetGroupArn: 'a', weight: 1 }]);
    assert.deepEqual(forwardTargetGroups({ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: 'a', weight: 3 }, { targetGroupArn: 'b' }] } }), [
      { targetGroupArn: 'a', weight: 3 },
      { targetGroupArn: 'b', weight: 1 },
    ]);
  });
});

describe('choosing', () => {
  test('smooth weighted round robin keeps the ratio and interleaves', () => {
    const state: number[] = [];
    const picks = Array.from({ length: 6 }, () => pickWeighted([2, 1], state));
    assert.deepEqual(picks, [0, 1, 0, 0, 1, 0]);
    assert.equal(pickWeighted([0, 0], []), -1);
    const zeroWeighted: number[] = [];
    assert.deepEqual(Array.from({ length: 3 }, () => pickWeighted([0, 5], zeroWeighted)), [1, 1, 1]);
  });

  test('least outstanding requests: fewest in flight, ties take turns from the cursor', () => {
    assert.equal(pickLeastOutstanding([3, 1, 2], 0), 1);
    assert.equal(pickLeastOutstanding([0, 0, 0], 2), 2);
    assert.equal(pickLeastOutstanding([1, 0, 0], 0), 1);
  });

  test('the algorithm attribute', () => {
    assert.equal(algorithmOf({ attributes: { 'load_balancing.algorithm.type': 'least_outstanding_requests' } }), 'least_outstanding_requests');
    assert.equal(algorithmOf({ attributes: {} }), 'round_robin');
  });
});

describe('routable targets', () => {
  const targets = [
    { id: '10.0.0.1', port: 80 },
    { id: '10.0.0.2', port: 80 },
    { id: '10.0.0.3', port: 80, deregisteredAt: 5 },
  ];

  test('only healthy registered targets', () => {
    const routable = routableTargets(group(targets), health({ '10.0.0.1:80': 'healthy', '10.0.0.2:80': 'unhealthy', '10.0.0.3:80': 'healthy' }));
    assert.deepEqual(routable.map((target) => target.id), ['10.0.0.1']);
  });

  test('none healthy: fail open to every registered target (never a draining one)', () => {
    const routable = routableTargets(group(targets), health({ '10.0.0.1:80': 'unhealthy', '10.0.0.2:80': 'initial' }));
    assert.deepEqual(routable.map((target) => target.id), ['10.0.0.1', '10.0.0.2']);
  });

  test('health checks disabled: every registered target', () => {
    const routable = routableTargets(group(targets, { ...HEALTH, enabled: false }), health({ '10.0.0.1:80': 'unhealthy' }));
    assert.deepEqual(routable.map((target) => target.id), ['10.0.0.1', '10.0.0.2']);
  });

  test('nothing registered: nothing routable', () => {
    assert.deepEqual(routableTargets(group([{ id: '10.0.0.3', port: 80, deregisteredAt: 5 }]), undefined), []);
  });
});

describe('redirects', () => {
  const request = { protocol: 'http', host: 'my-lb.elb.localhost', port: '8080', path: '/a/b', query: 'x=1' };

  test('every component defaults to its placeholder', () => {
    assert.equal(redirectLocation({ statusCode: 'HTTP_302' }, request), 'http://my-lb.elb.localhost:8080/a/b?x=1');
  });

  test('HTTP to HTTPS on 443', () => {
    assert.equal(redirectLocation({ protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' }, request), 'https://my-lb.elb.localhost:443/a/b?x=1');
    assert.equal(redirectStatus({ statusCode: 'HTTP_301' }), 301);
    assert.equal(redirectStatus({ statusCode: 'HTTP_302' }), 302);
  });

  test('placeholders inside components, and an empty query drops the ?', () => {
    assert.equal(
      redirectLocation({ host: 'new.#{host}', path: '/v2/#{path}', query: '', statusCode: 'HTTP_302' }, request),
      'http://new.my-lb.elb.localhost:8080/v2/a/b',
    );
    assert.equal(redirectLocation({ query: 'from=#{path}&#{query}', statusCode: 'HTTP_302' }, { ...request, path: '/' }), 'http://my-lb.elb.localhost:8080/?from=&x=1');
  });
});
