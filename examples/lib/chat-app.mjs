/**
 * The chat server's HTTP handler: one shared program, one conversation per user in a session
 * store (SessionManager), so any number of server processes or machines can serve any user.
 *   POST   /chat/<user>  {"message": "..."}  -> { category, reply }
 *   GET    /chat/<user>                      -> { user, turns }
 *   DELETE /chat/<user>                      -> { deleted }
 */
import { createServer } from 'node:http';
import { Predict } from '@dspy-ts/core';
import { SessionManager } from '@dspy-ts/session';

export const SupportChat =
  "request -> category: Literal['billing', 'shipping', 'account', 'technical', 'general'], reply";

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

/** An http.Server (not yet listening) answering chat requests, with `store` holding the sessions. */
export function createChatServer({ store, lm }) {
  const program = new Predict(SupportChat);
  if (lm) program.lm = lm; // else the configured LM
  const chat = new SessionManager(program, {
    store,
    maxTurns: 20, // the prompt sees the last 20 turns
    ttlMs: 7 * 24 * 60 * 60 * 1000, // a conversation idle for a week is forgotten
  });
  return createServer(async (req, res) => {
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
}

/**
 * Listens on `port`; a port in use (or not allowed) rejects with one line that names the port and
 * how to pick another, with `code` kept so the caller can tell it from other failures.
 */
export function listen(server, port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      server.off('listening', onListening);
      const why =
        error.code === 'EADDRINUSE'
          ? `Port ${port} is already in use (another chat server?)`
          : error.code === 'EACCES'
            ? `Port ${port} needs privileges this process does not have`
            : undefined;
      if (!why) return reject(error);
      const message = `${why}. Pick another with the PORT variable: PORT=${port === 3001 ? 3002 : 3001} node examples/chat-server.mjs`;
      reject(Object.assign(new Error(message), { code: error.code, port }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address());
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Stops at once: no new connections, open ones (keep-alive clients, requests still waiting on the
 * model) are cut, then `closers` run (store, model). Waiting for them politely is what made
 * Ctrl-C take seconds.
 */
export async function closeNow(server, closers = []) {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await Promise.allSettled([closed, ...closers.map((close) => close())]);
}
