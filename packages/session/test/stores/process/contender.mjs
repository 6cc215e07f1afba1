// One process of the cross-process contention test: `count` concurrent SessionManager calls for
// one user on a FileStore folder shared with another process. Prints one JSON line: how many
// calls succeeded, the errors, and how many times the LM ran.
import { ChatAdapter } from '@dspy-ts/adapters';
import { context, DummyLM, Predict } from '@dspy-ts/core';
import { FileStore, SessionManager } from '@dspy-ts/session';

const [dir, user, count, prefix] = process.argv.slice(2);
const lm = new DummyLM((request) => {
  const question = /\[\[ ## question ## \]\]\n(.*)/.exec(request.messages.at(-1)?.content ?? '')?.[1];
  return { answer: `A:${question}` };
});
const users = new SessionManager(new Predict('question -> answer'), { store: new FileStore({ dir }) });
const results = await context({ lm, adapter: new ChatAdapter() }, () =>
  Promise.allSettled(
    Array.from({ length: Number(count) }, (_, n) => users.call(user, { question: `${prefix}${n}` })),
  ),
);
const errors = results
  .filter((result) => result.status === 'rejected')
  .map((result) => String(result.reason));
console.log(JSON.stringify({ ok: results.length - errors.length, errors, lmCalls: lm.requests.length }));
