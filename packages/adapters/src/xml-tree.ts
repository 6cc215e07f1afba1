import { SaxesParser } from 'saxes';
import type { JsonSchema } from './pydantic-schema.js';
import { pyStrip } from './python-text.js';
import { escapeXml, quoteAttr, resolveRef } from './xml-nested.js';

/** An element as ElementTree models it: text before the first child, and each child's tail. */
export interface XmlElement {
  tag: string;
  attributes: Record<string, string>;
  text: string;
  children: XmlElement[];
  tail: string;
}

/** Thrown for a completion that is not well-formed XML (ElementTree's ParseError in DSPy). */
export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

/**
 * Elements nested deeper than this make the completion unparseable: no field needs it, and the
 * tree walkers below recurse once per level.
 */
export const MAX_XML_DEPTH = 500;

/** Parses `<dspy_root>completion</dspy_root>` strictly: a bare `&`, a `<` in text or a tag mismatch throws. */
export function parseXmlRoot(completion: string): XmlElement {
  const root: XmlElement = { tag: 'dspy_root', attributes: {}, text: '', children: [], tail: '' };
  const stack: XmlElement[] = [];
  const parser = new SaxesParser({ xmlns: false });
  const append = (text: string) => {
    const current = stack[stack.length - 1];
    if (!current) return;
    const last = current.children[current.children.length - 1];
    if (last) last.tail += text;
    else current.text += text;
  };
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      tag: tag.name,
      attributes: { ...tag.attributes },
      text: '',
      children: [],
      tail: '',
    };
    const parent = stack[stack.length - 1];
    if (stack.length > MAX_XML_DEPTH)
      throw new XmlSyntaxError(`elements are nested deeper than ${MAX_XML_DEPTH} levels`);
    if (parent) parent.children.push(element);
    stack.push(stack.length === 0 ? root : element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('text', append);
  parser.on('cdata', append);
  // No error handler: saxes then throws at the first error. A handler would let it go on, and
  // build one error (with a stack trace) per bad character: `'</'.repeat(500_000)` took 4.6 s.
  try {
    parser.write(`<dspy_root>${completion}</dspy_root>`).close();
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw error;
    throw new XmlSyntaxError((error as Error).message);
  }
  return root;
}

/** ElementTree's `tostring` of an element, tail included. */
function serialize(element: XmlElement): string {
  const attributes = Object.entries(element.attributes)
    .map(([k, v]) => ` ${k}=${quoteAttr(v)}`)
    .join('');
  const inner = escapeXml(element.text) + element.children.map(serialize).join('');
  const body =
    inner === '' && element.children.length === 0
      ? `<${element.tag}${attributes} />`
      : `<${element.tag}${attributes}>${inner}</${element.tag}>`;
  return body + escapeXml(element.tail);
}

/** The root's direct children grouped by tag; `<entry key="k">` counts as `k`. */
export function groupChildren(element: XmlElement): Map<string, XmlElement[]> {
  const groups = new Map<string, XmlElement[]>();
  for (const child of element.children) {
    const key =
      child.tag === 'entry' && child.attributes.key !== undefined ? child.attributes.key : child.tag;
    const group = groups.get(key);
    if (group) group.push(child);
    else groups.set(key, [child]);
  }
  return groups;
}

const isNullSchema = (schema: JsonSchema) => schema.type === 'null';

/** `elementsToValue`: XML elements to JSON-like data guided by the field's schema. */
export function elementsToValue(elements: XmlElement[], schema: JsonSchema, root: JsonSchema): unknown {
  const { schema: resolved } = resolveRef(schema, root);
  const first = elements[0]!;
  const hasChildren = first.children.length > 0;
  if (Array.isArray(resolved.anyOf)) {
    const choices = resolved.anyOf as JsonSchema[];
    if (choices.some(isNullSchema) && !hasChildren && pyStrip(first.text) === '') return null;
    const nonNull = choices.filter((s) => !isNullSchema(s));
    const choice = hasChildren
      ? (nonNull.find((s) => resolveRef(s, root).schema.type !== 'string') ?? nonNull[0])
      : nonNull[0];
    return elementsToValue(elements, choice ?? {}, root);
  }
  if (resolved.type === 'array') {
    const itemSchema = (resolved.items ?? {}) as JsonSchema;
    if (elements.length === 1) {
      if (!hasChildren && pyStrip(first.text) === '') return [];
      if (pyStrip(first.text).startsWith('[')) return first.text;
      if (hasChildren && first.children.every((c) => c.tag === 'item')) {
        return first.children.map((item) => elementsToValue([item], itemSchema, root));
      }
    }
    return elements.map((element) => elementsToValue([element], itemSchema, root));
  }
  if (resolved.type === 'string' && hasChildren)
    return pyStrip(first.text + first.children.map(serialize).join(''));
  if (!hasChildren) {
    if (resolved.type === 'object' && pyStrip(first.text) === '') return {};
    return elements.length > 1 ? elements.map((e) => pyStrip(e.text)) : pyStrip(first.text);
  }
  if (elements.length > 1) return elements.map((element) => elementsToValue([element], resolved, root));
  const properties = (resolved.properties ?? {}) as Record<string, JsonSchema>;
  const extra =
    typeof resolved.additionalProperties === 'object' ? (resolved.additionalProperties as JsonSchema) : {};
  const value: Record<string, unknown> = {};
  for (const [key, group] of groupChildren(first)) {
    value[key] = elementsToValue(group, properties[key] ?? extra, root);
  }
  return value;
}
