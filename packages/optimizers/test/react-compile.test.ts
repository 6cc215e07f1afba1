import { context, DummyLM, type Example, type LMRequest, ReAct, Tool } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { BootstrapFewShot } from '../src/index.js';
import { exactMatch, fieldOf, qaSet, recordingLogger } from './support/helpers.js';

const lookup = new Tool(({ question }: { question: string }) => question.replace(/^q(\d+)\?$/, 'a$1'), {
  name: 'lookup',
  desc: 'Looks the answer up.',
  args: { question: { type: 'string' } },
});

/** An agent model: looks the question up once, finishes, then answers with the observation. */
const agentLM = () =>
  new DummyLM((request: LMRequest) => {
    const question = fieldOf(request, 'question') ?? '';
    if (request.messages[0]!.content?.includes('next_tool_name')) {
      return fieldOf(request, 'trajectory')
        ? { next_thought: 'I have it.', next_tool_name: 'finish', next_tool_args: {} }
        : { next_thought: 'Look it up.', next_tool_name: 'lookup', next_tool_args: { question } };
    }
    return { reasoning: 'The tool said so.', answer: question.replace(/^q(\d+)\?$/, 'a$1') };
  });

const quiet = <T>(fn: () => Promise<T>) => context({ lm: agentLM(), logger: recordingLogger() }, fn);
const agent = () => new ReAct('question -> answer', { tools: [lookup], maxIters: 3 });

describe('BootstrapFewShot on ReAct', () => {
  it('gives react and extract.predict demos from passing traces, each with its trajectory', async () => {
    const compiled = await quiet(() =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 2, maxLabeledDemos: 0 }).compile(
        agent(),
        {
          trainset: qaSet(3),
        },
      ),
    );
    const reactDemos = compiled.react.demos as Example[];
    const extractDemos = compiled.extract.predict.demos as Example[];
    expect(reactDemos.length).toBeGreaterThan(0);
    expect(extractDemos).toHaveLength(2);
    expect(reactDemos.every((demo) => typeof demo.get('trajectory') === 'string')).toBe(true);
    expect(reactDemos.map((demo) => demo.get('next_tool_name'))).toContain('lookup');
    expect(extractDemos[0]!.get('trajectory')).toContain('[[ ## observation_0 ## ]]\na0');
    expect(extractDemos.map((demo) => demo.get('answer'))).toEqual(['a0', 'a1']);
  });

  it('compiles a ReAct session: demos carry the history and the trajectory', async () => {
    const session = sessionify(agent());
    await quiet(async () => {
      for (const { question } of qaSet(3)) await session.call({ question: question as string });
    });
    const trainset = await session.toExamples();
    const compiled = await quiet(() =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 2, maxLabeledDemos: 0 }).compile(
        session,
        {
          trainset,
        },
      ),
    );
    expect(compiled.namedPredictors().map(([name]) => name)).toEqual([
      'module.react',
      'module.extract.predict',
    ]);
    const demos = compiled.module.extract.predict.demos as Example[];
    expect(demos).toHaveLength(2);
    expect(demos[1]!.get('history')).toBeDefined();
    expect(demos[1]!.get('trajectory')).toContain('[[ ## tool_name_0 ## ]]\nlookup');
  });
});
