/**
 * Fargate's task sizes: each CPU value allows a memory range in fixed steps
 * (ecs-facts.md; the same 74 pairs were probed against the API in 2026). RunTask
 * and CreateService overrides resize tasks, so this table is shared, not private
 * to registration.
 */

export interface FargateCpuOption {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** Allowed memory values in MiB, ascending. */
  memory: readonly number[];
}

const range = (from: number, to: number, step: number): number[] => {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
};

export const FARGATE_CPU_OPTIONS: readonly FargateCpuOption[] = [
  { cpu: 256, memory: [512, 1024, 2048] },
  { cpu: 512, memory: range(1024, 4096, 1024) },
  { cpu: 1024, memory: range(2048, 8192, 1024) },
  { cpu: 2048, memory: range(4096, 16384, 1024) },
  { cpu: 4096, memory: range(8192, 30720, 1024) },
  { cpu: 8192, memory: range(16384, 61440, 4096) },
  { cpu: 16384, memory: range(32768, 122880, 8192) },
];

/** Every valid pair, smallest first; handy for "next size up" and for tests. */
export const FARGATE_SIZES: ReadonlyArray<{ cpu: number; memory: number }> = FARGATE_CPU_OPTIONS.flatMap((option) =>
  option.memory.map((memory) => ({ cpu: option.cpu, memory })),
);

/** Memory values Fargate allows with this CPU, or [] when the CPU is not a Fargate size. */
export function fargateMemoryOptions(cpu: number | string): readonly number[] {
  const units = typeof cpu === 'string' ? Number(cpu) : cpu;
  return FARGATE_CPU_OPTIONS.find((option) => option.cpu === units)?.memory ?? [];
}

/**
 * Accepts numbers or the normalised number strings a task definition stores
 * ("512"); anything else (including "0.5 vCPU") is not a size.
 */
export function isValidFargateSize(cpu: number | string, memory: number | string): boolean {
  const m = typeof memory === 'string' ? Number(memory) : memory;
  if (typeof memory === 'string' && !/^\d+$/.test(memory)) return false;
  if (typeof cpu === 'string' && !/^\d+$/.test(cpu)) return false;
  return fargateMemoryOptions(cpu).includes(m);
}
