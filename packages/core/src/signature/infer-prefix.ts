const isAllUpper = (piece: string): boolean => piece !== piece.toLowerCase() && piece === piece.toUpperCase();

const capitalize = (piece: string): string =>
  piece.length === 0 ? piece : piece[0]!.toUpperCase() + piece.slice(1).toLowerCase();

/**
 * DSPy's `infer_prefix`: `camelCaseText` -> `Camel Case Text`, `HTMLParser` -> `HTML Parser`,
 * `text2number` -> `Text 2 Number`. Empty pieces are kept, so `x_y__z` -> `X Y  Z`.
 */
export function inferPrefix(name: string): string {
  const snake = name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([a-zA-Z])(\d)/g, '$1_$2')
    .replace(/(\d)([a-zA-Z])/g, '$1_$2');
  return snake
    .split('_')
    .map((piece) => (isAllUpper(piece) ? piece : capitalize(piece)))
    .join(' ');
}
