import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_KEY, loadConfig, parseAccessKeys } from './config.js';

test('defaults, then env, then flags', () => {
  const defaults = loadConfig({}, {});
  assert.equal(defaults.host, '127.0.0.1');
  assert.equal(defaults.port, 4566);
  assert.match(defaults.dataDir, /\.wharf$/);
  assert.deepEqual(defaults.accessKeys, [DEFAULT_KEY]);
  const env = loadConfig({}, { WHARF_PORT: '5000', WHARF_HOST: '0.0.0.0', WHARF_DATA_DIR: '/tmp/w' });
  assert.deepEqual([env.port, env.host, env.dataDir], [5000, '0.0.0.0', '/tmp/w']);
  const flags = loadConfig({ port: '6000', host: '::1', 'data-dir': '/tmp/f' }, { WHARF_PORT: '5000' });
  assert.deepEqual([flags.port, flags.host, flags.dataDir], [6000, '::1', '/tmp/f']);
  assert.throws(() => loadConfig({ port: '70000' }, {}), ConfigError);
});

test('WHARF_ACCESS_KEYS maps each pair to an account', () => {
  assert.deepEqual(parseAccessKeys('A:a, B:b:210987654321'), [
    { accessKeyId: 'A', secretAccessKey: 'a', account: '123456789012' },
    { accessKeyId: 'B', secretAccessKey: 'b', account: '210987654321' },
  ]);
  assert.throws(() => parseAccessKeys('justakey'), ConfigError);
  assert.throws(() => parseAccessKeys('A:a:123'), ConfigError);
});
