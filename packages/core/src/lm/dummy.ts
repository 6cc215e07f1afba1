import { ConfigurationError } from '../errors.js';
import { ToolCalls } from '../tool/tool-calls.js';
import { appendHistory, isoNow } from './history-log.js';
import type {
  LanguageModel,
  LMHistoryEntry,
  LMRequest,
  LMResponse,
  LMStreamChunk,
  LMToolCall,
} from './types.js';
import { recordLmUsage } from './usage-tracker.js';

export type DummyAnswer = Readonly<Record<string, unknown>>;
/** A rule: gets the request, returns the answer values (or undefined to fall through). */
export type DummyRule = (request: LMRequest) => DummyAnswer | string | undefined;

/** Chat-format rendering for a request that names no format (DSPy DummyLM's default formatter). */
const chatFormat = (values: DummyAnswer): string =>
  Object.entries(values)
    .map(([key, value]) => `[[ ## ${key} ## ]]\n${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n\n');

/** A request that offers tools: the model may answer with native tool calls. */
const offersTools = (request: LMRequest): boolean => (request.tools?.length ?? 0) > 0;

/** The answer's ToolCalls value (when the request offers tools) as the provider's tool calls. */
function splitToolCalls(answer: DummyAnswer, request: LMRequest): [DummyAnswer, LMToolCall[] | undefined] {
  if (!offersTools(request)) return [answer, undefined];
  const entry = Object.entries(answer).find(([, value]) => value instanceof ToolCalls);
  if (!entry) return [answer, undefined];
  const [key, value] = entry as [string, ToolCalls];
  const rest = Object.fromEntries(Object.entries(answer).filter(([name]) => name !== key));
  const calls = value.toolCalls.map(
    (call, i): LMToolCall => ({
      id: call.id ?? `call_${i + 1}`,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }),
  );
  return [rest, calls];
}

/**
 * A scripted LM for tests: answers in order (array), by input text (object: the first key found in
 * the last message), or by a function. Answers are rendered in the request's `completionFormat` (the
 * calling adapter), so the real parse path runs. No cache. Running out of answers is a ConfigurationError.
 * When the request offers tools, an answer value that is a `ToolCalls` comes back as native tool
 * calls (the rest as text), so native function calling runs its real path too.
 */
export class DummyLM implements LanguageModel {
  readonly model = 'dummy';
  readonly capabilities = { responseFormat: 'json_schema' as const, functionCalling: true };
  history: LMHistoryEntry[] = [];
  #requests: LMRequest[] = [];
  #answers: (DummyAnswer | string)[] | Readonly<Record<string, DummyAnswer>> | DummyRule;
  // Shared with copies, so a copy continues the script where the original stands.
  #cursor = { next: 0 };
  /** Request defaults set by `copy()`; call values win. */
  #overrides: { temperature: number | undefined; extra: Record<string, unknown> } | undefined;

  /** Characters per chunk when streaming. */
  readonly chunkSize: number;

  constructor(
    answers: (DummyAnswer | string)[] | Readonly<Record<string, DummyAnswer>> | DummyRule,
    options: { chunkSize?: number | undefined } = {},
  ) {
    this.#answers = Array.isArray(answers) ? [...answers] : answers;
    this.chunkSize = options.chunkSize ?? 4;
  }

  /** Streams choice 0 of the same answer `request` would give, `chunkSize` characters at a time. */
  async *stream(request: LMRequest): AsyncGenerator<LMStreamChunk, LMResponse, undefined> {
    const response = await this.request({ ...request, n: 1 });
    const text = response.outputs[0] ?? '';
    for (let i = 0; i < text.length; i += this.chunkSize) {
      if (request.signal?.aborted) throw request.signal.reason;
      yield { text: text.slice(i, i + this.chunkSize) };
    }
    return response;
  }

  /**
   * DSPy's `lm.copy(rollout_id=1, temperature=1.0)`: a DummyLM with its own history that continues
   * the same script and logs to the same `requests`. `temperature` becomes a default of its
   * requests; any other key an extra request parameter (like `rollout_id`).
   */
  copy(overrides: Record<string, unknown> = {}): DummyLM {
    const copy = new DummyLM([], { chunkSize: this.chunkSize });
    copy.#answers = this.#answers;
    copy.#cursor = this.#cursor;
    copy.#requests = this.#requests;
    const { temperature, ...extra } = overrides;
    copy.#overrides = {
      temperature: typeof temperature === 'number' ? temperature : this.#overrides?.temperature,
      extra: { ...this.#overrides?.extra, ...extra },
    };
    return copy;
  }

  get defaults(): { temperature: number; n: undefined } {
    return { temperature: this.#overrides?.temperature ?? 0, n: undefined };
  }

  /** Every request received by this DummyLM and its copies, in order (messages and parameters). */
  get requests(): LMRequest[] {
    return this.#requests;
  }

  async request(given: LMRequest): Promise<LMResponse> {
    const overrides = this.#overrides;
    const request: LMRequest = overrides
      ? {
          ...given,
          temperature: given.temperature ?? overrides.temperature,
          extra: { ...overrides.extra, ...given.extra },
        }
      : given;
    this.#requests.push(request);
    const n = request.n ?? 1;
    const answers = Array.from({ length: n }, () => this.#answerFor(request));
    const outputs: string[] = [];
    const calls: (LMToolCall[] | undefined)[] = [];
    for (const answer of answers) {
      const [text, toolCalls] =
        typeof answer === 'string' ? [answer, undefined] : splitToolCalls(answer, request);
      outputs.push(
        typeof text === 'string' || Object.keys(text).length > 0 ? this.#render(text, request) : '',
      );
      calls.push(toolCalls);
    }
    const toolCalls = calls.some(Boolean) ? calls : undefined;
    appendHistory(this.history, {
      messages: request.messages,
      outputs,
      ...(toolCalls ? { toolCalls } : {}),
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      model: this.model,
      timestamp: isoNow(),
      request: {
        temperature: request.temperature,
        n: request.n,
        ...(request.tools ? { tools: request.tools } : {}),
        ...request.extra,
      },
    });
    const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    recordLmUsage(this.model, usage);
    return toolCalls ? { outputs, toolCalls, usage } : { outputs, usage };
  }

  #answerFor(request: LMRequest): DummyAnswer | string {
    const answers = this.#answers;
    if (typeof answers === 'function') {
      const answer = answers(request);
      if (answer === undefined)
        throw new ConfigurationError('DummyLM: the answer function returned no answer for this request.');
      return answer;
    }
    if (Array.isArray(answers)) {
      const answer = answers[this.#cursor.next++];
      if (answer === undefined) {
        throw new ConfigurationError(
          `DummyLM ran out of scripted answers after ${answers.length} call(s); add more answers to the DummyLM.`,
        );
      }
      return answer;
    }
    const last = request.messages[request.messages.length - 1]?.content ?? '';
    const key = Object.keys(answers).find((candidate) => last.includes(candidate));
    if (key === undefined) {
      throw new ConfigurationError(
        `DummyLM has no answer for this input: none of its keys (${Object.keys(answers).join(', ')}) occurs in the last message.`,
      );
    }
    return (answers as Record<string, DummyAnswer>)[key]!;
  }

  #render(answer: DummyAnswer | string, request: LMRequest): string {
    if (typeof answer === 'string') return answer;
    const format = request.completionFormat;
    return format ? format.formatCompletion(answer) : chatFormat(answer);
  }

  dumpState(): Record<string, unknown> {
    return { _dspy_lm_class: 'dspy_ts.DummyLM', model: this.model };
  }
}
