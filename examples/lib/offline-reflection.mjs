/**
 * The offline model's two GEPA behaviors, both read from the prompt like a model would:
 * - Reflection: GEPA's reflection prompt shows the current instructions and, per example, the
 *   inputs, the reply and the reviewer's feedback. The offline model collects every requirement
 *   the feedback states as `must end with "..."` / `must mention "..."` and answers with the
 *   instructions plus those rules (kept from earlier rounds, deduplicated) in a ``` block. It
 *   proposes only what the feedback it was shown asks for: no feedback, no new rule.
 * - Following instructions: a free-text answer obeys the `Always end with "..."` and
 *   `Always mention "..."` rules found in the system message's instructions.
 * A real reflection model generalizes from free-form feedback; this one understands these two
 * phrasings only, which is enough to show GEPA's loop working offline.
 */
const REFLECTION_OPENING =
  'I provided an assistant with the following instructions to perform a task for me:\n```\n';
const RULES_HEADING = '\n\nRules from reviewer feedback:';
const REQUIREMENT = /must (end with|mention) "([^"]+)"/g;
const RULE = /^\s*- Always (end with|mention) "([^"]+)"\.$/gm;

export const isReflectionPrompt = (text) => String(text).startsWith(REFLECTION_OPENING);

/** The reply to a GEPA reflection prompt: the current instructions plus the rules its feedback asks for. */
export function offlineReflection(text) {
  const end = text.indexOf('\n```\n', REFLECTION_OPENING.length);
  const current = text.slice(REFLECTION_OPENING.length, end);
  const [base] = current.split(RULES_HEADING);
  const rules = new Map();
  for (const [, verb, phrase] of current.matchAll(RULE)) rules.set(phrase, verb);
  const feedback = [...text.matchAll(/## Feedback\n([\s\S]*?)(?=\n\n\n# Example |\n\n\n```\n)/g)].map(
    (m) => m[1],
  );
  for (const note of feedback)
    for (const [, verb, phrase] of note.matchAll(REQUIREMENT)) rules.set(phrase, verb);
  const listed = [...rules].map(([phrase, verb]) => `- Always ${verb} "${phrase}".`);
  const proposal = listed.length > 0 ? `${base}${RULES_HEADING}\n${listed.join('\n')}` : base;
  return `Here are the improved instructions.\n\`\`\`\n${proposal}\n\`\`\``;
}

/** A free-text answer with the instructions' `Always end with/mention "..."` rules applied. */
export function followInstructions(answer, system) {
  let text = answer;
  for (const [, verb, phrase] of String(system).matchAll(RULE)) {
    if (verb === 'mention' && !text.includes(phrase)) text = `${text} ${phrase}`;
    if (verb === 'end with' && !text.endsWith(phrase)) text = `${text} ${phrase}`;
  }
  return text;
}
