/**
 * Type-level parsing of DSPy signature strings, so `signature('question -> answer: int')` gives
 * `{ question: string }` inputs and `{ answer: number }` outputs at compile time.
 */
import type { z } from 'zod';
import type { History } from '../primitives/history.js';
import type { Tool } from '../tool/tool.js';
import type { ToolCalls } from '../tool/tool-calls.js';

type Whitespace = ' ' | '\n' | '\t' | '\r';
type TrimLeft<S extends string> = S extends `${Whitespace}${infer R}` ? TrimLeft<R> : S;
type TrimRight<S extends string> = S extends `${infer R}${Whitespace}` ? TrimRight<R> : S;
export type Trim<S extends string> = TrimLeft<TrimRight<S>>;

/** Splits on `Delim` outside brackets: `a: dict[str, int], b` -> ['a: dict[str, int]', ' b']. */
export type SplitTop<
  S extends string,
  Delim extends string = ',',
  Cur extends string = '',
  Depth extends unknown[] = [],
  Out extends string[] = [],
> = S extends `${infer C}${infer Rest}`
  ? C extends '['
    ? SplitTop<Rest, Delim, `${Cur}${C}`, [...Depth, 1], Out>
    : C extends ']'
      ? SplitTop<Rest, Delim, `${Cur}${C}`, Depth extends [unknown, ...infer D] ? D : [], Out>
      : C extends Delim
        ? Depth extends []
          ? SplitTop<Rest, Delim, '', [], [...Out, Cur]>
          : SplitTop<Rest, Delim, `${Cur}${C}`, Depth, Out>
        : SplitTop<Rest, Delim, `${Cur}${C}`, Depth, Out>
  : [...Out, Cur];

type LiteralValue<V extends string> = V extends `'${infer T}'`
  ? T
  : V extends `"${infer T}"`
    ? T
    : V extends 'True'
      ? true
      : V extends 'False'
        ? false
        : V extends 'None'
          ? null
          : V extends `${infer N extends number}`
            ? N
            : never;

type CustomMap = Readonly<Record<string, z.ZodType>>;

type UnionOf<Parts extends string[], C extends CustomMap> = Parts extends [
  infer H extends string,
  ...infer R extends string[],
]
  ? (Trim<H> extends 'None' ? null : PyType<Trim<H>, C>) | UnionOf<R, C>
  : never;

/** The TypeScript type of a Python annotation as written in a signature string. */
export type PyType<T extends string, C extends CustomMap = Record<never, never>> =
  SplitTop<T, '|'> extends [string, string, ...string[]]
    ? UnionOf<SplitTop<T, '|'>, C>
    : T extends keyof C
      ? z.output<C[T]>
      : T extends 'str' | 'None' | ''
        ? string
        : T extends 'int' | 'float'
          ? number
          : T extends 'bool'
            ? boolean
            : T extends 'NoneType'
              ? null
              : T extends 'Any'
                ? unknown
                : T extends 'History' | 'dspy.History'
                  ? History
                  : T extends 'Tool' | 'dspy.Tool'
                    ? Tool
                    : // Null when the model called no tool.
                      T extends 'ToolCalls' | 'dspy.ToolCalls'
                      ? ToolCalls | null
                      : T extends `${'list' | 'List' | 'set' | 'Set'}${Whitespace | ''}[${infer X}]`
                        ? PyType<Trim<X>, C>[]
                        : T extends 'list' | 'List' | 'tuple' | 'Tuple'
                          ? unknown[]
                          : T extends `${'dict' | 'Dict'}[${string},${infer V}]`
                            ? Record<string, PyType<Trim<V>, C>>
                            : T extends 'dict' | 'Dict'
                              ? Record<string, unknown>
                              : T extends `Optional[${infer X}]`
                                ? PyType<Trim<X>, C> | null
                                : T extends `Literal[${infer L}]`
                                  ? LiteralValue<Trim<SplitTop<L>[number]>>
                                  : T extends `Union[${infer U}]`
                                    ? UnionOf<SplitTop<U>, C>
                                    : T extends `${'tuple' | 'Tuple'}[${infer X}]`
                                      ? PyType<Trim<SplitTop<X>[0]>, C>[]
                                      : unknown;

type ItemName<Item extends string> = Item extends `${infer N}:${string}` ? Trim<N> : Trim<Item>;
type ItemType<Item extends string, C extends CustomMap> = Item extends `${string}:${infer T}`
  ? PyType<Trim<T>, C>
  : string;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Parses one side of `inputs -> outputs` into a record of field name -> value type. */
export type ParseFields<Side extends string, C extends CustomMap> = Simplify<{
  [Item in SplitTop<Side>[number] as ItemName<Item> extends '' ? never : ItemName<Item>]: ItemType<Item, C>;
}>;

export type ParseInputs<
  S extends string,
  C extends CustomMap = Record<never, never>,
> = S extends `${infer I}->${string}` ? ParseFields<I, C> : Record<string, unknown>;

export type ParseOutputs<
  S extends string,
  C extends CustomMap = Record<never, never>,
> = S extends `${string}->${infer O}` ? ParseFields<O, C> : Record<string, unknown>;

/** Inputs a caller must pass: History fields and fields accepting null may be omitted. */
export type CallInputs<I> = Simplify<
  { [K in keyof I as null extends I[K] ? never : I[K] extends History ? never : K]: I[K] } & {
    [K in keyof I as null extends I[K] ? K : I[K] extends History ? K : never]?: I[K] | undefined;
  }
>;
