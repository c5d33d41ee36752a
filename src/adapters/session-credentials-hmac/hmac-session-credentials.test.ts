import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HmacSessionCredentials } from './hmac-session-credentials.js';

const now = new Date('2030-01-01T00:00:00Z');
const identity = { account: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/app/ecsTaskRole', sessionName: 'task-1' };

test('minted credentials look like AWS temporary keys and verify to their session and expiry', () => {
  const sessions = new HmacSessionCredentials(Buffer.alloc(32, 1));
  const minted = sessions.mint(identity, now, 3600);
  assert.match(minted.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.equal(minted.secretAccessKey.length, 40);
  assert.equal(minted.expiration.toISOString(), '2030-01-01T01:00:00.000Z');
  const verified = sessions.verify(minted.accessKeyId, minted.sessionToken);
  assert.deepEqual(verified, { identity, secretAccessKey: minted.secretAccessKey, expiration: minted.expiration });
  // Expiry is the verifier's business: a token minted long ago still verifies, with its past expiration.
  const old = sessions.mint(identity, new Date('2000-01-01T00:00:00Z'), 900);
  assert.equal(sessions.verify(old.accessKeyId, old.sessionToken)?.expiration.toISOString(), '2000-01-01T00:15:00.000Z');
  assert.notEqual(sessions.mint(identity, now, 3600).accessKeyId, minted.accessKeyId);
});

test('the key lives in the data directory with mode 0600: a restarted Wharf accepts earlier tokens, another directory does not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-sts-'));
  const other = mkdtempSync(join(tmpdir(), 'wharf-sts-'));
  try {
    const minted = HmacSessionCredentials.inDataDir(dir).mint(identity, now, 900);
    assert.equal(statSync(join(dir, 'sts.key')).mode & 0o777, 0o600);
    assert.equal(HmacSessionCredentials.inDataDir(dir).verify(minted.accessKeyId, minted.sessionToken)?.secretAccessKey, minted.secretAccessKey);
    assert.equal(HmacSessionCredentials.inDataDir(other).verify(minted.accessKeyId, minted.sessionToken), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
});

test('altered, forged, truncated or borrowed tokens are refused', () => {
  const sessions = new HmacSessionCredentials(Buffer.alloc(32, 2));
  const minted = sessions.mint(identity, now, 900);
  const another = sessions.mint(identity, now, 900);
  const raw = Buffer.from(minted.sessionToken, 'base64');
  const flipped = Buffer.from(raw);
  flipped[flipped.length - 3] ^= 1;
  const forgedPayload = Buffer.from(JSON.stringify({ k: minted.accessKeyId, a: '999999999999', r: identity.roleArn, s: 'x', e: now.getTime() + 1e9 }));
  const forged = Buffer.concat([raw.subarray(0, 33), forgedPayload]).toString('base64');
  const wrongVersion = Buffer.concat([Buffer.from([9]), raw.subarray(1)]).toString('base64');
  for (const token of ['', 'not base64!', flipped.toString('base64'), forged, wrongVersion, raw.subarray(0, 20).toString('base64'), minted.sessionToken + 'A']) {
    assert.equal(sessions.verify(minted.accessKeyId, token), undefined, token);
  }
  // A genuine token only speaks for the key id it was minted with.
  assert.equal(sessions.verify(another.accessKeyId, minted.sessionToken), undefined);
  assert.equal(sessions.verify('AKIAIOSFODNN7EXAMPLE', minted.sessionToken), undefined);
  assert.equal(new HmacSessionCredentials(Buffer.alloc(32, 3)).verify(minted.accessKeyId, minted.sessionToken), undefined);
});
