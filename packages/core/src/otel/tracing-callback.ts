import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { activeCall } from '../callbacks/dispatch.js';
import type { Callback, LmRetry } from '../callbacks/types.js';
import type { LMResponse } from '../lm/types.js';
import { DSPY_TS_VERSION } from '../primitives/program-file.js';
import {
  className,
  contentText,
  defined,
  inputMessages,
  lmIdentity,
  lmRequestAttributes,
  lmResponseAttributes,
  outputMessages,
  toolAttributes,
  toolName,
} from './attributes.js';

export interface OpenTelemetryOptions {
  /** The tracer to record with. Default: `@dspy-ts/core`'s tracer from `tracerProvider`. */
  tracer?: Tracer | undefined;
  /** Default: the globally registered provider (`trace.setGlobalTracerProvider`, or the Node SDK's). */
  tracerProvider?: TracerProvider | undefined;
  /**
   * Also record prompts, completions, module inputs and outputs, tool arguments and results.
   * Off by default: they may hold personal data.
   */
  recordContent?: boolean | undefined;
}

/** One open span and what its children need to know. */
interface OpenSpan {
  readonly span: Span;
  readonly context: Context;
  readonly instance: object;
  /** Predictor -> its named path in the program being run (`dspy.predictor`). */
  readonly names: ReadonlyMap<object, string> | undefined;
  /** False for a turn folded into its session's span: the session call ends it. */
  readonly owner: boolean;
}

type Values = Record<string, unknown>;

const namesOf = (instance: object): Map<object, string> | undefined => {
  const named = (instance as { namedParameters?: unknown }).namedParameters;
  if (typeof named !== 'function') return undefined;
  const pairs = named.call(instance) as [string, object][];
  return new Map(pairs.map(([name, predictor]) => [predictor, name]));
};

/**
 * Records every dspy-ts call as an OpenTelemetry span: `dspy.session.turn` > `dspy.<Module>` >
 * `dspy.Predict` > `chat <model>` / `execute_tool <name>`. Spans nest by the real call structure
 * (the parent is the enclosing call's span, else the application's active span), so concurrent
 * calls give separate traces.
 */
export class TracingCallback implements Callback {
  readonly #tracer: Tracer;
  readonly #content: boolean;
  readonly #open = new Map<string, OpenSpan>();

  constructor(options: OpenTelemetryOptions = {}) {
    this.#tracer =
      options.tracer ?? (options.tracerProvider ?? trace).getTracer('@dspy-ts/core', DSPY_TS_VERSION);
    this.#content = options.recordContent === true;
  }

  onModuleStart(callId: string, instance: object, inputs: Values): void {
    const parent = this.#parent();
    const names = parent?.names ?? namesOf(instance);
    const path = names?.get(instance);
    const attributes = defined({ 'dspy.predictor': path });
    if (this.#content) attributes['dspy.inputs'] = contentText(inputs.kwargs);
    this.#start(callId, `dspy.${className(instance)}`, attributes, parent, instance, names);
  }

  onModuleEnd(callId: string, outputs: unknown, error: unknown): void {
    this.#end(
      callId,
      error,
      this.#content && error === undefined ? { 'dspy.outputs': contentText(outputs) } : {},
    );
  }

  onTurnStart(callId: string, session: object, inputs: Values): void {
    const attributes = defined({
      'gen_ai.conversation.id': typeof inputs.conversationId === 'string' ? inputs.conversationId : undefined,
      'dspy.session.turn_index': typeof inputs.turnIndex === 'number' ? inputs.turnIndex : undefined,
    });
    if (this.#content) attributes['dspy.inputs'] = contentText(inputs.inputs);
    const parent = this.#parent();
    // A session call is a Module call that records a turn: one span, named for the turn.
    if (parent?.instance === session && parent.owner) {
      parent.span.updateName('dspy.session.turn');
      parent.span.setAttributes(attributes);
      this.#open.set(callId, { ...parent, names: undefined, owner: false });
      return;
    }
    this.#start(callId, 'dspy.session.turn', attributes, parent, session, undefined);
  }

  onTurnEnd(callId: string, turn: unknown, error: unknown): void {
    const index = (turn as { index?: unknown } | undefined)?.index;
    this.#end(callId, error, typeof index === 'number' ? { 'dspy.session.turn_index': index } : {});
  }

  onLmStart(callId: string, lm: object, request: Values): void {
    const attributes = lmRequestAttributes(lm, request);
    if (this.#content && Array.isArray(request.messages)) {
      attributes['gen_ai.input.messages'] = inputMessages(request.messages);
    }
    this.#start(
      callId,
      `chat ${lmIdentity(lm).model}`,
      attributes,
      this.#parent(),
      lm,
      undefined,
      SpanKind.CLIENT,
    );
  }

