/** Time and randomness come through here so rules and controllers can be tested with fakes. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
