import { invalidParameter } from './errors.js';

export interface RandomPasswordOptions {
  readonly PasswordLength?: number;
  readonly ExcludeCharacters?: string;
  readonly ExcludeNumbers?: boolean;
  readonly ExcludePunctuation?: boolean;
  readonly ExcludeUppercase?: boolean;
  readonly ExcludeLowercase?: boolean;
  readonly IncludeSpace?: boolean;
  readonly RequireEachIncludedType?: boolean;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
/** The punctuation Secrets Manager documents for GetRandomPassword. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * GetRandomPassword: `randomInt(n)` is a uniform integer in [0, n) from a
 * cryptographic source (the caller's; the domain stays pure). Default length
 * 32, every included class at least once unless RequireEachIncludedType is false.
 */
export function randomPassword(options: RandomPasswordOptions, randomInt: (n: number) => number): string {
  const length = options.PasswordLength ?? 32;
  const excluded = new Set(options.ExcludeCharacters ?? '');
  const keep = (chars: string) => [...chars].filter((c) => !excluded.has(c)).join('');
  const classes = [
    options.ExcludeLowercase ? '' : keep(LOWER),
    options.ExcludeUppercase ? '' : keep(UPPER),
    options.ExcludeNumbers ? '' : keep(DIGITS),
    options.ExcludePunctuation ? '' : keep(PUNCTUATION),
    options.IncludeSpace ? keep(' ') : '',
  ].filter((chars) => chars.length > 0);
  const all = classes.join('');
  // unverified wording: what AWS answers when every character is excluded.
  if (all.length === 0) throw invalidParameter('The password cannot be generated because every character type was excluded.');
  const requireEach = options.RequireEachIncludedType ?? true;
  if (requireEach && length < classes.length) throw invalidParameter('Password length is too short based on the required types.');
  const chars = Array.from({ length }, () => all[randomInt(all.length)]!);
  if (requireEach) {
    // One position per class, distinct and random, then shuffled in place: every class appears, none is predictable.
    const positions = Array.from({ length }, (_, i) => i);
    for (let i = positions.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [positions[i], positions[j]] = [positions[j]!, positions[i]!];
    }
    classes.forEach((chars_, index) => {
      chars[positions[index]!] = chars_[randomInt(chars_.length)]!;
    });
  }
  return chars.join('');
}
