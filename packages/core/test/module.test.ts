import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChainOfThought, DummyLM, Example, Module, Predict } from '../src/index.js';

class Inner extends Module {
  gen = new Predict('question -> answer');
  async forward(inputs: { question: string }) {
    return this.gen.call(inputs);
  }
}

class Outer extends Module {
  agent = new Inner();
  cot = new ChainOfThought('question -> answer');
  tools = [new Predict('a -> b'), new Predict('c -> d')];
  by_name = { x: new Predict('e -> f') };
  alias = this.agent.gen;
  nested_list = [[new Predict('g -> h')]];
  tuple_mod = [new Inner()];
  async forward() {
    return undefined;
  }
}

describe('predictor discovery', () => {
  it('names predictors as DSPy does (attributes, arrays, maps, nested modules, aliases once)', () => {
    expect(new Outer().namedPredictors().map(([name]) => name)).toEqual([
      'agent.gen',
      'cot.predict',
      'tools[0]',
      'tools[1]',
      "by_name['x']",
      'tuple_mod[0].gen',
    ]);
  });

  it("names a bare Predict 'self' and a bare ChainOfThought 'predict'", () => {
    expect(new Predict('q -> a').namedPredictors().map(([n]) => n)).toEqual(['self']);
    expect(new ChainOfThought('q -> a').namedPredictors().map(([n]) => n)).toEqual(['predict']);
  });

  it('skips compiled sub-modules, revealing an alias under its own name', () => {
    const outer = new Outer();
    outer.agent.compiled = true;
    const names = outer.namedPredictors().map(([n]) => n);
    expect(names).not.toContain('agent.gen');
    expect(names).toContain('alias');
  });

  it('walks sub-modules breadth first', () => {
    const names = new Outer().namedSubModules().map(([n]) => n);
    expect(names.slice(0, 3)).toEqual(['self', 'self.agent', 'self.cot']);
    expect(names).toContain('self.nested_list[0][0]');
  });
});

describe('deepCopy and resetCopy', () => {
  it('copies the tree, keeps aliasing inside the copy, and shares signatures', () => {
    const outer = new Outer();
    outer.agent.gen.demos = [new Example({ question: 'q', answer: 'a' })];
    const copy = outer.deepCopy();
    expect(copy).toBeInstanceOf(Outer);
    expect(copy.agent.gen).not.toBe(outer.agent.gen);
    expect(copy.alias).toBe(copy.agent.gen);
    expect(copy.agent.gen.signature).toBe(outer.agent.gen.signature);
    copy.agent.gen.demos.push(new Example({ question: 'x', answer: 'y' }));
    expect(outer.agent.gen.demos).toHaveLength(1);
  });

  it('resetCopy drops demos and LMs but keeps signature and config', () => {
    const predict = new Predict('q -> a', { temperature: 0.3 });
    predict.demos = [{ q: '1', a: '2' }];
    predict.lm = new DummyLM([]);
    const reset = predict.resetCopy();
    expect(reset.demos).toEqual([]);
    expect(reset.lm).toBeUndefined();
    expect(reset.config).toEqual({ temperature: 0.3 });
    expect(predict.demos).toHaveLength(1);
  });
});

describe('setLm / getLm', () => {
  it('sets every predictor and refuses to pick among several LMs', () => {
    const outer = new Outer();
    const lm = new DummyLM([]);
    outer.setLm(lm);
    expect(outer.getLm()).toBe(lm);
    outer.cot.predict.lm = new DummyLM([]);
    expect(() => outer.getLm()).toThrow('Multiple LMs are being used in the module.');
  });
});

class Multi extends Module {
  classify = new Predict('question -> topic');
  answer = new ChainOfThought('question, topic -> answer');
  async forward() {
    return undefined;
  }
}

const fixture = async (name: string) =>
  JSON.parse(await readFile(new URL(`./fixtures/python/${name}.json`, import.meta.url), 'utf8')) as {
    file_text: string;
    state: Record<string, unknown>;
  };

describe('state files interoperate with Python DSPy', () => {
  it('writes the state of a multi-predictor program byte for byte as Python does', async () => {
    const { file_text, state } = await fixture('program_multi');
    const program = new Multi().loadState(state);
    const { metadata, ...rest } = state;
    expect(program.dumpState()).toEqual(rest);
    expect(`${JSON.stringify({ ...program.dumpState(), metadata }, null, 2)}\n`).toBe(file_text);
  });

  it('loads a Python-saved Predict file (flat state) with plain-object demos', async () => {
    const { file_text, state } = await fixture('program_predict');
    const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-'));
    const path = join(dir, 'program.json');
    await writeFile(path, file_text);
    const predict = await new Predict('question -> answer').load(path);
    const { metadata: _, ...rest } = state;
    expect(predict.dumpState()).toEqual(rest);
    expect(predict.demos[0]).not.toBeInstanceOf(Example);
    expect(predict.signature.instructions).toBe((rest.signature as { instructions: string }).instructions);
  });

  it('loads a Python-saved ChainOfThought with its reasoning field metadata', async () => {
    const { state } = await fixture('program_cot');
    const cot = new ChainOfThought('context: list[str], question -> answer: int').loadState(state);
    const { metadata: _, ...rest } = state;
    expect(cot.dumpState()).toEqual(rest);
  });

  it('saves with metadata and loads back into a fresh program', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-'));
    const path = join(dir, 'multi.json');
    const program = new Multi();
    program.classify.demos = [new Example({ question: 'Who wrote Hamlet?', topic: 'literature' })];
    await program.save(path);
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.metadata.dspy_ts_versions.dspy_ts).toBeDefined();
    expect(Object.keys(saved)).toEqual(['classify', 'answer.predict', 'metadata']);
    const fresh = await new Multi().load(path);
    expect(fresh.classify.demos).toEqual([{ question: 'Who wrote Hamlet?', topic: 'literature' }]);
  });

  it('rejects a non-.json path, a corrupt file and a missing predictor without touching the program', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-'));
    const program = new Multi();
    program.classify.demos = [{ question: 'keep', topic: 'me' }];
    await expect(program.save(join(dir, 'x.pkl'))).rejects.toThrow('must end with `.json`');
    await writeFile(join(dir, 'corrupt.json'), '{"classify": {');
    await expect(program.load(join(dir, 'corrupt.json'))).rejects.toThrow('Cannot load program');
    await writeFile(
      join(dir, 'partial.json'),
      JSON.stringify({ classify: { demos: [], signature: { instructions: 'x', fields: [] } } }),
    );
    await expect(program.load(join(dir, 'partial.json'))).rejects.toThrow(
      "no entry for predictor 'answer.predict'",
    );
    expect(program.classify.demos).toEqual([{ question: 'keep', topic: 'me' }]);
    expect(program.classify.signature.instructions).toBe(
      'Given the fields `question`, produce the fields `topic`.',
    );
  });

  it('refuses legacy extended_signature state', () => {
    expect(() => new Predict('q -> a').loadState({ extended_signature: {} })).toThrow(
      'Loading extended_signature is no longer supported in DSPy 2.6+',
    );
  });
});
