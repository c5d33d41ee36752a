import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cooperative time slicing for the work one request's body costs (form
 * decoding, the structure walk, validation). A hostile or merely large body
 * may hold hundreds of thousands of members; decoding it in one synchronous
 * go would stall every other request, the registry, the load balancer and the
 * controllers for as long. Callers count units of work with `tick()`; once a
 * slice has run for its budget, `tick()` hands back a promise that resumes on
 * the event loop's next turn, so other work runs between slices.
 *
 * The clock is read only every `checkEvery` ticks: a tick must stay as cheap
 * as the work it measures.
 */
export interface TimeSliceOptions {
  /** Milliseconds of work per slice before yielding. */
  readonly budgetMs?: number;
  /** Ticks between clock reads. */
  readonly checkEvery?: number;
  /** Read by tests to prove slicing happened without timing it. */
  readonly onYield?: () => void;
}

export class TimeSlices {
  private readonly budgetMs: number;
  private readonly checkEvery: number;
  private sliceStart = performance.now();
  private ticks = 0;
  /** How many times this request's work gave way to the event loop. */
  yields = 0;

  constructor(private readonly options: TimeSliceOptions = {}) {
    this.budgetMs = options.budgetMs ?? 2;
    this.checkEvery = options.checkEvery ?? 64;
  }

  /**
   * One unit of work done. Returns undefined (go on at once) or a promise to
   * await before going on: `const pause = slices.tick(); if (pause) await pause;`
   * keeps the common case free of a promise.
   */
  tick(units = 1): Promise<void> | undefined {
    this.ticks += units;
    if (this.ticks < this.checkEvery) return undefined;
    this.ticks = 0;
    if (performance.now() - this.sliceStart < this.budgetMs) return undefined;
    return this.giveWay();
  }

  private async giveWay(): Promise<void> {
    this.yields++;
    this.options.onYield?.();
    await nextTurn();
    this.sliceStart = performance.now();
  }
}

/** Never yields: for callers with small, trusted inputs (and tests that want the old synchronous order). */
export const UNSLICED: Pick<TimeSlices, 'tick'> = { tick: () => undefined };

export type Slicer = Pick<TimeSlices, 'tick'>;
