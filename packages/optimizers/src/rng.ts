import { createHash } from 'node:crypto';
import { ConfigurationError } from '@dspy-ts/core';
import { mersenneFromState } from 'pure-rand/generator/mersenne';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

/** CPython's `init_by_array`, then the first full twist: the state pure-rand's MT19937 continues from. */
function pythonSeededState(key: readonly number[]): number[] {
  const mt = new Array<number>(N);
  mt[0] = 19650218;
  for (let i = 1; i < N; i++) {
    const prev = mt[i - 1]!;
    mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
  }
  let i = 1;
  let j = 0;
  for (let k = Math.max(N, key.length); k > 0; k--) {
    const prev = mt[i - 1]!;
    mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j]! + j) >>> 0;
    i++;
    j++;
    if (i >= N) {
      mt[0] = mt[N - 1]!;
      i = 1;
    }
    if (j >= key.length) j = 0;
  }
  for (let k = N - 1; k > 0; k--) {
    const prev = mt[i - 1]!;
    mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
    i++;
    if (i >= N) {
      mt[0] = mt[N - 1]!;
      i = 1;
    }
  }
  mt[0] = UPPER;
  for (let kk = 0; kk < N; kk++) {
    const y = (mt[kk]! & UPPER) | (mt[(kk + 1) % N]! & LOWER);
    mt[kk] = (mt[(kk + M) % N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
  }
  return mt;
}

/** The 32-bit little-endian words of |seed|, as CPython keys `Random(seed)` (`[0]` for 0). */
function seedWords(seed: number): number[] {
  if (!Number.isSafeInteger(seed)) {
    throw new ConfigurationError(`A seed must be a safe integer, got ${seed}.`);
  }
  let rest = Math.abs(seed);
  const words: number[] = [];
  do {
    words.push(rest % 2 ** 32);
    rest = Math.floor(rest / 2 ** 32);
  } while (rest > 0);
  return words;
}

/**
 * A seeded generator with Python's `random.Random` algorithms: the same seed
 * gives the same shuffles and samples as DSPy, so fixtures made in Python match. MT19937 itself
 * is pure-rand's; only CPython's seeding and its sampling algorithms live here.
 */
export class Random {
  readonly #mt: RandomGenerator;

  constructor(seed: number) {
    this.#mt = mersenneFromState([0, ...pythonSeededState(seedWords(seed))]);
  }

  /** A generator seeded from the content of `value` (any JSON-compatible data). */
  static fromContent(value: unknown): Random {
    const digest = createHash('sha256').update(JSON.stringify(value)).digest();
    return new Random(digest.readUInt32LE(0) + digest.readUInt16LE(4) * 2 ** 32);
  }

  #uint32(): number {
    return this.#mt.next() >>> 0;
  }

  /** `k` random bits, 0 <= k <= 32. */
  getrandbits(k: number): number {
    return k === 0 ? 0 : this.#uint32() >>> (32 - k);
  }

  /** A uniform integer in [0, n), by rejection as CPython does (n <= 2**32). */
  randbelow(n: number): number {
    if (n <= 0) return 0;
    const k = Math.floor(Math.log2(n)) + 1;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** A float in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.#uint32() >>> 5;
    const b = this.#uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  randint(a: number, b: number): number {
    return a + this.randbelow(b - a + 1);
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new ConfigurationError('Cannot choose from an empty sequence.');
    return items[this.randbelow(items.length)]!;
  }

  /** Shuffles `items` in place (Fisher-Yates from the end, as CPython). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** `k` distinct items of `population`, in selection order (CPython's two strategies). */
  sample<T>(population: readonly T[], k: number): T[] {
    const n = population.length;
    if (k < 0 || k > n) throw new ConfigurationError('Sample larger than population or is negative');
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    const result: T[] = [];
    if (n <= setsize) {
      const pool = [...population];
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result.push(pool[j]!);
        pool[j] = pool[n - i - 1]!;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result.push(population[j]!);
      }
    }
    return result;
  }
}
