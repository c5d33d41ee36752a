import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePluginArguments } from './arguments.js';

const session = { sessionId: 'ecs-execute-command-0123456789abcdef0', streamUrl: 'ws://127.0.0.1:1/x', tokenValue: 't' };

test('no arguments: the line the aws CLI checks the plugin with', () => {
  assert.deepEqual(parsePluginArguments([], {}), { kind: 'print', text: '\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n\n', exitCode: 0 });
  const version = parsePluginArguments(['--version'], {});
  assert.equal(version.kind, 'print');
  assert.match((version as { text: string }).text, /^\d+\.\d+\.\d+\.\d+\n$/);
});

test('the aws CLI v2 and v1 form: session json, region, StartSession, profile, parameters, endpoint', () => {
  const parsed = parsePluginArguments([JSON.stringify(session), 'us-east-1', 'StartSession', '', JSON.stringify({ Target: 'ecs:c_t_r' }), 'http://127.0.0.1:1'], {});
  assert.deepEqual(parsed, {
    kind: 'start',
    session: { SessionId: session.sessionId, StreamUrl: session.streamUrl, TokenValue: 't' },
    region: 'us-east-1',
    profile: '',
    target: 'ecs:c_t_r',
    endpoint: 'http://127.0.0.1:1',
  });
});

test('the older four-argument form, SSM\'s PascalCase response and the response in an environment variable', () => {
  const pascal = JSON.stringify({ SessionId: 's', StreamUrl: 'ws://h/x', TokenValue: 'v' });
  assert.equal(parsePluginArguments([pascal, 'eu-west-1', 'StartSession'], {}).kind, 'start');
  const fromEnv = parsePluginArguments(['AWS_SSM_START_SESSION_RESPONSE_1', 'eu-west-1', 'StartSession', 'p'], { AWS_SSM_START_SESSION_RESPONSE_1: pascal });
  assert.equal(fromEnv.kind === 'start' && fromEnv.session.SessionId, 's');
});

test('other operations and broken input are reported as the plugin does', () => {
  assert.deepEqual(parsePluginArguments(['x', 'y', 'Other'], {}), { kind: 'print', text: 'Invalid Operation', exitCode: 0 });
  assert.match((parsePluginArguments(['nope'], {}) as { text: string }).text, /Unknown operation nope/);
  assert.match((parsePluginArguments(['{', 'r', 'StartSession'], {}) as { text: string }).text, /^Cannot perform start session/);
});
