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
 */
import { createServer } from 'node:http';
import { configure, Predict } from '@dspy-ts/core';
import { FileStore, SessionManager } from '@dspy-ts/session';
import { connectModel } from './lib/model.mjs';

const store = process.env.REDIS_URL
  ? new (await import('@dspy-ts/session/redis')).RedisStore({ url: process.env.REDIS_URL })
  : new FileStore({ dir: process.env.SESSIONS_DIR ?? '.sessions' });
const model = await connectModel();
configure({ lm: model.lm });

const SupportChat =
  "request -> category: Literal['billing', 'shipping', 'account', 'technical', 'general'], reply";
const chat = new SessionManager(new Predict(SupportChat), {
  store,
  maxTurns: 20, // the prompt sees the last 20 messages
  ttlMs: 7 * 24 * 60 * 60 * 1000, // a conversation idle for a week is forgotten
});

async function readJson(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw Object.assign(new Error('body too large'), { status: 413 });
  }
  try {
    return JSON.parse(body || '{}');
  } catch {
    throw Object.assign(new Error('the body must be JSON: {"message": "..."}'), { status: 400 });
  }
}

const server = createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const match = /^\/chat\/([^/?#]+)$/.exec(req.url ?? '');
    if (!match) return send(404, { error: 'use /chat/<user>' });
    const user = decodeURIComponent(match[1]);
    if (req.method === 'POST') {
      const { message } = await readJson(req);
      if (typeof message !== 'string' || !message.trim()) {
        return send(400, { error: 'the body must be {"message": "..."}' });
      }
      const { category, reply } = await chat.call(user, { request: message });
      return send(200, { category, reply });
    }
    if (req.method === 'GET') {
      const state = await chat.get(user);
      const turns = (state?.turns ?? []).map((t) => ({ message: t.inputs.request, ...t.outputs }));
      return send(200, { user, turns });
    }
    if (req.method === 'DELETE') return send(200, { deleted: await chat.reset(user) });
    return send(405, { error: 'use POST, GET or DELETE' });
  } catch (error) {
    const status = error.status ?? (error instanceof URIError || error.name === 'InputError' ? 400 : 500);
    return send(status, { error: error.message });
  }
});

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
