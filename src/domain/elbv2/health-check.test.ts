import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextHealth, parseMatcher, registeredTracker, resumedTracker, statusMatches, type ProbeResult, type TargetHealthTracker } from './health-check.js';

const SETTINGS = { healthyThresholdCount: 3, unhealthyThresholdCount: 2 };
const OK: ProbeResult = { kind: 'status', status: 200 };
const ERROR500: ProbeResult = { kind: 'status', status: 500 };

/** Feeds results one second apart from t=1000 (a fake clock) and returns the trackers after each. */
function run(start: TargetHealthTracker, results: ProbeResult[], matcher = '200'): { tracker: TargetHealthTracker; changed: boolean }[] {
  const ranges = parseMatcher(matcher)!;
  const steps: { tracker: TargetHealthTracker; changed: boolean }[] = [];
  let tracker = start;
  results.forEach((result, i) => {
    const step = nextHealth(tracker, result, SETTINGS, ranges, 1000 * (i + 2));
    steps.push(step);
    tracker = step.tracker;
  });
  return steps;
}

describe('matcher', () => {
  test('single codes, lists and ranges', () => {
    assert.deepEqual(parseMatcher('200'), [[200, 200]]);
    assert.deepEqual(parseMatcher('200,202'), [[200, 200], [202, 202]]);
    assert.deepEqual(parseMatcher('200-299'), [[200, 299]]);
    assert.equal(statusMatches(parseMatcher('200-299,302')!, 302), true);
    assert.equal(statusMatches(parseMatcher('200-299,302')!, 301), false);
    assert.equal(parseMatcher('abc'), undefined);
    assert.equal(parseMatcher('299-200'), undefined);
  });
});

describe('health transitions', () => {
  test('a new target: registration in progress, initial checking, healthy at the threshold', () => {
    const start = registeredTracker(1000);
    assert.equal(start.observation.reasonCode, 'Elb.RegistrationInProgress');
    const steps = run(start, [OK, OK, OK, OK]);
    assert.deepEqual(steps.map((step) => [step.tracker.observation.state, step.changed]), [
      ['initial', true],
      ['initial', false],
      ['healthy', true],
      ['healthy', false],
    ]);
    assert.equal(steps[0]!.tracker.observation.reasonCode, 'Elb.InitialHealthChecking');
    assert.equal(steps[2]!.tracker.observation.reasonCode, undefined);
    assert.equal(steps[2]!.tracker.observation.changedAt, 4000);
  });

  test('healthy -> unhealthy after consecutive failures, with the codes seen', () => {
    const steps = run(resumedTracker({ state: 'healthy', changedAt: 0 }), [ERROR500, OK, ERROR500, ERROR500]);
    assert.deepEqual(steps.map((step) => step.tracker.observation.state), ['healthy', 'healthy', 'healthy', 'unhealthy']);
    const last = steps[3]!.tracker.observation;
    assert.equal(last.reasonCode, 'Target.ResponseCodeMismatch');
    assert.equal(last.description, 'Health checks failed with these codes: [500]');
  });

  test('timeouts and connection errors have their own reasons', () => {
    const timedOut = run(resumedTracker({ state: 'healthy', changedAt: 0 }), [{ kind: 'timeout' }, { kind: 'timeout' }]);
    assert.equal(timedOut[1]!.tracker.observation.reasonCode, 'Target.Timeout');
    assert.equal(timedOut[1]!.tracker.observation.description, 'Request timed out');
    const refused = run(registeredTracker(0), [{ kind: 'error' }, { kind: 'error' }]);
    assert.deepEqual(refused.map((step) => step.tracker.observation.state), ['initial', 'unhealthy']);
    assert.equal(refused[1]!.tracker.observation.reasonCode, 'Target.FailedHealthChecks');
  });

  test('unhealthy -> healthy after the healthy threshold; a failure restarts the count', () => {
    const steps = run(resumedTracker({ state: 'unhealthy', reasonCode: 'Target.Timeout', description: 'Request timed out', changedAt: 0 }), [OK, OK, { kind: 'timeout' }, OK, OK, OK]);
    assert.deepEqual(steps.map((step) => step.tracker.observation.state), ['unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'healthy']);
  });

  test('a changed failure code is a change worth writing; the same one is not', () => {
    const steps = run(resumedTracker({ state: 'healthy', changedAt: 0 }), [ERROR500, ERROR500, ERROR500, { kind: 'status', status: 503 }]);
    assert.deepEqual(steps.map((step) => step.changed), [false, true, false, true]);
    assert.equal(steps[3]!.tracker.observation.description, 'Health checks failed with these codes: [503]');
  });

  test('a range matcher accepts any code in it', () => {
    const steps = run(registeredTracker(0), [{ kind: 'status', status: 204 }, { kind: 'status', status: 299 }, { kind: 'status', status: 200 }], '200-299');
    assert.equal(steps[2]!.tracker.observation.state, 'healthy');
  });
});
