/**
 * A set of small non-negative integers that iterates in CPython's order. GEPA keeps candidate
 * indexes in Python sets and feeds their iteration order to the seeded generator (the Pareto
 * sampling list, merge candidates, common ancestors), so a port that iterated in insertion or
 * numeric order would pick different candidates than Python from the same seed. CPython's layout:
 * an open-addressed table (8 slots to start), hash(i) = i, nine linear probes then perturbation,
 * a resize to 4x the used count once 3/5 full.
 */
const MIN_SIZE = 8;
const LINEAR_PROBES = 9;
const PERTURB_SHIFT = 5;

export class IntSet implements Iterable<number> {
  #table: (number | undefined)[] = new Array(MIN_SIZE);
  #mask = MIN_SIZE - 1;
  #used = 0;

  constructor(values: Iterable<number> = []) {
    for (const value of values) this.add(value);
  }

  get size(): number {
    return this.#used;
  }

  has(value: number): boolean {
    return this.#find(value) !== undefined;
  }

  add(value: number): this {
    if (this.has(value)) return this;
    this.#insertClean(this.#table, this.#mask, value);
    this.#used += 1;
    if (this.#used * 5 >= this.#mask * 3) this.#resize(this.#used > 50000 ? this.#used * 2 : this.#used * 4);
    return this;
  }

  /** Python's `set(other)` of a set: same layout when the tables match, else re-inserted in order. */
  static copy(other: IntSet): IntSet {
    const copy = new IntSet();
    if (other.#used === 0) return copy;
    if (other.#used * 5 >= copy.#mask * 3) copy.#resize(other.#used * 2);
    if (copy.#mask === other.#mask) {
      copy.#table = [...other.#table];
    } else {
      for (const value of other) copy.#insertClean(copy.#table, copy.#mask, value);
    }
    copy.#used = other.#used;
    return copy;
  }

  /** Python's `a & b`: walks the smaller set (the right one on a tie), keeping members of the other. */
  static intersection(a: IntSet, b: IntSet): IntSet {
    const [walked, probed] = b.size > a.size ? [a, b] : [b, a];
    const result = new IntSet();
    for (const value of walked) if (probed.has(value)) result.add(value);
    return result;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const value of this.#table) if (value !== undefined) yield value;
  }

  #slots(value: number, mask: number): Generator<number> {
    return (function* () {
      let perturb = value;
      let i = value & mask;
      while (true) {
        const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        for (let j = 0; j <= probes; j++) yield i + j;
        perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT);
        i = (i * 5 + 1 + perturb) & mask;
      }
    })();
  }

  #find(value: number): number | undefined {
    for (const slot of this.#slots(value, this.#mask)) {
      const entry = this.#table[slot];
      if (entry === undefined) return undefined;
      if (entry === value) return slot;
    }
    return undefined;
  }

  #insertClean(table: (number | undefined)[], mask: number, value: number): void {
    for (const slot of this.#slots(value, mask)) {
      if (table[slot] === undefined) {
        table[slot] = value;
        return;
      }
    }
  }

  #resize(minUsed: number): void {
    let size = MIN_SIZE;
    while (size <= minUsed) size *= 2;
    const old = this.#table;
    this.#table = new Array(size);
    this.#mask = size - 1;
    for (const value of old) if (value !== undefined) this.#insertClean(this.#table, this.#mask, value);
  }
}
