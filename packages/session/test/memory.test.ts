import {
  ConfigurationError,
  context,
  DummyLM,
  History,
  type LMRequest,
  Module,
  Predict,
  Prediction,
} from '@dspy-ts/core';
import {
  getChildL1Ledger,
  getExecutionTrace,
  getNodeMemory,
  getOuterHistory,
  Session,
  SessionState,
  sessionify,
  withMemory,
} from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';

type Callable = { call(inputs: Record<string, unknown>): Promise<unknown> };

/** An agent whose forward calls its worker predictor `times` times. */
class Agent extends Module {
  worker: Module = new Predict('question -> answer');
  constructor(readonly times = 1) {
    super();
  }
  async forward({ question }: { question: string }) {
    let result: unknown;
    for (let i = 0; i < this.times; i++)
      result = await (this.worker as unknown as Callable).call({ question });
    return result as Prediction;
  }
}

/** History messages the worker received: ChatAdapter renders each as a user/assistant pair. */
const historyLength = (request: LMRequest) => (request.messages.length - 2) / 2;

/** A DummyLM answering `A:<n>` that records the history length of every request. */
function recordingLM() {
  const seen: number[] = [];
  let n = 0;
  const lm = new DummyLM((request) => {
    seen.push(historyLength(request));
    return { answer: `A${n++}` };
  });
  return { lm, seen };
}

/** Writes `turns=<number of turns in the transcript>` as the new memory. */
class CountingConsolidator extends Module {
  async forward({ episode_transcript }: { past_memory: string; episode_transcript: string }) {
    const turns = episode_transcript.split('\n').filter((line) => line.startsWith('- turn:')).length;
    return new Prediction({ updated_memory: `turns=${turns}` });
  }
}

const workerOf = (root: Session<Agent>) => root.module.worker as unknown as Session;

