import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LM } from '@dspy-ts/core';
import { startOpenAIServer } from '@dspy-ts/core/testing';
import { FileStore, MemoryStore } from '@dspy-ts/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNow, createChatServer, listen } from '../lib/chat-app.mjs';
import { type OfflineModel, startOfflineModel } from '../lib/offline-model.mjs';
import { BUILD_FIRST } from '../lib/require-build.mjs';
import { root } from './readme-blocks.ts';

let model: OfflineModel;
let dir: string;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  model = await startOfflineModel();
  dir = await mkdtemp(join(tmpdir(), 'dspy-ts-chat-'));
  const store = new FileStore({ dir });
  const server = createChatServer({ store, lm: model.lm });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  };
});
afterAll(async () => {
  await close();
  await model.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (user: string, message: unknown) =>
  fetch(`${base}/chat/${encodeURIComponent(user)}`, { method: 'POST', body: JSON.stringify({ message }) });

describe('the chat server example (FileStore)', () => {
  it('keeps one conversation per user across requests', async () => {
    const first = await post('alice', 'I was charged twice for order 1234');
    expect(first.status).toBe(200);
    expect(((await first.json()) as { category: string }).category).toBe('billing');
    expect((await post('alice', 'Any news?')).status).toBe(200);
    expect((await post('bob', 'Where is my parcel?')).status).toBe(200);
    type Conversation = { turns: { message: string }[] };
    const alice = (await (await fetch(`${base}/chat/alice`)).json()) as Conversation;
    expect(alice.turns.map((t) => t.message)).toEqual(['I was charged twice for order 1234', 'Any news?']);
    const bob = (await (await fetch(`${base}/chat/bob`)).json()) as Conversation;
    expect(bob.turns).toHaveLength(1);
  });

  it('accepts odd user ids and forgets a conversation on DELETE', async () => {
    const id = '../../etc/passwd ü/😀';
    expect((await post(id, 'Hello')).status).toBe(200);
    const deleted = await (
      await fetch(`${base}/chat/${encodeURIComponent(id)}`, { method: 'DELETE' })
    ).json();
    expect(deleted).toEqual({ deleted: true });
    const after = (await (await fetch(`${base}/chat/${encodeURIComponent(id)}`)).json()) as {
      turns: unknown[];
    };
    expect(after.turns).toEqual([]);
  });

  it('rejects a bad body with 400', async () => {
    expect((await post('carol', '')).status).toBe(400);
    const res = await fetch(`${base}/chat/carol`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
  });
});

describe('running the chat server', () => {
  it('says in one line which port is busy and how to pick another', async () => {
    const taken = createChatServer({ store: new MemoryStore(), lm: model.lm });
    const { port } = (await listen(taken, 0)) as AddressInfo;
    try {
      const second = createChatServer({ store: new MemoryStore(), lm: model.lm });
      const error = (await listen(second, port).catch((e: unknown) => e)) as Error & { code: string };
      expect(error.code).toBe('EADDRINUSE');
      expect(error.message).toBe(
        `Port ${port} is already in use (another chat server?). Pick another with the PORT variable: PORT=3001 node examples/chat-server.mjs`,
      );
    } finally {
      await closeNow(taken);
    }
  });

  it('closes at once while a request still waits on the model', async () => {
    let arrived: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const stuck = await startOpenAIServer({
      reply: () => {
        arrived();
        return new Promise(() => undefined); // the model never answers
      },
    });
    const lm = new LM('openai/stuck', { baseURL: stuck.url, apiKey: 'offline', cache: false, numRetries: 0 });
    const server = createChatServer({ store: new MemoryStore(), lm });
    const { port } = (await listen(server, 0)) as AddressInfo;
    const request = fetch(`http://127.0.0.1:${port}/chat/dave`, {
      method: 'POST',
      body: JSON.stringify({ message: 'hello?' }),
    }).catch((error: unknown) => error);
    await waiting;
    let storeClosed = false;
    await closeNow(server, [async () => (storeClosed = true)]);
    expect(storeClosed).toBe(true);
    expect(await request).toBeInstanceOf(Error); // the client's connection was cut, not left hanging
    await stuck.close();
  });

  it('tells to build first, in one line, when the packages are not built', () => {
    const script = [
      `const { importBuilt } = await import(${JSON.stringify(pathToFileURL(join(root, 'examples/lib/require-build.mjs')).href)});`,
      `await importBuilt(() => import(${JSON.stringify(pathToFileURL(join(root, 'examples/node_modules/@dspy-ts/core/dist/not-built-yet.js')).href)}));`,
    ].join('\n');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${BUILD_FIRST}\n`);
  });

  it('keeps the FileStore folder out of git', async () => {
    const ignored = (await readFile(join(root, '.gitignore'), 'utf8')).split('\n');
    expect(ignored).toContain('.sessions/');
  });
});
