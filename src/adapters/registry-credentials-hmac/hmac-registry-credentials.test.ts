import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HmacRegistryCredentials, REGISTRY_TOKEN_LIFETIME_MS } from './hmac-registry-credentials.js';

const now = new Date('2030-01-01T00:00:00Z');

test('a minted password verifies to its account and region until it expires 12 hours later', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-cred-'));
  try {
    const credentials = HmacRegistryCredentials.inDataDir(dir);
    const { password, expiresAt } = credentials.mint('123456789012', 'eu-west-1', now);
    assert.equal(expiresAt.getTime() - now.getTime(), REGISTRY_TOKEN_LIFETIME_MS);
    assert.ok(!password.includes(':'));
    assert.deepEqual(credentials.verify(password, now), { account: '123456789012', region: 'eu-west-1' });
    assert.deepEqual(credentials.verify(password, new Date(expiresAt.getTime() - 1)), { account: '123456789012', region: 'eu-west-1' });
    assert.equal(credentials.verify(password, expiresAt), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the secret is kept in the data directory with mode 0600 and survives a restart; another directory refuses the token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-cred-'));
  const other = mkdtempSync(join(tmpdir(), 'wharf-cred-'));
  try {
    const { password } = HmacRegistryCredentials.inDataDir(dir).mint('123456789012', 'us-east-1', now);
    assert.equal(statSync(join(dir, 'registry-secret')).mode & 0o777, 0o600);
    assert.deepEqual(HmacRegistryCredentials.inDataDir(dir).verify(password, now), { account: '123456789012', region: 'us-east-1' });
    assert.equal(HmacRegistryCredentials.inDataDir(other).verify(password, now), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
});

test('forged, altered or malformed passwords are refused', () => {
  const credentials = new HmacRegistryCredentials(Buffer.alloc(32, 7));
  const { password } = credentials.mint('123456789012', 'us-east-1', now);
  const [version, payload, signature] = password.split('.') as [string, string, string];
  const otherPayload = Buffer.from(`999999999999|us-east-1|${now.getTime() + 1000}`).toString('base64url');
  for (const bad of ['', 'AWS', password + 'x', `${version}.${otherPayload}.${signature}`, `${version}.${payload}.${signature.slice(1)}`, `v0.${payload}.${signature}`, `${version}.${payload}`]) {
    assert.equal(credentials.verify(bad, now), undefined, bad);
  }
});
