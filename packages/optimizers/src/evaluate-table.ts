import { Example, type Prediction } from '@dspy-ts/core';
import { atomicWriteFile, toPlain } from '@dspy-ts/core/internal';
import type { MetricValue } from './metric.js';

/** One evaluated example: the example, the program's prediction, the metric value. */
export type EvaluationRow = [example: Example, prediction: Prediction, score: MetricValue];
type Row = Record<string, unknown>;

const isObjectLike = (value: unknown): value is object => typeof value === 'object' && value !== null;

const fieldsOf = (value: object): Row =>
  value instanceof Example ? Object.fromEntries(value.items()) : { ...(value as Row) };

/** DSPy's merge: a key present in both becomes `example_<key>` and `pred_<key>`. */
function merge(example: Row, prediction: Row): Row {
  const merged: Row = {};
  for (const [key, value] of Object.entries(example)) {
    merged[Object.hasOwn(prediction, key) ? `example_${key}` : key] = value;
  }
  for (const [key, value] of Object.entries(prediction)) {
    merged[Object.hasOwn(example, key) ? `pred_${key}` : key] = value;
  }
  return merged;
}

/** One row per result: example and prediction fields, plus a column named after the metric. */
export function resultRows(results: readonly EvaluationRow[], metricName: string): Row[] {
  return results.map(([example, prediction, score]) => {
    const exampleFields = fieldsOf(example);
    const row = isObjectLike(prediction)
      ? merge(exampleFields, fieldsOf(prediction))
      : { ...exampleFields, prediction };
    row[metricName] = score;
    return row;
  });
}

const cellText = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(toPlain(value)) ?? String(value);
};

/** DSPy cuts cells to their first 25 words. */
const truncate = (text: string): string => {
  const words = text.split(/\s+/).filter(Boolean);
  return words.length > 25 ? `${words.slice(0, 25).join(' ')}...` : words.join(' ');
};

/** `✔️ [0.500]` for fractional scores, `✔️ [1]` / `✔️ [True]` otherwise, as DSPy styles them. */
const metricCell = (score: unknown): string => {
  if (score === undefined || score === null) return '';
  if (typeof score === 'boolean') return `✔️ [${score ? 'True' : 'False'}]`;
  if (typeof score === 'number' && !Number.isInteger(score)) return `✔️ [${score.toFixed(3)}]`;
  return `✔️ [${String(score)}]`;
};

/** A plain-text table of the rows (all of them, or the first `limit`). */
export function formatTable(rows: readonly Row[], metricName: string, limit?: number): string {
  const shown = limit === undefined ? rows : rows.slice(0, limit);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = shown.map((row) =>
    columns.map((column) =>
      column === metricName ? metricCell(row[column]) : truncate(cellText(row[column])),
    ),
  );
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  const text = [line(columns), rule, ...cells.map(line)];
  if (shown.length < rows.length) text.push(`... ${rows.length - shown.length} more rows not displayed ...`);
  return text.join('\n');
}

const csvField = (value: unknown): string => {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The rows as CSV, with the first row's keys as the header (DSPy's `save_as_csv`). */
export async function saveCsv(path: string, rows: readonly Row[]): Promise<void> {
  const header = Object.keys(rows[0] ?? {});
  const lines = [header.map(csvField), ...rows.map((row) => header.map((key) => csvField(row[key])))];
  await atomicWriteFile(path, `${lines.map((fields) => fields.join(',')).join('\r\n')}\r\n`);
}

/** The rows as a JSON array (DSPy's `save_as_json`). */
export async function saveJson(path: string, rows: readonly Row[]): Promise<void> {
  await atomicWriteFile(path, `${JSON.stringify(toPlain(rows), null, 2)}\n`);
}
