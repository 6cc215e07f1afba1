import fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatAdapter } from '@dspy-ts/adapters';
import { AdapterParseError, context, LMRateLimitError, LMServerError } from '@dspy-ts/core';
import type { CapturedRequest } from '@dspy-ts/core/testing';
import { type Session, SessionStateError, sessionify } from '@dspy-ts/session';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type OfflineModel, startOfflineModel } from '../lib/offline-model.mjs';
import { SupportAssistant } from '../lib/support.mjs';

// Faults through the whole stack: session -> modules -> ChatAdapter -> LM (openai SDK, our retries)
// -> HTTP -> local server. No cache, so every call reaches the server.
let model: OfflineModel;
let session: Session<SupportAssistant>;
let dir: string;
const run = <T>(fn: () => Promise<T>) => context({ lm: model.lm, adapter: new ChatAdapter() }, fn);
const ask = (request: string) => run(() => session.call({ request }));
const requests = () => session.turns.map((turn) => String(turn.inputs.request));
const contentOf = (request: CapturedRequest | undefined): string =>
  ((request?.body?.messages ?? []) as Array<{ content: string }>)
    .map((message) => message.content)
    .join('\n');
const count = (text: string, part: string) => text.split(part).length - 1;

beforeAll(async () => {
  model = await startOfflineModel({ lm: { cache: false, numRetries: 3, retryBaseMs: 1, retryMaxMs: 5 } });
});
afterAll(() => model.close());
beforeEach(async () => {
  model.server.reset();
  session = sessionify(new SupportAssistant());
  dir = await mkdtemp(join(tmpdir(), 'dspy-ts-faults-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('transport faults', () => {
  it('retries 429 bursts and 500s, and the conversation continues with no lost or duplicated turn', async () => {
    await ask('My parcel for order #7001 is late.');
    model.server.fail({ status: 429, retryAfterMs: 2 }, { status: 429, retryAfterMs: 2 }, { status: 429 });
    await ask('Was I billed for it twice?');
    model.server.fail({ status: 500 }, { status: 503 });
    await ask('Any news yet?');
    // A fault on every other request, so both predictors of the turn are hit.
    model.server.failWhen((_body, index) => (index % 2 === 0 ? { status: 502 } : undefined));
    await ask('Thanks, one more thing: my password reset email never comes.');
    model.server.failWhen(undefined);

    expect(requests()).toEqual([
      'My parcel for order #7001 is late.',
      'Was I billed for it twice?',
      'Any news yet?',
      'Thanks, one more thing: my password reset email never comes.',
    ]);
    expect(session.turns.map((turn) => [turn.index, turn.historySnapshot.messages.length])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(session.turns.map((turn) => turn.outputs.category)).toEqual([
      'shipping',
      'billing',
      'billing',
      'account',
    ]);
    // The last prompt carries each earlier turn exactly once.
    const last = contentOf(model.server.requests.at(-1));
    for (const request of requests().slice(0, 3)) expect(count(last, request)).toBe(1);
  });

  it('a burst longer than the retry budget fails the call, records no turn, and the next call continues', async () => {
    await ask('My parcel for order #7001 is late.');
    model.server.fail(...Array.from({ length: 4 }, () => ({ status: 429, retryAfterMs: 1 })));
    await expect(ask('Hello? Is anyone there?')).rejects.toBeInstanceOf(LMRateLimitError);
    expect(session.length).toBe(1);

    await ask('Any news yet?');
    expect(requests()).toEqual(['My parcel for order #7001 is late.', 'Any news yet?']);
    expect(count(contentOf(model.server.requests.at(-1)), 'Hello? Is anyone there?')).toBe(0);
  });

  it('a failure in the second module after the first succeeded records no turn', async () => {
    // Only the ChainOfThought request (its system message asks for `reasoning`) fails, every time.
    model.server.failWhen((body) =>
      JSON.stringify(body.messages).includes('`reasoning`') ? { status: 500 } : undefined,
    );
    await expect(ask('I was charged twice.')).rejects.toBeInstanceOf(LMServerError);
    expect(session.length).toBe(0);
    model.server.failWhen(undefined);
    await ask('I was charged twice.');
    expect(requests()).toEqual(['I was charged twice.']);
  });
});

describe('unparseable completions', () => {
  const raw = 'Sure! That sounds like a billing question to me.';

  it('surface an AdapterParseError with the raw text, and the session records no turn', async () => {
    await ask('My parcel for order #7001 is late.');
    // ChatAdapter fails, then its JSONAdapter fallback (structured output, then JSON mode) gets the
    // same kind of answer.
    model.server.script(raw, raw, raw, raw);
    const error = await ask('I was charged twice.').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AdapterParseError);
    expect((error as AdapterParseError).completion).toBe(raw);
    expect((error as AdapterParseError).message).toContain(raw);
    expect(session.length).toBe(1);
    model.server.reset();

    await ask('I was charged twice.');
    expect(requests()).toEqual(['My parcel for order #7001 is late.', 'I was charged twice.']);
  });

  it('without the JSON fallback, one bad completion is enough', async () => {
    model.server.script(raw);
    const noFallback = new ChatAdapter({ useJsonAdapterFallback: false });
    const error = await context({ lm: model.lm, adapter: noFallback }, () =>
      session.call({ request: 'I was charged twice.' }),
    ).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AdapterParseError);
    expect((error as AdapterParseError).completion).toBe(raw);
    expect((error as AdapterParseError).missingFields).toEqual(['category']);
    expect(model.server.requestCount).toBe(1);
    expect(session.length).toBe(0);
  });
});

describe('a crash while saving', () => {
  const saveTwoTurns = async () => {
    await ask('My parcel for order #7001 is late.');
    await ask('Any news yet?');
    const path = join(dir, 'session.json');
    await session.save(path);
    await ask('Was I billed for express postage?');
    return { path, before: await readFile(path, 'utf8') };
  };

  it('mid-write leaves the previous session.json intact (and no temp file behind)', async () => {
    const { path, before } = await saveTwoTurns();
    const realWrite = fs.writeSync;
    // The disk "dies" halfway through writing the new file.
    vi.spyOn(fs, 'write').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
      const text = typeof data === 'string' ? data : String(data);
      realWrite(fd, text.slice(0, text.length / 2));
      const callback = rest.at(-1) as (error: Error) => void;
      callback(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    }) as unknown as typeof fs.write);

    await expect(session.save(path)).rejects.toThrow('EIO');
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(JSON.parse(before).turns).toHaveLength(2);
    expect(await readdir(dir)).toEqual(['session.json']);

    vi.restoreAllMocks();
    await session.save(path);
    expect(JSON.parse(await readFile(path, 'utf8')).turns).toHaveLength(3);
  });

  it('just before the rename leaves the previous session.json intact', async () => {
    const { path, before } = await saveTwoTurns();
    vi.spyOn(fs, 'rename').mockImplementation(((_from: string, _to: string, callback: (e: Error) => void) =>
      callback(new Error('ENOSPC: no space left on device, rename'))) as unknown as typeof fs.rename);
    await expect(session.save(path)).rejects.toThrow('ENOSPC');
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('on a value JSON cannot hold rejects with SessionStateError and leaves the file intact', async () => {
    const { path, before } = await saveTwoTurns();
    session.addTurn({ inputs: { request: 'a BigInt' }, outputs: { category: 10n } });
    await expect(session.save(path)).rejects.toBeInstanceOf(SessionStateError);
    expect(await readFile(path, 'utf8')).toBe(before);
  });
});
