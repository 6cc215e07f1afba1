import {
  ConfigurationError,
  ContextWindowExceededError,
  context,
  DummyLM,
  type LanguageModel,
  type LMRequest,
  type LMResponse,
  type Logger,
  ReAct,
  type StreamEvent,
  streamify,
  Tool,
} from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatAdapter, JSONAdapter } from '../src/index.js';
import {
  FIXTURE_TOOLS,
  type FixtureCompletion,
  type LmCall,
  loadAgentFixture,
  RecordingLM,
} from './helpers/agent-fixtures.js';

interface ReactFixture {
  max_iters: number;
  react_signature: { instructions: string };
  named_predictors: string[];
  inputs: { question: string };
  lm_completions: FixtureCompletion[];
  result: Record<string, unknown>;
  trajectory_keys: string[];
  lm_calls: LmCall[];
}

const silent: Logger = { info: () => undefined, warn: () => undefined };

describe('ReAct (fixture react__weather_then_add_then_finish)', () => {
  const fixture = loadAgentFixture<ReactFixture>('react__weather_then_add_then_finish');

  it('sends every prompt byte for byte and returns the trajectory and outputs', async () => {
    const lm = new RecordingLM(fixture.lm_completions);
    const agent = new ReAct('question -> answer', { tools: FIXTURE_TOOLS, maxIters: fixture.max_iters });
    const pred = await context({ lm, adapter: new ChatAdapter() }, () => agent.call(fixture.inputs));
    expect(lm.calls).toEqual(fixture.lm_calls);
    expect(pred.toDict()).toEqual(fixture.result);
    expect(Object.keys(pred.trajectory)).toEqual(fixture.trajectory_keys);
  });

  it('names its predictors react and extract.predict', () => {
    const agent = new ReAct('question -> answer', { tools: FIXTURE_TOOLS });
    expect(agent.namedPredictors().map(([name]) => name)).toEqual(fixture.named_predictors);
    expect(agent.react.signature.instructions).toBe(fixture.react_signature.instructions);
  });
});

const step = (thought: string, tool: string, args: Record<string, unknown>) => ({
  next_thought: thought,
  next_tool_name: tool,
  next_tool_args: args,
});

