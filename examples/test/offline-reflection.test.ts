import { describe, expect, it } from 'vitest';
import { offlineCompletion } from '../lib/offline-model.mjs';
import { followInstructions, offlineReflection } from '../lib/offline-reflection.mjs';

/** A GEPA reflection prompt as the optimizer renders it (two examples, their feedback). */
const reflectionPrompt = (instruction: string, feedback: string[]) =>
  'I provided an assistant with the following instructions to perform a task for me:\n```\n' +
  `${instruction}\n\`\`\`\n\nThe following are examples of different task inputs provided to the assistant along with the assistant's response for each of them, and some feedback on how the assistant's response could be better:\n\`\`\`\n` +
  feedback
    .map(
      (note, i) =>
        `# Example ${i + 1}\n## Inputs\n### request\nHi\n\n## Generated Outputs\n### answer\nHello\n\n## Feedback\n${note}\n\n`,
    )
    .join('\n\n') +
  '\n```\n\nYour task is to write a new instruction for the assistant.\n\nProvide the new instructions within ``` blocks.';

const proposal = (reply: string) => /```\n([\s\S]*)\n```/.exec(reply)?.[1];

describe('the offline model as a GEPA reflection model', () => {
  it('writes the requirement the feedback states into the instructions', () => {
    const reply = offlineReflection(
      reflectionPrompt('Reply to the customer.', [
        'Rejected: every reply must end with "Thanks, Ana."',
        'Correct.',
      ]),
    );
    expect(proposal(reply)).toBe(
      'Reply to the customer.\n\nRules from reviewer feedback:\n- Always end with "Thanks, Ana.".',
    );
  });

  it('proposes from the feedback it is shown, not a canned text', () => {
    const a = offlineReflection(reflectionPrompt('Reply.', ['The reply must mention "order #12".']));
    const b = offlineReflection(reflectionPrompt('Reply.', ['The reply must mention "the refund window".']));
    expect(proposal(a)).toContain('- Always mention "order #12".');
    expect(proposal(b)).toContain('- Always mention "the refund window".');
    expect(proposal(a)).not.toBe(proposal(b));
  });

  it('keeps the rules of earlier rounds and adds no rule when the feedback asks for none', () => {
    const current = 'Reply.\n\nRules from reviewer feedback:\n- Always end with "Bye.".';
    expect(proposal(offlineReflection(reflectionPrompt(current, ['Correct.'])))).toBe(current);
  });

  it('answers the reflection prompt through offlineCompletion (the local server path)', () => {
    const text = reflectionPrompt('Reply.', ['It must end with "Bye."']);
    expect(offlineCompletion({ messages: [{ role: 'user', content: text }] })).toBe(offlineReflection(text));
  });

  it('follows the rules written in its instructions (indented as in the system message)', () => {
    const system =
      'your objective is: \n        Reply.\n        \n        Rules from reviewer feedback:\n        - Always end with "Bye.".';
    expect(followInstructions('Hello.', system)).toBe('Hello. Bye.');
    expect(followInstructions('Hello. Bye.', system)).toBe('Hello. Bye.');
  });
});
