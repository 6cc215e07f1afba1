import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ChatRequestBody,
  choiceTexts,
  completionJSON,
  errorJSON,
  lastMessageText,
  type Reply,
  streamPayloads,
  usageFor,
} from './completion-body.js';

/** Computes the reply for a request: one text, one text per choice, or a full ReplySpec. */
export type ReplyFn = (body: ChatRequestBody) => Reply | Promise<Reply>;

/** A fault injected into one response instead of the normal answer. */
export type Fault =
  /** An HTTP error with an OpenAI-style error body; `retryAfterMs` sets `retry-after-ms` and `retry-after`. */
  | {
      status: number;
      retryAfterMs?: number | undefined;
      message?: string | undefined;
      code?: string | undefined;
    }
  /** Never answers (until the client gives up or the server closes). */
  | { hang: true }
  /** Answers normally after this extra delay. */
  | { delayMs: number }
  /** Status 200 with a body that is not JSON. */
  | { garbage: true }
  /** Status 200 with its headers and the start of a JSON body, then nothing more (a stalled body). */
  | { stallBody: true }
  /** Streams: answers 200 with the plain JSON completion instead of Server-Sent Events. */
  | { notStreamed: true }
  /** Streams: sends `afterChunks` chunks (default 2), then ends the body without a finish_reason or [DONE]. */
  | { cutStream: true; afterChunks?: number | undefined }
  /** Streams: sends `afterChunks` chunks (default 2) then an SSE error event. Non-streaming: a 500. */
  | { midStreamError: true; afterChunks?: number | undefined }
  /** Destroys the socket without an answer (a connection error for the client). */
  | { disconnect: true };

/** Decides a fault for a request (`undefined` = answer normally). */
export type FaultPredicate = (body: ChatRequestBody, requestIndex: number) => Fault | undefined;

export interface CapturedRequest {
  method: string;
  path: string;
  /** Lower-cased request headers. They include `authorization: Bearer <api key>`. */
  headers: Record<string, string>;
  /** The parsed JSON body (`undefined` when the body was not JSON). */
  body: ChatRequestBody | undefined;
}

export interface OpenAIServerOptions {
  /** Default reply when no scripted reply is queued. Default: `echo: <last message content>`. */
  reply?: Reply | ReplyFn | undefined;
  /** Delay before every response, in ms (default 0). Useful to observe concurrency. */
  latencyMs?: number | undefined;
  /** Characters per streamed content chunk (default 8). */
  chunkSize?: number | undefined;
  /** Delay between streamed chunks, in ms (default 0). */
  chunkDelayMs?: number | undefined;
  /** Largest accepted request body in bytes (default 4 MiB); larger bodies get a 413. */
  maxBodyBytes?: number | undefined;
  /** How many requests `requests` keeps, oldest dropped first (default 1000). */
  maxCapturedRequests?: number | undefined;
}

