import type { Random } from '../rng.js';

/**
 * gepa's EpochShuffledBatchSampler: training ids are shuffled once per epoch and cut into
 * minibatches; a last short minibatch is padded with the least used ids. Iteration `i` takes the
 * minibatch at `i * size`, so iterations spent on merges skip minibatches, as in gepa.
 */
export class EpochShuffledBatchSampler {
  #shuffled: number[] = [];
  #epoch = -1;
  #lastSize = 0;

  constructor(
    readonly minibatchSize: number,
    readonly rng: Random,
  ) {}

  next(trainsetSize: number, iteration: number): number[] {
    const size = this.minibatchSize;
    const baseIndex = iteration * size;
    const epoch = this.#epoch === -1 ? 0 : Math.floor(baseIndex / Math.max(this.#shuffled.length, 1));
    if (this.#shuffled.length === 0 || trainsetSize !== this.#lastSize || epoch > this.#epoch) {
      this.#epoch = epoch;
      this.#reshuffle(trainsetSize);
    }
    const start = baseIndex % this.#shuffled.length;
    return this.#shuffled.slice(start, start + size);
  }

  #reshuffle(trainsetSize: number): void {
    this.#lastSize = trainsetSize;
    this.#shuffled = this.rng.shuffle(Array.from({ length: trainsetSize }, (_, i) => i));
    // Counter(...).most_common()[::-1][0]: the least used id, the latest first seen among ties.
    const counts = new Map<number, number>(this.#shuffled.map((id) => [id, 1]));
    const remainder = trainsetSize % this.minibatchSize;
    const padding = remainder === 0 ? 0 : this.minibatchSize - remainder;
    for (let k = 0; k < padding; k++) {
      let chosen = -1;
      let least = Number.POSITIVE_INFINITY;
      for (const [id, count] of counts) {
        if (count <= least) {
          least = count;
          chosen = id;
        }
      }
      this.#shuffled.push(chosen);
      counts.set(chosen, least + 1);
    }
  }
}
