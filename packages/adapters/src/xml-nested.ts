import { pyText, toJsonData } from './format-value.js';
import { type JsonSchema, pydanticSchema } from './pydantic-schema.js';
import { type TypeInfo, unwrapOptional } from './type-info.js';

/**
 * XMLAdapter's nested XML: which types use it, the skeleton shown to the model,
 * and how values are written as elements.
 */

/** `xml.sax.saxutils.escape`: `&`, `<` and `>`. */
export const escapeXml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** `xml.sax.saxutils.quoteattr`: escaped, double quotes unless the value holds `"` but not `'`. */
export function quoteAttr(value: string): string {
  let text = escapeXml(value).replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  text = text.replaceAll('"', '&quot;');
  return `"${text}"`;
}

/** Lists, dicts and models (not DSPy's own History) are written as nested elements. */
export function usesNestedXml(type: TypeInfo): boolean {
  const inner = unwrapOptional(type);
  if (inner.kind === 'list') return inner.item.kind !== 'history';
  return inner.kind === 'dict' || inner.kind === 'model';
}

export const resolveRef = (schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; name?: string } => {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return { schema };
  const name = ref.split('/').pop()!;
  const defs = (root.$defs ?? {}) as Record<string, JsonSchema>;
  return { schema: defs[name] ?? {}, name };
};

function schemaToXml(tag: string, schema: JsonSchema, root: JsonSchema, expanding: Set<string>): string {
  const { schema: resolved, name } = resolveRef(schema, root);
  if (name !== undefined) {
    if (expanding.has(name)) return `<${tag}>...</${tag}>`;
    expanding = new Set(expanding).add(name);
  }
  if (Array.isArray(resolved.anyOf)) {
    const choice = (resolved.anyOf as JsonSchema[]).find((s) => s.type !== 'null');
    return choice ? schemaToXml(tag, choice, root, expanding) : `<${tag}>...</${tag}>`;
  }
  if (resolved.type === 'array')
    return `<${tag}>${schemaToXml('item', (resolved.items ?? {}) as JsonSchema, root, expanding)}</${tag}>`;
  const properties = resolved.properties as Record<string, JsonSchema> | undefined;
  if (resolved.type === 'object' && properties && Object.keys(properties).length > 0) {
    const inner = Object.entries(properties).map(([key, value]) => schemaToXml(key, value, root, expanding));
    return `<${tag}>${inner.join('')}</${tag}>`;
  }
  return `<${tag}>...</${tag}>`;
}

/** The skeleton of a nested-XML type: `<tags><item>...</item></tags>`. */
export function xmlSkeleton(tag: string, type: TypeInfo): string {
  const schema = pydanticSchema(type);
  return schemaToXml(tag, schema, schema, new Set());
}

// str.isidentifier(), with `-` and `.` after the first character allowed (as tags they are fine).
const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

/** A value as XML elements (`valueToXml`): lists as `<item>`s, dicts as child tags or `<entry key=…>`. */
export function valueToXml(value: unknown, tag: string, key?: string): string {
  const open = key === undefined ? tag : `${tag} key=${quoteAttr(key)}`;
  const data = toJsonData(value);
  if (data === null) return `<${open} />`;
  if (Array.isArray(data)) {
    return data.length === 0
      ? `<${open} />`
      : `<${open}>${data.map((item) => valueToXml(item, 'item')).join('')}</${tag}>`;
  }
  if (typeof data === 'object') {
    const children = Object.entries(data as Record<string, unknown>).map(([k, v]) => {
      const normalized = k.slice(0, 1) + k.slice(1).replace(/[-.]/g, '_');
      return IDENTIFIER.test(normalized) ? valueToXml(v, k) : valueToXml(v, 'entry', k);
    });
    return `<${open}>${children.join('')}</${tag}>`;
  }
  return `<${open}>${escapeXml(pyText(data))}</${tag}>`;
}
