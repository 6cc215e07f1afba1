/**
 * Builders for OpenAI Chat Completions response bodies (plain JSON and SSE chunks), shared by the
 * local test server. Token counts are a deterministic estimate (4 characters per token).
 */

/** The parts of a chat completion request body the server reads. Other keys are kept as sent. */
export interface ChatRequestBody {
  model?: unknown;
  messages?: unknown;
  n?: unknown;
  stream?: unknown;
  stream_options?: unknown;
  [key: string]: unknown;
}

export interface ServerUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

/** A tool call the server answers with; `arguments` is the JSON text of the arguments. */
export interface ReplyToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** One reply: choice texts plus optional tool calls (every choice makes them), finish reason and usage. */
export interface ReplySpec {
  content: string | string[];
  toolCalls?: readonly ReplyToolCall[] | undefined;
  finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls' | undefined;
  usage?: Partial<ServerUsage> | undefined;
}

export type Reply = string | string[] | ReplySpec;

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const messageText = (body: ChatRequestBody): string =>
  Array.isArray(body.messages)
    ? body.messages
        .map((message: unknown) =>
          typeof message === 'object' && message !== null
            ? String((message as { content?: unknown }).content ?? '')
            : '',
        )
        .join('\n')
    : '';

/** The text of the last message, used by the default echo reply. */
export const lastMessageText = (body: ChatRequestBody): string => {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last: unknown = messages[messages.length - 1];
  return typeof last === 'object' && last !== null
    ? String((last as { content?: unknown }).content ?? '')
    : '';
};

/** Normalizes a reply to exactly `n` choice texts (a single text is repeated, a short list cycles). */
export function choiceTexts(reply: Reply, n: number): string[] {
  const content = typeof reply === 'string' || Array.isArray(reply) ? reply : reply.content;
  const list = typeof content === 'string' ? [content] : content.length > 0 ? content : [''];
  return Array.from({ length: n }, (_, index) => list[index % list.length] ?? '');
}

export function usageFor(body: ChatRequestBody, texts: string[], reply: Reply): ServerUsage {
  const prompt = estimateTokens(messageText(body));
  const completion = texts.reduce((sum, text) => sum + estimateTokens(text), 0);
  const overrides = typeof reply === 'object' && !Array.isArray(reply) ? reply.usage : undefined;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...overrides,
  };
}

const toolCallsOf = (reply: Reply): readonly ReplyToolCall[] =>
  (typeof reply === 'object' && !Array.isArray(reply) ? reply.toolCalls : undefined) ?? [];

const finishReasonOf = (reply: Reply): string =>
  (typeof reply === 'object' && !Array.isArray(reply) ? reply.finishReason : undefined) ??
  (toolCallsOf(reply).length > 0 ? 'tool_calls' : 'stop');

const openAIToolCall = (call: ReplyToolCall) => ({
  id: call.id,
  type: 'function',
  function: { name: call.name, arguments: call.arguments },
});

export function completionJSON(id: string, model: string, texts: string[], reply: Reply, usage: ServerUsage) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: texts.map((text, index) => ({
      index,
      message: {
        role: 'assistant',
        content: toolCallsOf(reply).length > 0 && text === '' ? null : text,
        refusal: null,
        ...(toolCallsOf(reply).length > 0 ? { tool_calls: toolCallsOf(reply).map(openAIToolCall) } : {}),
      },
      logprobs: null,
      finish_reason: finishReasonOf(reply),
    })),
    usage,
  };
}

/** SSE `data:` payloads for a streamed completion, in order, without the final `[DONE]`. */
export function streamPayloads(options: {
  id: string;
  model: string;
  texts: string[];
  reply: Reply;
  usage: ServerUsage;
  chunkSize: number;
  includeUsage: boolean;
}): unknown[] {
  const base = {
    id: options.id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: options.model,
  };
  const payloads: unknown[] = [];
  options.texts.forEach((text, index) => {
    payloads.push({
      ...base,
      choices: [{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    for (let start = 0; start < text.length; start += options.chunkSize) {
      const content = text.slice(start, start + options.chunkSize);
      payloads.push({ ...base, choices: [{ index, delta: { content }, finish_reason: null }] });
    }
    // Tool calls stream as OpenAI sends them: id and name first, then the arguments in pieces.
    toolCallsOf(options.reply).forEach((call, callIndex) => {
      const head = {
        index: callIndex,
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: '' },
      };
      payloads.push({ ...base, choices: [{ index, delta: { tool_calls: [head] }, finish_reason: null }] });
      for (let start = 0; start < call.arguments.length; start += options.chunkSize) {
        const piece = {
          index: callIndex,
          function: { arguments: call.arguments.slice(start, start + options.chunkSize) },
        };
        payloads.push({ ...base, choices: [{ index, delta: { tool_calls: [piece] }, finish_reason: null }] });
      }
    });
    payloads.push({ ...base, choices: [{ index, delta: {}, finish_reason: finishReasonOf(options.reply) }] });
  });
  if (options.includeUsage) payloads.push({ ...base, choices: [], usage: options.usage });
  return payloads;
}

export const errorJSON = (message: string, type: string, code: string | null = null) => ({
  error: { message, type, param: null, code },
});