export interface OpenAIServer {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:43123/v1`: pass it as the LM's `baseURL`. */
  readonly url: string;
  /** Captured requests, most recent last (bounded by `maxCapturedRequests`). Headers hold the API key. */
  readonly requests: readonly CapturedRequest[];
  /** Chat completion requests received (including faulted ones). */
  readonly requestCount: number;
  /** Requests currently being answered. */
  readonly inFlight: number;
  /** The highest `inFlight` seen since start (or `reset()`). */
  readonly peakInFlight: number;
  /** Queues replies: each request takes the next one before falling back to `reply`. */
  script(...replies: Array<Reply | ReplyFn>): void;
  /** Queues faults: each of the next requests gets the next fault, in order. */
  fail(...faults: Fault[]): void;
  /** Consults `predicate` for every request the fault queue does not cover (`undefined` removes it). */
  failWhen(predicate: FaultPredicate | undefined): void;
  /** Clears captured requests, counters, scripted replies and faults. */
  reset(): void;
  /** Stops listening and drops open connections (hung requests included). Safe to call twice. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const sendJSON = (
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
) => {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
};

const flatHeaders = (req: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(req.headers).map(([key, value]) => [
      key,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );

/**
 * Starts a local OpenAI-compatible Chat Completions server on 127.0.0.1 (random port) for tests,
 * demos and benchmarks. It answers `POST /v1/chat/completions` (plain and SSE streaming, `n`
 * choices, usage), `GET /v1/models`, and can inject faults (status codes with Retry-After, hangs,
 * slow answers, garbage bodies, mid-stream errors, dropped connections).
 *
 * ```ts
 * const server = await startOpenAIServer({ reply: (body) => 'Paris' });
 * const lm = new LM('openai/test-model', { baseURL: server.url, apiKey: 'test' });
 * server.fail({ status: 429, retryAfterMs: 10 });   // the next request gets a 429
 * await server.close();
 * ```
 */
export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const defaultReply: Reply | ReplyFn = options.reply ?? ((body) => `echo: ${lastMessageText(body)}`);
  const chunkSize = Math.max(1, options.chunkSize ?? 8);
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxCaptured = options.maxCapturedRequests ?? 1000;

  const requests: CapturedRequest[] = [];
  let scripted: Array<Reply | ReplyFn> = [];
  let faults: Fault[] = [];
  let predicate: FaultPredicate | undefined;
  let requestCount = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  let nextId = 0;
  let closing: Promise<void> | undefined;

  const readBody = (req: IncomingMessage): Promise<Buffer | 'too-large'> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (part: Buffer) => {
        size += part.length;
        if (size > maxBodyBytes) tooLarge = true;
        if (!tooLarge) parts.push(part);
      });
      req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(parts)));
      req.on('error', reject);
    });

  const capture = (req: IncomingMessage, body: ChatRequestBody | undefined) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: flatHeaders(req), body });
    if (requests.length > maxCaptured) requests.splice(0, requests.length - maxCaptured);
  };

  const applyFault = async (fault: Fault, res: ServerResponse, requestId: string): Promise<boolean> => {
    if ('hang' in fault) return true; // leave the response open; close() or the client ends it
    if ('disconnect' in fault) {
      res.socket?.destroy();
      return true;
    }
    if ('garbage' in fault) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
      res.end('<html>502 Bad Gateway</html> this is not JSON');
      return true;
    }
    if ('stallBody' in fault) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
      res.write('{"id": "chatcmpl-stalled", "choices": [');
      return true; // the rest never comes; close() or the client ends it
    }
    if ('delayMs' in fault) {
      await sleep(fault.delayMs);
      return false;
    }
    if ('status' in fault) {
      const headers: Record<string, string> = { 'x-request-id': requestId };
      if (fault.retryAfterMs !== undefined) {
        headers['retry-after-ms'] = String(fault.retryAfterMs);
        headers['retry-after'] = String(Math.ceil(fault.retryAfterMs / 1000));
      }
      const type =
        fault.status === 429
          ? 'rate_limit_error'
          : fault.status >= 500
            ? 'server_error'
            : 'invalid_request_error';
      sendJSON(
        res,
        fault.status,
        errorJSON(fault.message ?? `Injected fault: HTTP ${fault.status}`, type, fault.code),
        headers,
      );
      return true;
    }
    return false; // stream faults are handled while answering
  };

  const answer = async (
    body: ChatRequestBody,
    res: ServerResponse,
    requestId: string,
    fault: Fault | undefined,
  ) => {
    const source = scripted.length > 0 ? scripted.shift()! : defaultReply;
    const reply = typeof source === 'function' ? await source(body) : source;
    const n = typeof body.n === 'number' && body.n > 0 ? Math.floor(body.n) : 1;
    const texts = choiceTexts(reply, n);
    const usage = usageFor(body, texts, reply);
    const model = typeof body.model === 'string' ? body.model : 'unknown';
    const midStream = fault && 'midStreamError' in fault ? fault : undefined;
    const cut = fault && 'cutStream' in fault ? fault : undefined;

    if (body.stream !== true || (fault && 'notStreamed' in fault)) {
      if (midStream) return sendJSON(res, 500, errorJSON('Injected mid-stream fault', 'server_error'));
      return sendJSON(res, 200, completionJSON(requestId, model, texts, reply, usage), {
        'x-request-id': requestId,
      });
    }
    const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
    const payloads = streamPayloads({
      id: requestId,
      model,
      texts,
      reply,
      usage,
      chunkSize,
      includeUsage: streamOptions?.include_usage === true,
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': requestId,
    });
    let sent = 0;
    for (const payload of payloads) {
      if (res.destroyed) return;
      if (midStream && sent === (midStream.afterChunks ?? 2)) {
        res.end(`data: ${JSON.stringify(errorJSON('Injected mid-stream fault', 'server_error'))}\n\n`);
        return;
      }
      if (cut && sent === (cut.afterChunks ?? 2)) {
        res.end();
        return;
      }
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
      sent += 1;
      if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
    }
    res.end('data: [DONE]\n\n');
  };

  const handleCompletion = async (req: IncomingMessage, res: ServerResponse) => {
    const index = requestCount++;
    const requestId = `req_${++nextId}`;
    const raw = await readBody(req);
    if (raw === 'too-large') {
      capture(req, undefined);
      return sendJSON(
        res,
        413,
        errorJSON(`Request body exceeds ${maxBodyBytes} bytes.`, 'invalid_request_error'),
        {
          connection: 'close',
        },
      );
    }
    let body: ChatRequestBody | undefined;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        body = parsed as ChatRequestBody;
    } catch {
      body = undefined;
    }
    capture(req, body);
    if (!body || !Array.isArray(body.messages)) {
      return sendJSON(
        res,
        400,
        errorJSON('The body must be a JSON object with a `messages` array.', 'invalid_request_error'),
      );
    }
    const fault = faults.length > 0 ? faults.shift() : predicate?.(body, index);
    if (options.latencyMs) await sleep(options.latencyMs);
    if (fault && (await applyFault(fault, res, requestId))) return;
    await answer(body, res, requestId, fault);
  };

  const server = createServer((req, res) => {
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    const path = (req.url ?? '').split('?')[0];
    const route =
      req.method === 'POST' && path === '/v1/chat/completions'
        ? handleCompletion(req, res)
        : req.method === 'GET' && path === '/v1/models'
          ? Promise.resolve(
              sendJSON(res, 200, {
                object: 'list',
                data: [{ id: 'test-model', object: 'model', owned_by: 'dspy-ts' }],
              }),
            )
          : Promise.resolve(
              sendJSON(res, 404, errorJSON(`No route for ${req.method} ${path}`, 'invalid_request_error')),
            );
    route.catch((error: unknown) => {
      sendJSON(res, 500, errorJSON(`Test server error: ${String(error)}`, 'server_error'));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get requestCount() {
      return requestCount;
    },
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    script: (...replies) => {
      scripted.push(...replies);
    },
    fail: (...queued) => {
      faults.push(...queued);
    },
    failWhen: (next) => {
      predicate = next;
    },
    reset: () => {
      requests.length = 0;
      scripted = [];
      faults = [];
      predicate = undefined;
      requestCount = 0;
      peakInFlight = inFlight;
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
