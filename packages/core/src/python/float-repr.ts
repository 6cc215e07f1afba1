/**
 * Python's text for numbers. JavaScript has one number type: a whole number is shown as a Python
 * int unless the caller knows it is a float (a `float` type, a PyFloat), and a whole number from
 * 1e16 up is shown as a float, because that is where Python's float repr turns to an exponent and
 * JavaScript no longer holds every integer.
 */

/** True when a number reads as a Python int: whole and below 1e16 in magnitude. */
export const isPyInt = (x: number): boolean => Number.isInteger(x) && Math.abs(x) < 1e16;

/**
 * Python's `repr(float)` (also `str(float)`): the shortest digits that round-trip, always with a
 * fraction (`1.0`) or an exponent of at least two digits (`1e-05`, `1e+16`), the exponent form
 * below 1e-4 and from 1e16; `nan`, `inf`, `-inf` for the non-finite values.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  // JavaScript prints plain decimals from 1e-7 up to 1e21, which covers Python's plain range.
  const text = String(x);
  return text.includes('.') ? text : `${text}.0`;
}

/** A number as Python prints it: an int when it reads as one and `float` is not set, else a float. */
export const pyNumber = (x: number, float = false): string =>
  !float && isPyInt(x) ? String(x) : pyFloatRepr(x);
