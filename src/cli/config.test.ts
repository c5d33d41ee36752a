import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test('timeScale: flag, then WHARF_TIME_SCALE, then the file, then 1', (t) => {
  assert.equal(loadConfig({}, {}).timeScale, 1);
  const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wharf.json');
  writeFileSync(file, JSON.stringify({ timeScale: 10 }));
  assert.equal(loadConfig({ config: file }, {}).timeScale, 10);
  assert.equal(loadConfig({ config: file }, { WHARF_TIME_SCALE: '30' }).timeScale, 30);
  assert.equal(loadConfig({ config: file, 'time-scale': '0.5' }, { WHARF_TIME_SCALE: '30' }).timeScale, 0.5);
  assert.equal(loadConfig({}, { WHARF_TIME_SCALE: '' }).timeScale, 1);
});

test('timeScale must be a positive finite number, and the error says what to pass', (t) => {
  for (const bad of ['0', '-2', 'fast', 'Infinity', 'NaN', '']) {
    assert.throws(() => loadConfig({ 'time-scale': bad }, {}), (error: unknown) => error instanceof ConfigError && /--time-scale must be a positive number/.test(error.message), bad);
  }
  assert.throws(() => loadConfig({}, { WHARF_TIME_SCALE: '-1' }), /WHARF_TIME_SCALE must be a positive number .*got '-1'/);
  const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const bad of [0, -1, 'ten', null]) {
    const file = join(dir, 'wharf.json');
    writeFileSync(file, JSON.stringify({ timeScale: bad }));
    assert.throws(() => loadConfig({ config: file }, {}), /timeScale in the config file must be a positive number/, String(bad));
  }
});

test('tasks get AWS_ENDPOINT_URL unless WHARF_TASK_ENDPOINT_URL turns it off', () => {
  assert.equal(loadConfig({}, {}).taskEndpointUrl, true);
  assert.equal(loadConfig({}, { WHARF_TASK_ENDPOINT_URL: 'on' }).taskEndpointUrl, true);
  for (const off of ['off', 'OFF', 'false', '0', 'no']) assert.equal(loadConfig({}, { WHARF_TASK_ENDPOINT_URL: off }).taskEndpointUrl, false, off);
});

