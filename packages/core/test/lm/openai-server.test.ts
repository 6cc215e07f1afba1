import { type OpenAIServer, startOpenAIServer } from '@dspy-ts/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

let server: OpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const post = (body: unknown, init: RequestInit = {}) =>
  fetch(`${server?.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-captured' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });

interface CompletionJSON {
  object: string;
  choices: Array<{ message: { content: string } }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}
const json = async (response: Response) => (await response.json()) as CompletionJSON;

const chat = { model: 'm', messages: [{ role: 'user', content: 'hello there' }] };

describe('startOpenAIServer', () => {
  it('listens on 127.0.0.1 with a base URL ending in /v1', async () => {
    server = await startOpenAIServer();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('echoes the last message by default, with usage and n choices', async () => {
    server = await startOpenAIServer();
    const body = await json(await post({ ...chat, n: 2 }));
    expect(body.object).toBe('chat.completion');
    expect(body.choices.map((c: { message: { content: string } }) => c.message.content)).toEqual([
      'echo: hello there',
      'echo: hello there',
    ]);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('answers from scripted replies first, then from the reply function', async () => {
    server = await startOpenAIServer({ reply: (req) => `fn ${req.model}` });
    server.script('scripted');
    const first = await json(await post(chat));
    const second = await json(await post(chat));
    expect(first.choices[0]?.message.content).toBe('scripted');
    expect(second.choices[0]?.message.content).toBe('fn m');
  });

  it('streams SSE chunks of the configured size and ends with [DONE]', async () => {
    server = await startOpenAIServer({ reply: 'abcdefg', chunkSize: 3 });
    const text = await (
      await post({ ...chat, stream: true, stream_options: { include_usage: true } })
    ).text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const payloads = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)));
    const contents = payloads.flatMap((p) =>
      p.choices.map((c: { delta: { content?: string } }) => c.delta.content ?? ''),
    );
    expect(contents.filter(Boolean)).toEqual(['abc', 'def', 'g']);
    expect(payloads.at(-1).usage.completion_tokens).toBe(2);
  });

  it('captures bodies and headers (including the authorization header), bounded', async () => {
    server = await startOpenAIServer({ maxCapturedRequests: 2 });
    for (const content of ['a', 'b', 'c']) await post({ model: 'm', messages: [{ role: 'user', content }] });
    expect(server.requestCount).toBe(3);
    expect(
      server.requests.map((r) => (r.body?.messages as Array<{ content: string }> | undefined)?.[0]?.content),
    ).toEqual(['b', 'c']);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-captured');
  });

  it('tracks in-flight and peak in-flight requests', async () => {
    server = await startOpenAIServer({ latencyMs: 50 });
    await Promise.all([post(chat), post(chat), post(chat)]);
    expect(server.peakInFlight).toBe(3);
    expect(server.inFlight).toBe(0);
  });

  it('rejects a body over maxBodyBytes with 413', async () => {
    server = await startOpenAIServer({ maxBodyBytes: 1000 });
    const response = await post({ ...chat, messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    expect(response.status).toBe(413);
  });

  it('rejects a body that is not a chat request with 400 and unknown routes with 404', async () => {
    server = await startOpenAIServer();
    expect((await post('not json')).status).toBe(400);
    expect((await fetch(`${server.url}/embeddings`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/models`)).status).toBe(200);
  });

  it('injects queued faults in order, then answers normally', async () => {
    server = await startOpenAIServer({ reply: 'ok' });
    server.fail({ status: 429, retryAfterMs: 1500 }, { garbage: true });
    const limited = await post(chat);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after-ms')).toBe('1500');
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-request-id')).toMatch(/^req_/);
    await expect((await post(chat)).text().then((t) => JSON.parse(t))).rejects.toThrow();
    expect((await post(chat)).status).toBe(200);
  });

  it('answers after the extra delay of a slow-response fault', async () => {
    server = await startOpenAIServer({ reply: 'late' });
    server.fail({ delayMs: 120 });
    const started = Date.now();
    const body = await json(await post(chat));
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(body.choices[0]?.message.content).toBe('late');
  });

  it('consults a fault predicate for every request', async () => {
    server = await startOpenAIServer();
    server.failWhen((body) => (body.model === 'bad' ? { status: 500 } : undefined));
    expect((await post({ ...chat, model: 'bad' })).status).toBe(500);
    expect((await post(chat)).status).toBe(200);
  });

  it('sends an SSE error event after some chunks for a mid-stream fault', async () => {
    server = await startOpenAIServer({ reply: 'abcdefghij', chunkSize: 2 });
    server.fail({ midStreamError: true, afterChunks: 2 });
    const text = await (await post({ ...chat, stream: true })).text();
    expect(text).toContain('"error"');
    expect(text).not.toContain('[DONE]');
  });

  it('closes with hung requests still open', async () => {
    server = await startOpenAIServer();
    server.fail({ hang: true });
    const hung = post(chat).catch((error: unknown) => error);
    await expect.poll(() => server?.inFlight).toBe(1);
    await server.close();
    expect(await hung).toBeInstanceOf(Error);
  });

  it('reset clears captured requests, counters, scripts and faults', async () => {
    server = await startOpenAIServer({ reply: 'default' });
    server.script('scripted');
    server.fail({ status: 500 });
    await post(chat);
    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(server.requestCount).toBe(0);
    const body = await json(await post(chat));
    expect(body.choices[0]?.message.content).toBe('default');
  });
});
