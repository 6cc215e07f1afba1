import { describe, expect, it } from 'vitest';
import { Random } from '../src/rng.js';

// Vectors from CPython 3.11's random.Random: the optimizers shuffle and sample as Python does.
describe('Random (CPython parity)', () => {
  it('draws the same 32-bit words as random.Random(0)', () => {
    const rng = new Random(0);
    expect([rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(32)]).toEqual([
      3626764237, 1654615998, 3255389356,
    ]);
  });

  it('shuffles like random.Random(0).shuffle', () => {
    expect(new Random(0).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([7, 8, 1, 5, 3, 4, 2, 0, 9, 6]);
  });

  it('samples like random.Random(0).sample', () => {
    expect(new Random(0).sample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([6, 9, 0]);
    expect(new Random(0).sample([0, 1, 2, 3], 2)).toEqual([3, 1]);
  });

  it('returns random() and randint() like CPython', () => {
    expect(new Random(0).random()).toBe(0.8444218515250481);
    expect([0, 1, 2, 3, 4, 5].map((s) => new Random(s).randint(1, 4))).toEqual([4, 2, 1, 2, 2, 3]);
  });

  it('uses the set-based strategy for large populations without repeats', () => {
    const population = Array.from({ length: 1000 }, (_, i) => i);
    const drawn = new Random(7).sample(population, 50);
    expect(new Set(drawn).size).toBe(50);
    expect(new Random(7).sample(population, 50)).toEqual(drawn);
  });

  it('refuses a sample larger than the population', () => {
    expect(() => new Random(0).sample([1, 2], 3)).toThrow('Sample larger than population');
  });

  it('seeds from content deterministically', () => {
    expect(Random.fromContent({ a: 1 }).random()).toBe(Random.fromContent({ a: 1 }).random());
    expect(Random.fromContent({ a: 1 }).random()).not.toBe(Random.fromContent({ a: 2 }).random());
  });
});
