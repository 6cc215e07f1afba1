// Your first dspy-ts program. Run it with `npm start`.
// Offline by default: a local stand-in server answers. Set OPENAI_API_KEY (or DSPY_TS_MODEL and that
// provider's key, e.g. DSPY_TS_MODEL=anthropic/claude-3-5-haiku-latest ANTHROPIC_API_KEY=...) for a real model.
import { ChainOfThought, configure, LM } from '@dspy-ts/core';
import { lastMessageText, startOpenAIServer } from '@dspy-ts/core/testing';
import { sessionify } from '@dspy-ts/session';

const model = process.env.DSPY_TS_MODEL ?? 'openai/gpt-4o-mini';
const useRealModel = Boolean(process.env.DSPY_TS_MODEL || process.env.OPENAI_API_KEY);

// The stand-in speaks DSPy's chat format, so the whole real path runs: prompt, HTTP, parsing.
const standIn = useRealModel
  ? undefined
  : await startOpenAIServer({
      reply: (body) => {
        const question = /\[\[ ## question ## \]\]\n(.*)/.exec(lastMessageText(body))?.[1];
        return `[[ ## reasoning ## ]]\nI am an offline stand-in.\n\n[[ ## answer ## ]]\nYou asked: ${question}\n\n[[ ## completed ## ]]`;
      },
    });
configure({ lm: standIn ? new LM('openai/stand-in', { baseURL: standIn.url }) : new LM(model) });

// A signature says what goes in and what comes out; the typed prediction has exactly those fields.
const chat = sessionify(new ChainOfThought('question -> answer'));
for (const question of ['What is DSPy, in one sentence?', 'How is it different from writing prompts?']) {
  const prediction = await chat.call({ question });
  console.log(`Q: ${question}\nA: ${prediction.answer}\n`);
}
console.log(`${chat.length} turns with ${standIn ? 'the offline stand-in (no API key set)' : model}.`);
await standIn?.close();
