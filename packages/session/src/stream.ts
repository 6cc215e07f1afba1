import { LMAbortError, type Module, type Prediction, type StreamEvent } from '@dspy-ts/core';
import { FrameSlot, type StreamSink, withFrame } from '@dspy-ts/core/internal';

/** What the stream's queue carries, in the order the run produced it. */
type Item =
  | { kind: 'delta'; event: StreamEvent }
  /** The module finished; the session waits here before it records the turn. */
  | { kind: 'hold'; release: (proceed: boolean) => void }
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: unknown };

/** A single-consumer queue. */
class Channel {
  #items: Item[] = [];
  #waiting: ((item: Item) => void) | undefined;

  push(item: Item): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting(item);
    else this.#items.push(item);
  }

  shift(): Promise<Item> {
    const item = this.#items.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  drain(): Item[] {
    return this.#items.splice(0);
  }
}

interface TurnGate {
  readonly session: object;
  hold(): Promise<void>;
}

const gates = new FrameSlot<TurnGate>('dspy-ts.session.turnGate');

/**
 * Called by the session between its module's result and recording the turn. Inside
 * `session.stream` it waits until the consumer asks for the `prediction` event, and throws when
 * the consumer stopped or the signal aborted meanwhile: the turn is recorded exactly when the
 * prediction is handed out, never for a stream the consumer left. Elsewhere it returns at once.
 */
export function beforeStreamedTurn(session: object): Promise<void> | undefined {
  const gate = gates.get();
  return gate?.session === session ? gate.hold() : undefined;
}

export interface SessionStreamOptions {
  signal?: AbortSignal | undefined;
}

type CallableSession<I> = Module & { call(inputs: I): Promise<unknown> };

/**
 * `session.stream(inputs)`: runs one session call with its predictors streaming field deltas
 * (named by the session's paths, `module` / `module.gen`), then yields the prediction. The call
 * takes the session's lock and records its turn like `session.call`, but only once the consumer
 * pulls the prediction event; an abort, a `break`, or a failure records nothing. Breaking out or
 * aborting cancels the LM request; the lock is released when the run settles.
 */
export async function* streamSession<I>(
  session: CallableSession<I>,
  inputs: I,
  options: SessionStreamOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  const outer = options.signal;
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });

  const names = new Map<object, string>(session.namedPredictors().map(([name, p]) => [p, name] as const));
  const channel = new Channel();
  let open = true;
  const refusal = () =>
    new LMAbortError(
      controller.signal.aborted && outer?.aborted
        ? 'The stream was aborted by its AbortSignal before the turn was recorded.'
        : 'The stream consumer stopped before the turn was recorded.',
      { model: 'session' },
    );
  const sink: StreamSink = {
    signal: controller.signal,
    emit(predictor, field, text) {
      if (!open) return;
      const name = names.get(predictor) ?? 'self';
      channel.push({ kind: 'delta', event: { type: 'delta', predictor: name, field, text } });
    },
  };
  const gate: TurnGate = {
    session,
    hold: () =>
      new Promise<void>((resolve, reject) => {
        const release = (proceed: boolean) => (proceed ? resolve() : reject(refusal()));
        if (open) channel.push({ kind: 'hold', release });
        else release(false);
      }),
  };

  const run = withFrame({ streamSink: sink, ...gates.patch(gate) }, () => session.call(inputs));
  run.then(
    (value) => channel.push({ kind: 'result', value }),
    (error: unknown) => channel.push({ kind: 'error', error }),
  );
  try {
    for (;;) {
      const item = await channel.shift();
      if (item.kind === 'delta') yield item.event;
      else if (item.kind === 'hold') item.release(!controller.signal.aborted);
      else if (item.kind === 'error') throw item.error;
      else {
        open = false;
        yield { type: 'prediction', prediction: item.value as Prediction };
        return;
      }
    }
  } finally {
    outer?.removeEventListener('abort', onAbort);
    if (open) {
      open = false;
      controller.abort(new Error('stream consumer stopped'));
      for (const item of channel.drain()) if (item.kind === 'hold') item.release(false);
    }
  }
}
