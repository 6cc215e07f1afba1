import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntSet } from '../src/gepa/py-set.js';

interface Case {
  vals: number[];
  order: number[];
  copy: number[];
  bvals: number[];
  inter: number[];
}

// Recorded from CPython 3.11: random insertion sequences and the sets' iteration orders.
const cases = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'gepa', 'py_set_order.json'), 'utf8'),
) as Case[];

describe('IntSet iterates small integers in CPython set order', () => {
  it('after insertions (collisions and resizes included)', () => {
    for (const c of cases) expect([...new IntSet(c.vals)]).toEqual(c.order);
  });

  it('after a copy (Python `set(s)`)', () => {
    for (const c of cases) expect([...IntSet.copy(new IntSet(c.vals))]).toEqual(c.copy);
  });

  it('after an intersection (Python `a & b`)', () => {
    for (const c of cases) {
      const b = new IntSet(c.bvals);
      expect([...IntSet.intersection(new IntSet(c.vals), new IntSet([...b]))]).toEqual(c.inter);
    }
  });
});
