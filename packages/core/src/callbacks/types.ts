/**
 * DSPy's BaseCallback, camelCased. Every hook pair shares a `callId` (32 hex chars); a start
 * handler runs before the call, the end handler after it in every case, with `outputs`
 * `undefined` and the thrown value in `error` on failure. Handlers are synchronous; one that
 * throws (or returns a rejected promise) is logged as a warning and never breaks the call.
 * `activeCallId()` read inside a start handler is the id of the enclosing call (the parent).
 */
export interface Callback {
  /** A module's `call` (`inputs` is `{ kwargs }`, DSPy's shape). */
  onModuleStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  onModuleEnd?(callId: string, outputs: unknown, error: unknown): void;
  /** One LM request: `inputs` holds the request (`messages`, `temperature`, `maxTokens`, ...). */
  onLmStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  /** `outputs` is the LMResponse (`outputs`, `usage`, `cacheHit`, `finishReasons`). */
  onLmEnd?(callId: string, outputs: unknown, error: unknown): void;
  /** A failed LM attempt that will be retried (a dspy-ts addition; DSPy retries inside LiteLLM). */
  onLmRetry?(callId: string, retry: LmRetry): void;
  /** An adapter turning a signature, demos and inputs into messages. */
  onAdapterFormatStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  onAdapterFormatEnd?(callId: string, outputs: unknown, error: unknown): void;
  /** An adapter parsing one completion into output values. */
  onAdapterParseStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  onAdapterParseEnd?(callId: string, outputs: unknown, error: unknown): void;
  /** One tool call (`inputs` is `{ args, callId? }`; `callId` is the LM's tool call id when it sent one). */
  onToolStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  onToolEnd?(callId: string, outputs: unknown, error: unknown): void;
  /** `Evaluate.run` (`instance` is the Evaluate, `inputs` its options and the program). */
  onEvaluateStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  onEvaluateEnd?(callId: string, outputs: unknown, error: unknown): void;
  /** An optimizer's `compile`. */
  onCompileStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  onCompileEnd?(callId: string, outputs: unknown, error: unknown): void;
  /**
   * A session call that records a turn: `instance` is the Session, `inputs` is
   * `{ inputs, turnIndex, conversationId }`; the end handler gets the recorded Turn.
   */
  onTurnStart?(callId: string, instance: object, inputs: Record<string, unknown>): void;
  onTurnEnd?(callId: string, outputs: unknown, error: unknown): void;
}

/** What `onLmRetry` receives: the failed attempt (1-based), its error and the wait before the next. */
export interface LmRetry {
  attempt: number;
  error: unknown;
  delayMs: number;
}

/** The kinds of call that callbacks observe; `on<Kind>Start` / `on<Kind>End` are their hooks. */
export type CallKind =
  | 'Module'
  | 'Lm'
  | 'AdapterFormat'
  | 'AdapterParse'
  | 'Tool'
  | 'Evaluate'
  | 'Compile'
  | 'Turn';

/** The call whose hooks are running: what it is, who observes it, and the call it runs inside. */
export interface ActiveCall {
  readonly id: string;
  readonly kind: CallKind;
  readonly instance: object;
  readonly callbacks: readonly Callback[];
  readonly parent: ActiveCall | undefined;
}
