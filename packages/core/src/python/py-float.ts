/**
 * A whole number that Python holds as a float. JavaScript has one number type, so `1` typed
 * `float` would be written `1` and Python would read it back as an int (its prompts then show `1`
 * instead of `1.0`); writers print a PyFloat with a fraction (`1.0`). JSON.stringify sees the number.
 */
export class PyFloat {
  constructor(readonly value: number) {}

  toJSON(): number {
    return this.value;
  }
}
