import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCampaign } from './fuzz/campaign.js';
import { seedFromEnv } from './fuzz/random.js';
import { startTestWharf } from './harness.js';
import { StoreWatch } from './fuzz/store-watch.js';

// The suite's short form; `npm run fuzz` sends 100,000 (FUZZ_REQUESTS), FUZZ_SEED replays a campaign.
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
// The bound on one answer: 2 s, plus 5 s per MiB of body (the test machine is shared and loaded; a quadratic decoder takes 27 s for 1 MB).
const MAX_MS = Number(process.env.FUZZ_MAX_MS ?? 2000);
const MS_PER_MIB = Number(process.env.FUZZ_MS_PER_MIB ?? 5000);

test(`model-driven fuzzing of every served operation (${REQUESTS} requests): only well-formed AWS answers, no 5xx, no slow answer, no write for a rejected request`, { timeout: Math.max(600_000, REQUESTS * 150) }, async () => {
  const seed = seedFromEnv();
  console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
  const watch = new StoreWatch();
  const wharf = await startTestWharf({}, { onWrite: watch.record });
  try {
    const result = await runCampaign({ endpoint: wharf.endpoint, watch, seed, requests: REQUESTS, maxMs: MAX_MS, msPerMiB: MS_PER_MIB, log: (line) => console.log(line) });
    console.log(`fuzz: ${result.sent} requests over ${result.operations} operations; statuses ${JSON.stringify(result.byStatus)}; p99 ${result.p99Ms} ms, max ${result.maxMs} ms; ${result.writesSeen} accepted requests wrote`);
    console.log(`fuzz: mutations ${JSON.stringify(result.byMutation)}`);
    assert.ok(result.operations > 100, `only ${result.operations} operations are served`);
    assert.ok(result.writesSeen > 0, 'the store watch saw no accepted request write: it would not see a rejected one either');
    assert.equal(result.failures.length, 0, `seed ${seed}: ${result.failures.length} bad answers, the first ones:\n${result.failures.slice(0, 15).join('\n')}`);
    // Wharf still answers after the campaign.
    const alive = await fetch(wharf.endpoint + '/');
    assert.equal(alive.status, 200);
  } finally {
    await wharf.stop();
  }
});
