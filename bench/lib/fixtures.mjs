// Shared setup: the `question -> answer` program, a server that answers in ChatAdapter's format,
// and a session wrapper when @dspy-ts/session is built.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pkg } from './load.mjs';

/** ChatAdapter's completion for `answer` (what a well-behaved model writes). */
export const chatCompletion = (answer) => `[[ ## answer ## ]]\n${answer}\n\n[[ ## completed ## ]]`;

/** The last user message of a request body (for replies that depend on the question). */
export const lastUser = (body) => {
  const messages = body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') return String(messages[i].content ?? '');
  }
  return '';
};

export async function framework() {
  const core = await pkg('core', 'Predict', 'LM', 'DummyLM', 'configure', 'signature');
  const { ChatAdapter } = await pkg('adapters', 'ChatAdapter');
  const testing = await pkg('testing', 'startOpenAIServer');
  const adapter = new ChatAdapter();
  core.configure({ adapter });
  return { core, testing, adapter, ChatAdapter, QA: core.signature('question -> answer') };
}

/** `@dspy-ts/session` when built (and exporting sessionify), else undefined. */
export async function sessionPackage() {
  try {
    const session = await pkg('session', 'sessionify');
    return session;
  } catch {
    return undefined;
  }
}

export const tempDir = (prefix) => mkdtempSync(join(tmpdir(), `dspy-ts-bench-${prefix}-`));