test('the secrets key: WHARF_SECRETS_KEY, else a key file; a data directory key others can read stops start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-config-key-'));
  try {
    assert.equal(loadConfig({ 'data-dir': dir }, {}).secretsKey, undefined);
    const fromEnv = loadConfig({ 'data-dir': dir }, { WHARF_SECRETS_KEY: 'a'.repeat(64) }).secretsKey!;
    assert.deepEqual([fromEnv.source, fromEnv.material.toString()], ['WHARF_SECRETS_KEY', 'a'.repeat(64)]);
    const keyFile = join(dir, 'operator.key');
    writeFileSync(keyFile, Buffer.alloc(32, 7));
    assert.equal(loadConfig({ 'data-dir': dir }, { WHARF_SECRETS_KEY_FILE: keyFile }).secretsKey!.material.length, 32);
    assert.throws(() => loadConfig({ 'data-dir': dir }, { WHARF_SECRETS_KEY_FILE: join(dir, 'absent.key') }), ConfigError);

    writeFileSync(join(dir, 'secrets.key'), Buffer.alloc(32, 1), { mode: 0o644 });
    assert.throws(() => loadConfig({ 'data-dir': dir }, {}), (error: Error) => error instanceof ConfigError && /chmod 600/.test(error.message));
    rmSync(join(dir, 'secrets.key'));
    writeFileSync(join(dir, 'secrets.key'), Buffer.alloc(16, 1), { mode: 0o600 });
    assert.throws(() => loadConfig({ 'data-dir': dir }, {}), (error: Error) => error instanceof ConfigError && /exactly 32 bytes/.test(error.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ecrUriStyle: wharf unless --ecr-uri-style, WHARF_ECR_URI_STYLE or the file says aws; anything else is refused', (t) => {
  assert.equal(loadConfig({}, {}).ecrUriStyle, 'wharf');
  assert.equal(loadConfig({}, { WHARF_ECR_URI_STYLE: 'aws' }).ecrUriStyle, 'aws');
  assert.equal(loadConfig({ 'ecr-uri-style': 'wharf' }, { WHARF_ECR_URI_STYLE: 'aws' }).ecrUriStyle, 'wharf');
  const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wharf.json');
  writeFileSync(file, JSON.stringify({ ecrUriStyle: 'aws' }));
  assert.equal(loadConfig({ config: file }, {}).ecrUriStyle, 'aws');
  assert.throws(() => loadConfig({ 'ecr-uri-style': 'amazon' }, {}), (error: unknown) => error instanceof ConfigError && /--ecr-uri-style must be 'wharf'/.test(error.message));
});

test('enforceIam: off unless --enforce-iam, WHARF_ENFORCE_IAM or the file turns it on', (t) => {
  assert.equal(loadConfig({}, {}).enforceIam, false);
  assert.equal(loadConfig({}, { WHARF_ENFORCE_IAM: '1' }).enforceIam, true);
  assert.equal(loadConfig({}, { WHARF_ENFORCE_IAM: 'off' }).enforceIam, false);
  assert.equal(loadConfig({ 'enforce-iam': true } as unknown as Record<string, string>, { WHARF_ENFORCE_IAM: '0' }).enforceIam, true);
  assert.throws(() => loadConfig({}, { WHARF_ENFORCE_IAM: 'maybe' }), ConfigError);
  const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wharf.json');
  writeFileSync(file, JSON.stringify({ enforceIam: true }));
  assert.equal(loadConfig({ config: file }, {}).enforceIam, true);
  writeFileSync(file, JSON.stringify({ enforceIam: 'yes' }));
  assert.throws(() => loadConfig({ config: file }, {}), ConfigError);
});

test('store: sqlite by default; a PostgreSQL URL from the flag, WHARF_STORE or the file; anything else refused without echoing a password', (t) => {
  assert.deepEqual(loadConfig({}, {}).store, { kind: 'sqlite' });
  assert.deepEqual(loadConfig({ store: 'sqlite' }, {}).store, { kind: 'sqlite' });
  assert.deepEqual(loadConfig({}, { WHARF_STORE: 'postgres://u:p@db:5432/wharf' }).store, { kind: 'postgres', url: 'postgres://u:p@db:5432/wharf' });
  assert.deepEqual(loadConfig({ store: 'postgresql://db/w' }, { WHARF_STORE: 'sqlite' }).store, { kind: 'postgres', url: 'postgresql://db/w' });
  const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wharf.json');
  writeFileSync(file, JSON.stringify({ store: 'postgres://db/fromfile' }));
  assert.deepEqual(loadConfig({ config: file }, {}).store, { kind: 'postgres', url: 'postgres://db/fromfile' });
  assert.throws(() => loadConfig({ store: 'mysql://u:secret@db/w' }, {}), (error: Error) => error instanceof ConfigError && /--store must be/.test(error.message) && !error.message.includes('secret'));
  assert.throws(() => loadConfig({ store: 'postgres://' }, {}), ConfigError);
});

test('hosts: the config file registers remote engines, each checked as POST /_wharf/hosts checks it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-config-hosts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wharf.json');
  const load = (hosts: unknown) => {
    writeFileSync(file, JSON.stringify(hosts === undefined ? {} : { hosts }));
    return loadConfig({ config: file, 'data-dir': join(dir, 'data') }, {});
  };

  assert.deepEqual(load(undefined).hosts, []);
  assert.deepEqual(loadConfig({ 'data-dir': join(dir, 'data') }, {}).hosts, []);
  assert.deepEqual(load([]).hosts, []);

  const hosts = load([
    { name: 'engine-1', url: 'tcp://10.0.0.5:2375' },
    {
      name: 'engine-2',
      url: 'tcp://[fd00::2]:2376',
      cluster: 'batch',
      region: 'eu-west-1',
      account: '210987654321',
      attributes: [{ name: 'ecs.availability-zone', value: 'eu-west-1a' }, { name: 'gpu' }],
      tls: { caFile: 'certs/ca.pem', certFile: '/etc/wharf/cert.pem', keyFile: '../key.pem' },
      taskSubnet: '10.220.2.0/24',
    },
  ]).hosts;
  assert.deepEqual(hosts, [
    { name: 'engine-1', url: 'tcp://10.0.0.5:2375', cluster: 'default', region: 'us-east-1', account: DEFAULT_KEY.account, attributes: [] },
    {
      name: 'engine-2',
      url: 'tcp://[fd00::2]:2376',
      cluster: 'batch',
      region: 'eu-west-1',
      account: '210987654321',
      attributes: [{ name: 'ecs.availability-zone', value: 'eu-west-1a' }, { name: 'gpu' }],
      // Relative paths are the config file's folder's, as the server reads them wherever it was started.
      tls: { caFile: join(dir, 'certs/ca.pem'), certFile: '/etc/wharf/cert.pem', keyFile: join(dir, '../key.pem') },
      taskSubnet: '10.220.2.0/24',
    },
  ]);

  const refused = (value: unknown, pattern: RegExp) =>
    assert.throws(
      () => load(value),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
        assert.match(error.message, pattern);
        return true;
      },
    );
  refused({ name: 'a', url: 'tcp://a:1' }, /^hosts in the config file .*wharf\.json must be an array of host registrations/);
  refused([{ name: 'a', url: 'tcp://a:2375' }, { name: 'b', url: 'http://b:2375' }], /^hosts\[1\] in the config file .*wharf\.json: url must be tcp:\/\/ADDR:PORT/);
  refused(['engine-1'], /^hosts\[0\] in the config file .*: The host registration must be a JSON object/);
  refused([{ url: 'tcp://a:2375' }], /^hosts\[0\] .*: name is required/);
  refused([{ name: 'a', url: 'tcp://a:2375', tls: { caFile: 'ca.pem' } }], /^hosts\[0\] .*: tls needs all of caFile, certFile and keyFile .*certFile, keyFile missing/);
  refused([{ name: 'a', url: 'tcp://a:2375', tls: { caFile: 'ca.pem', certFile: 7, keyFile: 'k' } }], /^hosts\[0\] .*: tls\.certFile must be the absolute path of a PEM file .*got a number/);
  refused([{ name: 'a', url: 'tcp://a:2375', tls: 'yes' }], /^hosts\[0\] .*: tls must be a JSON object/);
  refused([{ name: 'a', url: 'tcp://a:2375', taskSubnet: '10.0.0.1/24' }], /^hosts\[0\] .*: taskSubnet .*host bits set/);
  refused([{ name: 'a', url: 'tcp://a:2375', port: 2375 }], /^hosts\[0\] .*: The host registration has unknown member "port"/);
  refused(
    [
      { name: 'a', url: 'tcp://a:2375' },
      { name: 'b', url: 'tcp://b:2375' },
      { name: 'a', url: 'tcp://c:2375' },
    ],
    /^hosts\[2\] in the config file .*: the name a is hosts\[0\]'s too; each host needs its own name\./,
  );
});
