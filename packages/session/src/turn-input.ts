import { InputError } from '@dspy-ts/core';
import { describeValue } from './options.js';
import { isPlainRecord } from './turn.js';

/** `addTurn` takes two plain records, neither holding the history field (the snapshot is the session's). */
export function checkAddedTurn(turn: unknown, historyField: string): void {
  if (!isPlainRecord(turn)) throw new InputError('addTurn expects { inputs, outputs } (two records).');
  for (const key of ['inputs', 'outputs'] as const) {
    const value = turn[key];
    if (!isPlainRecord(value)) {
      throw new InputError(
        `addTurn ${key} must be a plain record of field values; got ${describeValue(value)}.`,
      );
    }
    if (Object.hasOwn(value, historyField)) {
      throw new InputError(
        `addTurn ${key} must not contain the history field '${historyField}': the snapshot is the session history.`,
      );
    }
  }
}
