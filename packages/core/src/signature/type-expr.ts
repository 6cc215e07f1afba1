import { SignatureError } from '../errors.js';

/** A Python type annotation as written in a signature string, parsed. */
export type TypeExpr =
  | { kind: 'name'; name: string; args?: TypeExpr[] | undefined; variadic?: boolean | undefined }
  | { kind: 'literal'; values: (string | number | boolean | null)[] }
  | { kind: 'union'; options: TypeExpr[] };

type Token = { type: 'name' | 'string' | 'number' | 'punct'; text: string; value?: string | number };

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== ch) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
        j++;
      }
      if (j >= text.length) throw new SignatureError(`Unterminated string in type annotation: ${text}`);
      tokens.push({ type: 'string', text: text.slice(i, j + 1), value });
      i = j + 1;
    } else if (/[-\d]/.test(ch)) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!match) throw new SignatureError(`Unexpected '${ch}' in type annotation: ${text}`);
      tokens.push({ type: 'number', text: match[0], value: Number(match[0]) });
      i += match[0].length;
    } else if (/[\p{L}_]/u.test(ch)) {
      const match = /^[\p{L}_][\p{L}\p{N}_]*(\.[\p{L}_][\p{L}\p{N}_]*)*/u.exec(text.slice(i))!;
      tokens.push({ type: 'name', text: match[0] });
      i += match[0].length;
    } else if ('[],|'.includes(ch)) {
      tokens.push({ type: 'punct', text: ch });
      i++;
    } else if (text.startsWith('...', i)) {
      tokens.push({ type: 'punct', text: '...' });
      i += 3;
    } else {
      throw new SignatureError(
        `Failed to parse string-base Signature due to unhandled AST node type in annotation: ${text}. ` +
          'Please consider using class-based DSPy Signatures instead.',
      );
    }
  }
  return tokens;
};

/** Parses `list[str]`, `dict[str, int]`, `Optional[str]`, `Literal['a', "b"]`, `A | None`, ... */
export function parseTypeExpr(text: string): TypeExpr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (punct: string) => {
    const token = tokens[pos];
    if (token?.type !== 'punct' || token.text !== punct) {
      throw new SignatureError(
        `Expected '${punct}' in type annotation '${text}', found ${token ? `'${token.text}'` : 'the end'}.`,
      );
    }
    pos++;
  };

  const parseLiteralValue = (): string | number | boolean | null => {
    const token = tokens[pos++];
    if (token?.type === 'string' || token?.type === 'number') return token.value!;
    if (token?.type === 'name' && token.text === 'True') return true;
    if (token?.type === 'name' && token.text === 'False') return false;
    if (token?.type === 'name' && token.text === 'None') return null;
    throw new SignatureError(`Literal values must be strings, numbers, True, False or None in '${text}'.`);
  };

  const parseAtom = (): TypeExpr => {
    const token = tokens[pos++];
    if (token?.type !== 'name') {
      throw new SignatureError(
        token?.type === 'string'
          ? `Field types must be types, but received: ${token.value} of type <class 'str'>.`
          : `Expected a type name in '${text}', found ${token ? `'${token.text}'` : 'the end'}.`,
      );
    }
    const name = token.text;
    if (peek()?.text !== '[') return { kind: 'name', name };
    pos++;
    if (name === 'Literal' || name === 'typing.Literal') {
      const values = [parseLiteralValue()];
      while (peek()?.text === ',') {
        pos++;
        if (peek()?.text === ']') break;
        values.push(parseLiteralValue());
      }
      expect(']');
      return { kind: 'literal', values };
    }
    const args: TypeExpr[] = [];
    let variadic = false;
    do {
      if (args.length > 0) pos++;
      if (peek()?.text === ']') break;
      if (peek()?.text === '...') {
        pos++;
        variadic = true;
        continue;
      }
      args.push(parseUnion());
    } while (peek()?.text === ',');
    expect(']');
    return { kind: 'name', name, args, variadic };
  };

  const parseUnion = (): TypeExpr => {
    const options = [parseAtom()];
    while (peek()?.text === '|') {
      pos++;
      options.push(parseAtom());
    }
    return options.length === 1 ? options[0]! : { kind: 'union', options };
  };

  const expr = parseUnion();
  if (pos !== tokens.length) {
    throw new SignatureError(`Unexpected '${tokens[pos]!.text}' in type annotation '${text}'.`);
  }
  return expr;
}
