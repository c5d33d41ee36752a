import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/**
 * domain/ takes the clock and randomness as parameters (house style); the
 * import rules are checked by dependency-cruiser, these calls are checked here.
 */
const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'domain');
const FORBIDDEN = [/\bDate\.now\s*\(/, /\bMath\.random\s*\(/, /\bnew Date\(\s*\)/, /\bprocess\./, /\bsetTimeout\s*\(/, /\bcrypto\./];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : [],
  );
}

test('domain code reads no clock, randomness or process state of its own', () => {
  const files = sources(SOURCE);
  assert.ok(files.length > 5, 'found the domain sources');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of FORBIDDEN) assert.doesNotMatch(text, pattern, `${file} uses ${pattern}`);
  }
});
