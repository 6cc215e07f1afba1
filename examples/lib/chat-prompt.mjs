/**
 * Reads a ChatAdapter prompt back into its parts, the way a model "sees" it: the signature's
 * fields (from the system message), the few-shot demos, the earlier conversation turns and the
 * current inputs (from the last user message). Used by the offline scripted model.
 */

const FIELD_LINE = /^\d+\. `([^`]+)` \((.*)\):/;
const SECTION = /\[\[ ## (\w+) ## \]\]/g;
// ChatAdapter appends this request to the last user message; it is not part of the last input value.
const RESPOND_WITH = '\n\nRespond with the corresponding output fields';

/** `[[ ## name ## ]]` sections of one message, in order, as { name: text }. */
export function sections(message) {
  const respond = message.indexOf(RESPOND_WITH);
  const content = respond < 0 ? message : message.slice(0, respond);
  const result = {};
  const marks = [...content.matchAll(SECTION)];
  marks.forEach((mark, i) => {
    const end = marks[i + 1]?.index ?? content.length;
    result[mark[1]] = content.slice(mark.index + mark[0].length, end).trim();
  });
  return result;
}

/** The `1. \`name\` (type): desc` lines of one block of the system message. */
function fieldList(system, header, nextHeader) {
  const start = system.indexOf(header);
  if (start < 0) return [];
  const end = nextHeader ? system.indexOf(nextHeader, start) : -1;
  const block = system.slice(start + header.length, end < 0 ? undefined : end);
  const fields = [];
  for (const line of block.split('\n')) {
    const match = FIELD_LINE.exec(line.trim());
    if (match) fields.push({ name: match[1], type: match[2] });
  }
  return fields;
}

/** Allowed values of a `Literal['a', 'b']` type, else undefined. */
export function literalOptions(type) {
  const match = /^Literal\[(.*)\]$/.exec(type);
  if (!match) return undefined;
  return [...match[1].matchAll(/'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/**
 * Splits a ChatAdapter request into { inputFields, outputFields, demos, conversation, inputs }.
 * Demos and conversation turns are both user/assistant pairs before the last user message. When the
 * signature has a History field, a demo is a pair whose user message carries that field (a worked
 * example with its own history) and a conversation turn is one without it (DSPy renders history as
 * plain pairs); without a History field every pair is a demo.
 */
export function parseChatRequest(messages) {
  const list = Array.isArray(messages) ? messages : [];
  const text = (message) => (typeof message?.content === 'string' ? message.content : '');
  const system = list[0]?.role === 'system' ? text(list[0]) : '';
  const inputFields = fieldList(system, 'Your input fields are:', 'Your output fields are:');
  const outputFields = fieldList(system, 'Your output fields are:', 'All interactions will be structured');
  const historyField = inputFields.find((field) => field.type === 'History')?.name;

  const body = list.slice(system ? 1 : 0);
  const last = body.at(-1);
  const inputs = last?.role === 'user' ? sections(text(last)) : {};
  const demos = [];
  const conversation = [];
  for (let i = 0; i + 1 < body.length - 1; i += 1) {
    if (body[i].role !== 'user' || body[i + 1].role !== 'assistant') continue;
    const pair = { inputs: sections(text(body[i])), outputs: sections(text(body[i + 1])) };
    if (historyField && !(historyField in pair.inputs)) conversation.push(pair);
    else demos.push(pair);
    i += 1;
  }
  return { system, inputFields, outputFields, historyField, demos, conversation, inputs };
}