describe('withMemory', () => {
  it('makes module.worker a child Session; alice and bob node states hold 2 and 1 worker turns', async () => {
    const { lm } = recordingLM();
    const root = withMemory(new Agent());
    const worker = workerOf(root);
    expect(worker).toBeInstanceOf(Session);
    expect(root.sessionPath).toBe('root');
    expect(worker.sessionPath).toBe('worker');
    const alice = root.newState();
    const bob = root.newState();
    await context({ lm }, async () => {
      await root.useState(alice, async () => {
        await root.call({ question: 'A1' });
        await root.call({ question: 'A2' });
      });
      await root.useState(bob, () => root.call({ question: 'B1' }));
    });
    expect(alice.length).toBe(2);
    expect(bob.length).toBe(1);
    expect(alice.nodeStates.worker!.length).toBe(2);
    expect(bob.nodeStates.worker!.length).toBe(1);
    expect(alice.nodeStates.worker!.turns.map((t) => t.inputs.question)).toEqual(['A1', 'A2']);
    expect(root.length).toBe(0);
    expect(worker.length).toBe(0);
  });

  it("a 'stateless' child records 0 turns while the root keeps 2", async () => {
    const { lm } = recordingLM();
    const root = withMemory(new Agent(), { childConfigs: { worker: { lifespan: 'stateless' } } });
    await context({ lm }, async () => {
      await root.call({ question: 'Q1' });
      await root.call({ question: 'Q2' });
    });
    expect(workerOf(root).length).toBe(0);
    expect(root.length).toBe(2);
  });

  it("an 'episodic' child sees histories of 0 then 1, ends with 0 turns, and l2Memory holds turns=2", async () => {
    const { lm, seen } = recordingLM();
    const root = withMemory(new Agent(2), {
      childConfigs: { worker: { lifespan: 'episodic', consolidator: new CountingConsolidator() } },
    });
    const state = root.newState();
    await context({ lm }, () => root.useState(state, () => root.call({ question: 'Q1' })));
    expect(seen).toEqual([0, 1]);
    expect(state.nodeStates.worker!.length).toBe(0);
    expect(state.nodeStates.worker!.l2Memory).toContain('turns=2');
    expect(state.length).toBe(1);
    // Unbound, the child's own default state is consolidated.
    await context({ lm }, () => root.call({ question: 'Q2' }));
    expect(workerOf(root).length).toBe(0);
    expect(workerOf(root).saveState().l2_memory).toBe('turns=2');
    // The consolidator stays private: it is not a predictor of the tree.
    expect(root.namedPredictors().map(([name]) => name)).toEqual(['module.worker.module']);
  });

  it('logs consolidator errors and still clears the episode', async () => {
    class Broken extends Module {
      async forward(): Promise<Prediction> {
        throw new Error('boom');
      }
    }
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), info: () => {} };
    const { lm } = recordingLM();
    const root = withMemory(new Agent(), { lifespan: 'episodic', consolidator: new Broken() });
    await context({ lm, logger }, () => root.call({ question: 'Q1' }));
    expect(root.length).toBe(0);
    expect(workerOf(root).length).toBe(0);
    expect(warnings).toContain("consolidator error on session 'root' (Broken): boom");
    expect(warnings).toContain("consolidator error on session 'worker' (Broken): boom");
  });

  it("a 'shared' child sees root-history lengths 0 then 1 and has no turns of its own", async () => {
    const { lm, seen } = recordingLM();
    const root = withMemory(new Agent(), { childConfigs: { worker: { isolation: 'shared' } } });
    const state = root.newState();
    await context({ lm }, () =>
      root.useState(state, async () => {
        await root.call({ question: 'Q1' });
        await root.call({ question: 'Q2' });
      }),
    );
    expect(seen).toEqual([0, 1]);
    expect(state.length).toBe(2);
    expect(state.nodeStates.worker!.length).toBe(0);
  });

  it("exclude: ['worker'] leaves it unwrapped, with no node state", async () => {
    const { lm } = recordingLM();
    const root = withMemory(new Agent(), { exclude: ['worker'] });
    expect(root.module.worker).toBeInstanceOf(Predict);
    const state = root.newState();
    await context({ lm }, () => root.useState(state, () => root.call({ question: 'Q1' })));
    expect(state.length).toBe(1);
    expect(state.nodeStates).toEqual({});
  });

  it('include and where filter the wrapped paths', () => {
    expect(withMemory(new Agent(), { include: ['other'] }).module.worker).toBeInstanceOf(Predict);
    expect(withMemory(new Agent(), { where: (path) => path !== 'worker' }).module.worker).toBeInstanceOf(
      Predict,
    );
    expect(withMemory(new Agent(), { recursive: false }).module.worker).toBeInstanceOf(Predict);
    expect(withMemory(new Agent(), { include: ['worker'] }).module.worker).toBeInstanceOf(Session);
  });

  it('adopts a child that is already a Session, and childConfigs overrides it', async () => {
    const agent = new Agent();
    const existing = sessionify(new Predict('question -> answer'));
    agent.worker = existing;
    const { lm } = recordingLM();
    const root = withMemory(agent, { childConfigs: { worker: { lifespan: 'stateless' } } });
    expect(root.module.worker).toBe(existing);
    expect(existing.sessionPath).toBe('worker');
    const state = root.newState();
    await context({ lm }, () => root.useState(state, () => root.call({ question: 'Q1' })));
    expect(state.length).toBe(1);
    expect(state.nodeStates.worker!.length).toBe(0);
    expect(existing.length).toBe(0);

    const other = new Agent();
    const inner = sessionify(new Predict('question -> answer'));
    other.worker = inner;
    const unwrapped = withMemory(other, { childConfigs: { worker: { enabled: false } } });
    expect(unwrapped.module.worker).toBe(inner.module);
  });

  it('getOuterHistory, getChildL1Ledger and getExecutionTrace read the call tree', async () => {
    const seen: { outer: unknown; before: string; after: string; trace: string; memory: string }[] = [];
    class Probe extends Agent {
      override async forward({ question }: { question: string }) {
        const before = getChildL1Ledger('worker');
        const result = await (this.worker as unknown as Callable).call({ question });
        seen.push({
          outer: getOuterHistory(),
          before,
          after: getChildL1Ledger('root.worker'),
          trace: getExecutionTrace(),
          memory: getNodeMemory(),
        });
        return result as Prediction;
      }
    }
    const { lm } = recordingLM();
    const root = withMemory(new Probe());
    const state = root.newState({ l2Memory: 'remembered' });
    await context({ lm }, () => root.useState(state, () => root.call({ question: 'Q1 café' })));
    const [first] = seen;
    expect(first!.outer).toBeInstanceOf(History);
    expect(first!.before).toBe('');
    expect(first!.after).toBe('- turn: 0\n  inputs: {"question": "Q1 café"}\n  outputs: {"answer": "A0"}');
    expect(first!.trace).toBe('root: turns=0 l2_chars=10\nworker: turns=1 l2_chars=0\nactive_stack=root');
    expect(first!.memory).toBe('remembered');
    expect(getExecutionTrace()).toBe('');
    expect(getChildL1Ledger()).toBe('');
    expect(getChildL1Ledger('worker')).toBe('');
    expect(getOuterHistory()).toBeUndefined();
    expect(getNodeMemory()).toBe('');
  });

  it("writes the transcript's values as Python's json.dumps: NaN, 1e-07, non-ASCII kept", async () => {
    const transcripts: string[] = [];
    class Capturing extends Module {
      async forward({ episode_transcript }: { past_memory: string; episode_transcript: string }) {
        transcripts.push(episode_transcript);
        return new Prediction({ updated_memory: 'm' });
      }
    }
    class Measure extends Module {
      worker: Module = new Predict('question, data: dict -> answer: float');
      async forward({ question }: { question: string }) {
        return (this.worker as unknown as Callable).call({
          question,
          data: { x: Number.NaN },
        }) as Promise<Prediction>;
      }
    }
    const root = withMemory(new Measure(), {
      childConfigs: { worker: { lifespan: 'episodic', consolidator: new Capturing() } },
    });
    const lm = new DummyLM([{ answer: '1.5e-7' }]);
    await context({ lm }, () => root.call({ question: 'Größe?' }));
    expect(transcripts).toEqual([
      '- turn: 0\n  inputs: {"question": "Größe?", "data": {"x": NaN}}\n  outputs: {"answer": 1.5e-07}',
    ]);
  });

  it('SessionState.toDict/fromDict keeps nodeStates.worker and l2Memory', async () => {
    const { lm } = recordingLM();
    const root = withMemory(new Agent());
    const state = root.newState({ l2Memory: 'facts' });
    await context({ lm }, () => root.useState(state, () => root.call({ question: 'Q1' })));
    const back = SessionState.fromDict(JSON.parse(JSON.stringify(state.toDict())));
    expect(back.l2Memory).toBe('facts');
    expect(back.length).toBe(1);
    expect(back.nodeStates.worker!.turns[0]!.inputs).toEqual({ question: 'Q1' });
    expect(back.nodeStates.worker!.turns[0]!.outputs).toEqual({ answer: 'A0' });
    // A restored state keeps working: the worker sees its earlier turn.
    const { lm: lm2, seen } = recordingLM();
    await context({ lm: lm2 }, () => root.useState(back, () => root.call({ question: 'Q2' })));
    expect(seen).toEqual([1]);
    expect(back.nodeStates.worker!.length).toBe(2);
  });

  it('rejects invalid isolation, lifespan and predictors inside arrays', () => {
    expect(() => withMemory(new Agent(), { isolation: 'open' as never })).toThrow(
      new ConfigurationError("isolation must be 'isolated' or 'shared'."),
    );
    expect(() =>
      withMemory(new Agent(), { childConfigs: { worker: { lifespan: 'forever' as never } } }),
    ).toThrow("lifespan must be 'persistent', 'episodic', or 'stateless'.");
    class Team extends Module {
      members = [new Predict('question -> answer')];
      async forward() {
        return {};
      }
    }
    expect(() => withMemory(new Team())).toThrow(ConfigurationError);
  });

  it('copyMode defaults to none; finalization runs after a throwing root call but not after an override', async () => {
    class Failing extends Agent {
      override async forward(): Promise<Prediction> {
        throw new Error('boom');
      }
    }
    const agent = new Failing();
    const root = withMemory(agent, { lifespan: 'episodic' });
    expect(root.module).toBe(agent);
    root.addTurn({ inputs: { question: 'Q0' }, outputs: { answer: 'A' } });
    await expect(root.call({ question: 'Q1', history: new History() })).rejects.toThrow('boom');
    expect(root.length).toBe(1);
    await expect(root.call({ question: 'Q1' })).rejects.toThrow('boom');
    expect(root.length).toBe(0);
  });

  it('a fork of a withMemory root keeps the tree (deep copy included)', async () => {
    const root = withMemory(new Agent(), {
      copyMode: 'deep',
      childConfigs: { worker: { lifespan: 'stateless' } },
    });
    const fork = root.fork();
    const worker = workerOf(fork);
    expect(worker).toBeInstanceOf(Session);
    expect(worker).not.toBe(workerOf(root));
    expect([fork.sessionPath, worker.sessionPath]).toEqual(['root', 'worker']);
    const { lm } = recordingLM();
    const state = fork.newState();
    await context({ lm }, () => fork.useState(state, () => fork.call({ question: 'Q1' })));
    expect(state.length).toBe(1);
    expect(state.nodeStates.worker!.length).toBe(0);
  });
});