  onLmEnd(callId: string, outputs: unknown, error: unknown): void {
    const response = outputs as LMResponse | undefined;
    const attributes = response ? lmResponseAttributes(response) : {};
    if (this.#content && response) {
      attributes['gen_ai.output.messages'] = outputMessages(response.outputs, response.finishReasons);
    }
    this.#end(callId, error, attributes);
  }

  onLmRetry(callId: string, retry: LmRetry): void {
    this.#open.get(callId)?.span.addEvent('dspy.lm.retry', {
      'dspy.lm.attempt': retry.attempt,
      'dspy.lm.retry_delay_ms': Math.round(retry.delayMs),
      'error.type': retry.error instanceof Error ? retry.error.name : 'Error',
    });
  }

  onToolStart(callId: string, tool: object, inputs: Values): void {
    const attributes = toolAttributes(tool, inputs);
    if (this.#content) attributes['gen_ai.tool.call.arguments'] = contentText(inputs.args);
    this.#start(callId, `execute_tool ${toolName(tool)}`, attributes, this.#parent(), tool, undefined);
  }

  onToolEnd(callId: string, outputs: unknown, error: unknown): void {
    const result =
      this.#content && error === undefined ? { 'gen_ai.tool.call.result': contentText(outputs) } : {};
    this.#end(callId, error, result);
  }

  onEvaluateStart(callId: string, instance: object): void {
    this.#start(callId, `dspy.${className(instance)}`, {}, this.#parent(), instance, undefined);
  }

  onEvaluateEnd(callId: string, outputs: unknown, error: unknown): void {
    const score = (outputs as { score?: unknown } | undefined)?.score;
    this.#end(callId, error, typeof score === 'number' ? { 'dspy.evaluate.score': score } : {});
  }

  onCompileStart(callId: string, instance: object): void {
    this.#start(callId, `dspy.${className(instance)}.compile`, {}, this.#parent(), instance, undefined);
  }

  onCompileEnd(callId: string, _outputs: unknown, error: unknown): void {
    this.#end(callId, error, {});
  }

  /** The nearest enclosing call this callback has a span for. */
  #parent(): OpenSpan | undefined {
    for (let call = activeCall(); call; call = call.parent) {
      const open = this.#open.get(call.id);
      if (open) return open;
    }
    return undefined;
  }

  #start(
    callId: string,
    name: string,
    attributes: Attributes,
    parent: OpenSpan | undefined,
    instance: object,
    names: ReadonlyMap<object, string> | undefined,
    kind: SpanKind = SpanKind.INTERNAL,
  ): void {
    // A top-level call joins the application's active span (an HTTP request's, say), if any.
    const parentContext = parent?.context ?? context.active();
    const span = this.#tracer.startSpan(name, { kind, attributes }, parentContext);
    this.#open.set(callId, {
      span,
      context: trace.setSpan(parentContext, span),
      instance,
      names,
      owner: true,
    });
  }

  #end(callId: string, error: unknown, attributes: Attributes): void {
    const open = this.#open.get(callId);
    if (!open) return;
    this.#open.delete(callId);
    open.span.setAttributes(attributes);
    if (error !== undefined) fail(open.span, error);
    if (open.owner) open.span.end();
  }
}

/** Error status, `error.type` and an exception event. Our errors never hold the API key. */
function fail(span: Span, error: unknown): void {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : { name, message });
  span.setAttribute('error.type', name);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