describe('ReAct behavior', () => {
  it('ends the trajectory at maxIters (a call option too) and still extracts', async () => {
    const lm = new DummyLM([step('a', 'add', { a: 1, b: 2 }), { reasoning: 'r', answer: '3' }]);
    const agent = new ReAct('question -> answer', { tools: FIXTURE_TOOLS });
    const pred = await context({ lm, adapter: new ChatAdapter() }, () =>
      agent.call({ question: 'q', maxIters: 1 }),
    );
    expect(pred.trajectory).toEqual({
      thought_0: 'a',
      tool_name_0: 'add',
      tool_args_0: { a: 1, b: 2 },
      observation_0: 3,
    });
    expect(pred.answer).toBe('3');
  });

  it('turns a throwing tool into an observation and goes on', async () => {
    const boom = new Tool(
      () => {
        throw new Error('database down');
      },
      { name: 'lookup', args: z.object({}) },
    );
    const lm = new DummyLM([
      step('try', 'lookup', {}),
      step('stop', 'finish', {}),
      { reasoning: 'r', answer: 'sorry' },
    ]);
    const pred = await context({ lm, adapter: new ChatAdapter() }, () =>
      new ReAct('question -> answer', { tools: [boom] }).call({ question: 'q' }),
    );
    expect(pred.trajectory.observation_0).toBe('Execution error in lookup: database down');
    expect(pred.trajectory.tool_name_1).toBe('finish');
  });

  it('reports arguments that fail validation as an observation, never running the tool', async () => {
    let ran = false;
    const strict = new Tool(
      () => {
        ran = true;
      },
      { name: 'strict', args: z.object({ n: z.int() }) },
    );
    const lm = new DummyLM([
      step('t', 'strict', { n: 'x' }),
      step('f', 'finish', {}),
      { reasoning: 'r', answer: 'a' },
    ]);
    const pred = await context({ lm, adapter: new ChatAdapter() }, () =>
      new ReAct('question -> answer', { tools: [strict] }).call({ question: 'q' }),
    );
    expect(ran).toBe(false);
    expect(pred.trajectory.observation_0).toMatch(/^Execution error in strict: Arg n is invalid/);
  });

  it('ends the trajectory on an unknown tool name (after the JSON fallback) and still extracts', async () => {
    const warnings: string[] = [];
    const lm = new DummyLM([
      '[[ ## next_thought ## ]]\nx\n\n[[ ## next_tool_name ## ]]\nhack_the_planet\n\n[[ ## next_tool_args ## ]]\n{}\n\n[[ ## completed ## ]]',
      '{"next_thought": "x", "next_tool_name": "hack_the_planet", "next_tool_args": {}}',
      { reasoning: 'r', answer: 'gave up' },
    ]);
    const pred = await context(
      { lm, adapter: new ChatAdapter(), logger: { ...silent, warn: (m) => warnings.push(m) } },
      () => new ReAct('question -> answer', { tools: FIXTURE_TOOLS }).call({ question: 'q' }),
    );
    expect(pred.trajectory).toEqual({});
    expect(pred.answer).toBe('gave up');
    expect(warnings[0]).toMatch(/^Ending the trajectory: Agent failed to select a valid tool/);
  });

  it('truncates the oldest step when the context window is exceeded', async () => {
    let calls = 0;
    const inner = new DummyLM([
      step('one', 'add', { a: 1, b: 1 }),
      step('two', 'add', { a: 2, b: 2 }),
      step('done', 'finish', {}),
      { reasoning: 'r', answer: 'ok' },
    ]);
    const lm: LanguageModel = {
      model: 'tight',
      async request(request: LMRequest): Promise<LMResponse> {
        calls++;
        // The third react call (two steps in the trajectory) overflows once.
        if (calls === 3) throw new ContextWindowExceededError('too long', { model: 'tight' });
        return inner.request(request);
      },
    };
    const pred = await context(
      { lm, adapter: new ChatAdapter({ useJsonAdapterFallback: false }), logger: silent },
      () => new ReAct('question -> answer', { tools: FIXTURE_TOOLS }).call({ question: 'q' }),
    );
    expect(Object.keys(pred.trajectory)).toEqual([
      'thought_1',
      'tool_name_1',
      'tool_args_1',
      'observation_1',
      'thought_2',
      'tool_name_2',
      'tool_args_2',
      'observation_2',
    ]);
    expect(inner.requests[2]!.messages.at(-1)!.content).not.toContain('thought_0');
  });

  it('formats the trajectory with the active adapter (JSONAdapter)', async () => {
    const lm = new DummyLM([
      step('a', 'add', { a: 1, b: 2 }),
      step('b', 'finish', {}),
      { reasoning: 'r', answer: '3' },
    ]);
    await context({ lm, adapter: new JSONAdapter() }, () =>
      new ReAct('question -> answer', { tools: FIXTURE_TOOLS }).call({ question: 'q' }),
    );
    expect(lm.requests[1]!.messages.at(-1)!.content).toContain('[[ ## tool_args_0 ## ]]\n{"a": 1, "b": 2}');
  });
});

describe('ReAct construction', () => {
  it('rejects two tools with one name', () => {
    expect(() => new ReAct('q -> a', { tools: [FIXTURE_TOOLS[0]!, FIXTURE_TOOLS[0]!] })).toThrow(
      ConfigurationError,
    );
  });

  it("rejects a tool named 'finish'", () => {
    const finish = new Tool(() => 'x', { name: 'finish' });
    expect(() => new ReAct('q -> a', { tools: [finish] })).toThrow(/reserves it/);
  });

  it('rejects something that is not a Tool', () => {
    expect(() => new ReAct('q -> a', { tools: [(() => 1) as unknown as Tool] })).toThrow(ConfigurationError);
  });
});

describe('streamify(ReAct)', () => {
  it('streams react and extract.predict deltas, then the prediction with its trajectory', async () => {
    const lm = new DummyLM(
      [step('look', 'add', { a: 1, b: 2 }), step('done', 'finish', {}), { reasoning: 'r', answer: '3' }],
      {
        chunkSize: 5,
      },
    );
    const events: StreamEvent[] = [];
    await context({ lm, adapter: new ChatAdapter() }, async () => {
      for await (const event of streamify(new ReAct('question -> answer', { tools: FIXTURE_TOOLS }))({
        question: 'q',
      })) {
        events.push(event);
      }
    });
    const predictors = new Set(
      events.filter((e) => e.type === 'delta').map((e) => (e as { predictor: string }).predictor),
    );
    expect([...predictors]).toEqual(['react', 'extract.predict']);
    const last = events.at(-1) as unknown as {
      type: string;
      prediction: { trajectory: Record<string, unknown>; answer: string };
    };
    expect(last.type).toBe('prediction');
    expect(last.prediction.trajectory.observation_0).toBe(3);
    expect(last.prediction.answer).toBe('3');
  });
});
