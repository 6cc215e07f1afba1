import { AdapterParseError, type Field, type Signature } from '@dspy-ts/core';
import { ChatAdapter } from './chat-adapter.js';
import { fieldParseError } from './field-parse-error.js';
import { formatValue, pyText, toJsonData } from './format-value.js';
import {
  formatFieldValue,
  joinUserContent,
  outputValue,
  presentInputs,
  type UserContentOptions,
} from './layout.js';
import { requireOutputs } from './output-defaults.js';
import { parseValue, ValueParseError } from './parse-value.js';
import { type JsonSchema, pydanticSchema } from './pydantic-schema.js';
import { pyStrip } from './python-text.js';
import type { FieldStreamParser } from './streaming/field-text.js';
import { type XmlFieldMode, XmlStreamParser } from './streaming/xml-stream.js';
import { fieldType, placeholder } from './type-note.js';
import { escapeXml, usesNestedXml, valueToXml, xmlSkeleton } from './xml-nested.js';
import { elementsToValue, groupChildren, parseXmlRoot, XmlSyntaxError } from './xml-tree.js';

type Values = Readonly<Record<string, unknown>>;

const tagged = (name: string, text: string) => `<${name}>\n${text}\n</${name}>`;

/** DSPy escapes only `str` outputs, `&` then `<`. */
const escapeOutput = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/**
 * Fields wrapped in XML tags (`<answer>\n42\n</answer>`), nested elements for lists, dicts and
 * models. A ChatAdapter subclass: failures retry with a JSONAdapter, as in DSPy.
 */
export class XMLAdapter extends ChatAdapter {
  override readonly name: string = 'XMLAdapter';

  /** One field with its value. */
  protected fieldWithValue(field: Field, value: unknown): string {
    const type = fieldType(field);
    if (field.io === 'output' && usesNestedXml(type)) {
      const data = toJsonData(value);
      if (typeof data === 'object' && data !== null) return valueToXml(data, field.name);
    }
    const text = formatFieldValue(field, value);
    return tagged(field.name, field.io === 'output' && type.kind === 'str' ? escapeOutput(text) : text);
  }

  override formatFieldStructure(signature: Signature): string {
    const render = (field: Field) =>
      field.io === 'output' && usesNestedXml(fieldType(field))
        ? xmlSkeleton(field.name, fieldType(field))
        : tagged(field.name, placeholder(field));
    return [
      'All interactions will be structured in the following way, with the appropriate values filled in.',
      Object.values(signature.inputFields).map(render).join('\n\n'),
      Object.values(signature.outputFields).map(render).join('\n\n'),
    ].join('\n\n');
  }

  override userMessageOutputRequirements(signature: Signature): string {
    const outputs = Object.values(signature.outputFields);
    let text = `Respond with the corresponding output fields wrapped in XML tags ${outputs.map((f) => `\`<${f.name}>\``).join(', then ')}.`;
    const nested = outputs.filter((f) => usesNestedXml(fieldType(f)));
    if (nested.length > 0) {
      text += ` Use this nested XML structure: ${nested.map((f) => xmlSkeleton(f.name, fieldType(f))).join(' ')}`;
    }
    return text;
  }

  override formatUserMessageContent(
    signature: Signature,
    inputs: Values,
    options: UserContentOptions = {},
  ): string {
    return joinUserContent({
      prefix: options.prefix,
      blocks: presentInputs(signature, inputs).map((field) => this.fieldWithValue(field, inputs[field.name])),
      requirements: options.mainRequest ? this.userMessageOutputRequirements(signature) : undefined,
      suffix: options.suffix,
    });
  }

  override formatAssistantMessageContent(
    signature: Signature,
    outputs: Values,
    missingFieldMessage?: string,
  ): string {
    const parts = Object.values(signature.outputFields).map((field) =>
      this.fieldWithValue(field, outputValue(outputs, field.name, missingFieldMessage)),
    );
    return pyStrip(parts.join('\n\n'));
  }

  /** Text fields stream their decoded text; lists, dicts and models their inner XML. */
  protected override streamParser(signature: Signature): FieldStreamParser {
    const modes = new Map<string, XmlFieldMode>();
    for (const field of Object.values(signature.outputFields))
      modes.set(field.name, usesNestedXml(fieldType(field)) ? 'raw' : 'text');
    return new XmlStreamParser(modes);
  }

  override parse(signature: Signature, completion: string): Record<string, unknown> {
    let root: ReturnType<typeof parseXmlRoot>;
    try {
      root = parseXmlRoot(completion);
    } catch (error) {
      if (!(error instanceof XmlSyntaxError)) throw error;
      throw new AdapterParseError({
        adapterName: this.name,
        completion,
        signature,
        message: `Failed to parse XML: ${error.message}`,
        cause: error,
      });
    }
    const groups = groupChildren(root);
    const fields: Record<string, unknown> = {};
    const parse = { adapterName: this.name, signature, completion, parsed: fields };
    for (const field of Object.values(signature.outputFields)) {
      const elements = groups.get(field.name);
      if (!elements) continue;
      const type = fieldType(field);
      const schema = pydanticSchema(type);
      const candidates = [schema, ...((Array.isArray(schema.anyOf) ? schema.anyOf : []) as JsonSchema[])];
      let firstError: ValueParseError | undefined;
      let value: unknown;
      let parsed = false;
      for (const candidate of candidates) {
        value = elementsToValue(elements, candidate, schema);
        try {
          fields[field.name] = parseValue(value, type, field.schema);
          parsed = true;
          break;
        } catch (error) {
          if (!(error instanceof ValueParseError)) throw error;
          firstError ??= error;
        }
      }
      if (!parsed && firstError) {
        throw fieldParseError(parse, field.name, firstError, {
          valueText: pyText(value),
          message: (error) =>
            `Failed to parse field ${field.name} with value ${pyText(value)}: ${error.message}`,
        });
      }
    }
    return requireOutputs(this.name, signature, completion, fields);
  }

  /**
   * The values wrapped in tags. Text is escaped (`&`, `<`) so that whatever DummyLM sends parses back;
   * lists and dicts become nested elements.
   */
  override formatCompletion(values: Values, signature?: Signature): string {
    const parts = Object.entries(values).map(([key, value]) => {
      const field = signature?.outputFields[key];
      const data = toJsonData(value);
      if (typeof data === 'object' && data !== null && (!field || usesNestedXml(fieldType(field))))
        return valueToXml(data, key);
      const text = field ? formatFieldValue(field, value) : formatValue(undefined, value);
      return tagged(key, escapeXml(text));
    });
    return pyStrip(parts.join('\n\n'));
  }
}
