import { pyStrip } from '@dspy-ts/adapters/internal';
import { DspyError, type LanguageModel } from '@dspy-ts/core';
import { requestLm } from '@dspy-ts/core/internal';
import type { ReflectiveExample } from './reflective-dataset.js';

/** gepa's default reflection prompt; `<curr_param>` and `<side_info>` are filled in. */
export const REFLECTION_PROMPT_TEMPLATE = `I provided an assistant with the following instructions to perform a task for me:
\`\`\`
<curr_param>
\`\`\`

The following are examples of different task inputs provided to the assistant along with the assistant's response for each of them, and some feedback on how the assistant's response could be better:
\`\`\`
<side_info>
\`\`\`

Your task is to write a new instruction for the assistant.

Read the inputs carefully and identify the input format and infer detailed task description about the task I wish to solve with the assistant.

Read all the assistant responses and the corresponding feedback. Identify all niche and domain specific factual information about the task and include it in the instruction, as a lot of it may not be available to the assistant in the future. The assistant may have utilized a generalizable strategy to solve the task, if so, include that in the instruction as well.

Provide the new instructions within \`\`\` blocks.`;

/** gepa's markdown rendering of a value: nested headings for records and lists, stripped text. */
function renderValue(value: unknown, level: number): string {
  if (Array.isArray(value)) {
    let text = '';
    for (const [i, item] of value.entries()) {
      text += `${'#'.repeat(level)} Item ${i + 1}\n${renderValue(item, Math.min(level + 1, 6))}`;
    }
    return value.length === 0 ? `${text}\n` : text;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    let text = '';
    for (const [key, item] of entries) {
      text += `${'#'.repeat(level)} ${key}\n${renderValue(item, Math.min(level + 1, 6))}`;
    }
    return entries.length === 0 ? `${text}\n` : text;
  }
  return `${pyStrip(String(value))}\n\n`;
}

function renderSamples(samples: readonly ReflectiveExample[]): string {
  return samples
    .map((sample, i) => {
      let text = `# Example ${i + 1}\n`;
      for (const [key, value] of Object.entries(sample)) text += `## ${key}\n${renderValue(value, 3)}`;
      return text;
    })
    .join('\n\n');
}

// Plain split/join: String.replace would read `$&` and friends in the instruction as patterns.
const replaceAll = (text: string, placeholder: string, value: string): string =>
  text.split(placeholder).join(value);

/** The reflection prompt for one component, byte for byte as gepa renders it. */
export function reflectionPrompt(currentInstruction: string, samples: readonly ReflectiveExample[]): string {
  const prompt = replaceAll(REFLECTION_PROMPT_TEMPLATE, '<curr_param>', currentInstruction);
  return replaceAll(prompt, '<side_info>', renderSamples(samples));
}

/**
 * The new instruction in a reflection reply: the text between the first and last ``` (a language
 * tag on the opening line dropped). A reply without a complete block is used as it is, minus a
 * lone opening or closing fence: gepa's rule, so a model that forgets the fence still proposes.
 */
export function extractInstruction(reply: string): string {
  const start = reply.indexOf('```') + 3;
  const end = reply.lastIndexOf('```');
  if (start >= end) {
    const stripped = pyStrip(reply);
    if (stripped.startsWith('```')) {
      const opening = /^```\S*\n?/.exec(reply);
      if (opening) return pyStrip(reply.slice(opening[0].length));
    } else if (stripped.endsWith('```')) {
      return pyStrip(stripped.slice(0, -3));
    }
    return stripped;
  }
  let content = reply.slice(start, end);
  const tag = /^\S*\n/.exec(content);
  if (tag) content = content.slice(tag[0].length);
  return pyStrip(content);
}

/** Asks the reflection model for a new instruction (one user message, as DSPy calls `lm(prompt)`). */
export async function proposeInstruction(
  lm: LanguageModel,
  currentInstruction: string,
  samples: readonly ReflectiveExample[],
): Promise<{ prompt: string; instruction: string }> {
  const prompt = reflectionPrompt(currentInstruction, samples);
  const response = await requestLm(lm, { messages: [{ role: 'user', content: prompt }] });
  const reply = response.outputs[0];
  if (typeof reply !== 'string') {
    throw new DspyError(`The reflection model (${lm.model}) returned no completion.`);
  }
  return { prompt, instruction: extractInstruction(pyStrip(reply)) };
}
