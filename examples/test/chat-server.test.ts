import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@dspy-ts/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatServer } from '../lib/chat-app.mjs';
import { type OfflineModel, startOfflineModel } from '../lib/offline-model.mjs';

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
