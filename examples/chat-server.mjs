#!/usr/bin/env node
/**
 * A plain-http chat server: one shared program, one conversation per user, kept in a session
 * store so that any number of server processes (or machines) can serve any user.
 *
 *   node examples/chat-server.mjs                                  # FileStore in ./.sessions
 *   PORT=3001 node examples/chat-server.mjs                        # another port (default 3000)
 *   REDIS_URL=redis://127.0.0.1:6379 node examples/chat-server.mjs # RedisStore
 *
 *   curl -s localhost:3000/chat/alice -d '{"message":"I was charged twice for order 1234"}'
 *   curl -s localhost:3000/chat/alice -d '{"message":"Any news?"}'
 *   curl -s localhost:3000/chat/alice              # the conversation so far
 *   curl -s -X DELETE localhost:3000/chat/alice    # forget it
 *
 * Model: OPENAI_API_KEY (+ OPENAI_BASE_URL, DSPY_TS_MODEL) when set, else the offline scripted model.
 * Run `npx -y pnpm@10 run build` first: this script imports the packages' built dist (it says so if not).
 */
import { importBuilt } from './lib/require-build.mjs';

const [{ configure }, { FileStore }, { closeNow, createChatServer, listen }, { connectModel }] =
  await importBuilt(() =>
    Promise.all([
      import('@dspy-ts/core'),
      import('@dspy-ts/session'),
      import('./lib/chat-app.mjs'),
      import('./lib/model.mjs'),
    ]),
  );

const store = process.env.REDIS_URL
  ? new (await import('@dspy-ts/session/redis')).RedisStore({ url: process.env.REDIS_URL })
  : new FileStore({ dir: process.env.SESSIONS_DIR ?? '.sessions' });
const model = await connectModel();
configure({ lm: model.lm });
const server = createChatServer({ store });
const shutdown = () => closeNow(server, [() => store.close(), () => model.close()]);

const port = Number(process.env.PORT ?? 3000);
try {
  await listen(server, port);
} catch (error) {
  if (error.port === undefined) throw error;
  console.error(error.message);
  await shutdown();
  process.exit(1);
}
console.log(
  `chat server on http://127.0.0.1:${port}, ${store.constructor.name}, model: ${model.description}`,
);
console.log('Ctrl-C stops it.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // A second Ctrl-C does not wait for anything.
    if (stopping) process.exit(130);
    stopping = true;
    setTimeout(() => process.exit(0), 1000).unref();
    shutdown().finally(() => process.exit(0));
  });
}
