#!/usr/bin/env node
/**
 * A plain-http chat server: one shared program, one conversation per user, kept in a session
 * store so that any number of server processes (or machines) can serve any user.
 *
 *   node examples/chat-server.mjs                                  # FileStore in ./.sessions
 *   REDIS_URL=redis://127.0.0.1:6379 node examples/chat-server.mjs # RedisStore
 *
 *   curl -s localhost:3000/chat/alice -d '{"message":"I was charged twice for order 1234"}'
 *   curl -s localhost:3000/chat/alice -d '{"message":"Any news?"}'
 *   curl -s localhost:3000/chat/alice              # the conversation so far
 *   curl -s -X DELETE localhost:3000/chat/alice    # forget it
 *
 * Model: OPENAI_API_KEY (+ OPENAI_BASE_URL, DSPY_TS_MODEL) when set, else the offline scripted model.
 * Run `npx -y pnpm@10 run build` first: this script imports the packages' built dist.
 */
import { configure } from '@dspy-ts/core';
import { FileStore } from '@dspy-ts/session';
import { createChatServer } from './lib/chat-app.mjs';
import { connectModel } from './lib/model.mjs';

const store = process.env.REDIS_URL
  ? new (await import('@dspy-ts/session/redis')).RedisStore({ url: process.env.REDIS_URL })
  : new FileStore({ dir: process.env.SESSIONS_DIR ?? '.sessions' });
const model = await connectModel();
configure({ lm: model.lm });
const server = createChatServer({ store });

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => {
  console.log(
    `chat server on http://127.0.0.1:${port}, ${store.constructor.name}, model: ${model.description}`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close();
    setTimeout(() => process.exit(0), 3000).unref();
    Promise.all([store.close(), model.close()]).finally(() => process.exit(0));
  });
}
