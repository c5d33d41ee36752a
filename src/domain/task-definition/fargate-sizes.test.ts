import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FARGATE_CPU_OPTIONS, FARGATE_SIZES, fargateMemoryOptions, isValidFargateSize } from './fargate-sizes.js';

// The table as ecs-facts.md states it: cpu -> [min, max, step] in MiB.
const TABLE: Array<[cpu: number, min: number, max: number, step: number]> = [
  [256, 512, 2048, 0], // 512, 1024, 2048 only (checked separately)
  [512, 1024, 4096, 1024],
  [1024, 2048, 8192, 1024],
  [2048, 4096, 16384, 1024],
  [4096, 8192, 30720, 1024],
  [8192, 16384, 61440, 4096],
  [16384, 32768, 122880, 8192],
];

describe('Fargate size table', () => {
  test('holds the 74 pairs ECS accepts', () => {
    assert.equal(FARGATE_SIZES.length, 74);
    assert.deepEqual(
      FARGATE_CPU_OPTIONS.map((o) => [o.cpu, o.memory.length]),
      [[256, 3], [512, 4], [1024, 7], [2048, 13], [4096, 23], [8192, 12], [16384, 12]],
    );
  });

  test('0.25 vCPU takes exactly 512, 1024 and 2048 MiB', () => {
    assert.deepEqual(fargateMemoryOptions(256), [512, 1024, 2048]);
    for (const memory of [256, 511, 513, 1536, 3072, 4096]) assert.equal(isValidFargateSize(256, memory), false, `256/${memory}`);
  });

  for (const [cpu, min, max, step] of TABLE.slice(1)) {
    describe(`cpu ${cpu}`, () => {
      test(`accepts every value from ${min} to ${max} in steps of ${step}`, () => {
        for (let memory = min; memory <= max; memory += step) assert.equal(isValidFargateSize(cpu, memory), true, `${cpu}/${memory}`);
      });
      test('rejects the values just outside and between the steps', () => {
        for (const memory of [min - step, min - 1, max + 1, max + step, min + step / 2, min + 1]) {
          assert.equal(isValidFargateSize(cpu, memory), false, `${cpu}/${memory}`);
        }
      });
    });
  }

  test('every listed pair is valid, and only those (scan of all 512 MiB multiples up to 128 GiB)', () => {
    const listed = new Set(FARGATE_SIZES.map((s) => `${s.cpu}/${s.memory}`));
    for (const { cpu } of FARGATE_CPU_OPTIONS) {
      for (let memory = 512; memory <= 131072; memory += 512) {
        assert.equal(isValidFargateSize(cpu, memory), listed.has(`${cpu}/${memory}`), `${cpu}/${memory}`);
      }
    }
  });

  test('CPU values that are not Fargate sizes have no memory options', () => {
    for (const cpu of [0, 128, 255, 257, 768, 3072, 10240, 32768]) {
      assert.deepEqual(fargateMemoryOptions(cpu), [], `cpu ${cpu}`);
      assert.equal(isValidFargateSize(cpu, 2048), false);
    }
  });

  test('accepts the normalised strings a stored definition holds, nothing looser', () => {
    assert.equal(isValidFargateSize('512', '1024'), true);
    assert.equal(isValidFargateSize('16384', '122880'), true);
    assert.equal(isValidFargateSize('0.5 vCPU', '1024'), false);
    assert.equal(isValidFargateSize('512', '1 GB'), false);
    assert.equal(isValidFargateSize('512', ''), false);
    assert.equal(isValidFargateSize('', '1024'), false);
  });

  test('is ordered smallest first, by cpu then memory', () => {
    const keys = FARGATE_SIZES.map((s) => s.cpu * 1e6 + s.memory);
    assert.deepEqual(keys, [...keys].sort((a, b) => a - b));
  });
});
