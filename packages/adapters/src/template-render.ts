import { ConfigurationError } from '@dspy-ts/core';
import { pyText } from './format-value.js';

/**
 * The TemplateAdapter's string rendering: `{{`/`}}` are literal braces,
 * `{fn(key='v')}` calls a template function, `{name}` substitutes a context value, and an unknown
 * `{name}` or function is left as written. Substituted text is never rescanned.
 */

/** Called for `{name(args)}`; returns undefined for an unknown function (left untouched). */
export type FunctionCall = (name: string, args: Record<string, string>) => string | undefined;

const OPEN = '\uE000';
const CLOSE = '\uE001';
const FUNCTION = /^\{([\p{L}\p{N}_]+)\(([^)]*)\)\}/u;
const VARIABLE = /^\{([\p{L}\p{N}_]+)\}/u;
const ARGUMENT = /([\p{L}\p{N}_]+)\s*=\s*(['"])(.*?)\2/gu;

/** `key='v'` / `key="v"` pairs of a function call; other text is ignored. */
export function parseArguments(text: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const match of text.matchAll(ARGUMENT)) args[match[1]!] = match[3]!;
  return args;
}

const braceError = (template: string, index: number): never => {
  throw new ConfigurationError(
    `TemplateAdapter: unsupported brace syntax at position ${index} of template ${JSON.stringify(template)}. ` +
      'Only {name} and {function(key="value")} are substituted; write literal braces doubled, as {{ and }} ' +
      '(for example JSON: {{"key": 1}}).',
  );
};

/** Renders one template string against `context` (values shown as Python text) and `call`. */
export function renderTemplate(
  template: string,
  context: Readonly<Record<string, unknown>>,
  call?: FunctionCall,
): string {
  const text = template.replaceAll('{{', OPEN).replaceAll('}}', CLOSE);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '{') {
      const rest = text.slice(i);
      const fn = call ? FUNCTION.exec(rest) : null;
      if (fn) {
        out += call!(fn[1]!, parseArguments(fn[2]!)) ?? fn[0];
        i += fn[0].length;
        continue;
      }
      const variable = VARIABLE.exec(rest);
      if (variable) {
        const name = variable[1]!;
        out += Object.hasOwn(context, name) ? pyText(context[name]) : variable[0];
        i += variable[0].length;
        continue;
      }
      // Python's str.format_map leaves `{fn(...)}` of an unknown function alone too.
      const unknownCall = FUNCTION.exec(rest);
      if (unknownCall) {
        out += unknownCall[0];
        i += unknownCall[0].length;
        continue;
      }
      braceError(template, i);
    }
    if (ch === '}') braceError(template, i);
    out += ch;
    i++;
  }
  return out.replaceAll(OPEN, '{').replaceAll(CLOSE, '}');
}
