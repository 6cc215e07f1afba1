import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LM } from '@dspy-ts/core';
import { startOpenAIServer } from '@dspy-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_OFF } from '../lib/gepa-demo.mjs';
import { connectModel, modelName } from '../lib/model.mjs';
import { type OfflineModel, offlineCompletion, startOfflineModel } from '../lib/offline-model.mjs';
import { HELD_OUT_CONVERSATIONS } from '../lib/support.mjs';
import { runSupportDemo, type SupportDemoResult } from '../lib/support-demo.mjs';

// The demo's whole flow through the real openai SDK and HTTP, against the offline scripted model.
describe('the demo flow (offline scripted model over the local server)', () => {
  let model: OfflineModel;
  let outDir: string;
  let result: SupportDemoResult;
  const lines: string[] = [];

  beforeAll(async () => {
    model = await startOfflineModel();
    outDir = await mkdtemp(join(tmpdir(), 'dspy-ts-demo-'));
    result = await runSupportDemo({ lm: model.lm, offline: true, outDir, print: (line) => lines.push(line) });
  }, 60_000);

  afterAll(async () => {
    await model.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('scores every training turn against the gold queue and keeps the good ones', () => {
    expect(result.trainScores).toEqual([
      [1, 1, 0],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    expect(result.trainset).toHaveLength(8);
    for (const example of result.trainset) {
      expect(Object.keys(example.inputs().toDict()).sort()).toEqual(['history', 'request']);
    }
  });

  it('turns every held-out turn into a labeled example with the history it was asked in', () => {
    const turns = HELD_OUT_CONVERSATIONS.flat();
    expect(result.devset.map((example) => example.request)).toEqual(turns.map((turn) => turn.request));
    expect(result.devset.map((example) => example.category)).toEqual(turns.map((turn) => turn.queue));
    // The second turn of the first held-out conversation saw the first one.
    expect(result.devset[1]?.get('history')).toMatchObject({ messages: [{ request: turns[0]?.request }] });
  });

  it('compiles demos into both predictors, and the demos raise the held-out score', () => {
    expect(result.demos).toEqual({ 'module.classify': 8, 'module.respond.predict': 8 });
    expect(result.before.score).toBeCloseTo(33.33, 1);
    expect(result.after.score).toBeCloseTo(88.89, 1);
  });

  it('saves, loads and continues the conversation with its memory', async () => {
    const [first, second] = result.replies;
    expect(first.category).toBe('shipping');
    expect(second.category).toBe('shipping');
    expect(second.answer).toContain('#5521'); // the order number came from the loaded history
    expect(result.resumed.length).toBe(2);
    const saved = JSON.parse(await readFile(result.sessionPath, 'utf8'));
    expect(saved.version).toBe(2);
    expect(saved.turns.map((turn: { inputs: { request: string } }) => turn.inputs.request)).toHaveLength(2);
    const program = JSON.parse(await readFile(result.programPath, 'utf8'));
    expect(program.classify.demos).toHaveLength(8);
  });

  it('evolves the reply instructions with GEPA from the feedback, and the held-out score goes up', () => {
    const { gepa } = result;
    expect(gepa.before.score).toBe(0);
    expect(gepa.after.score).toBe(100);
    expect(gepa.instructions['module.respond.predict']).toContain(`Always end with "${SIGN_OFF}".`);
    expect(gepa.instructions['module.classify']).toBe(
      'Route the customer request to the support queue that should handle it.',
    );
    expect(lines.join('\n')).toContain('The offline model stands in for a real reflection model');
  });

  it('prints each of the seven steps', () => {
    const steps = lines.filter((line) => /^\d\/7 {2}/.test(line));
    expect(steps).toHaveLength(7);
    expect(lines.join('\n')).toContain('routing accuracy: 33.3% before -> 88.9% after');
  });

  it('introduces the predictor names in step 1, before any step uses them', () => {
    const first = lines.findIndex((line) => line.includes('module.classify'));
    expect(lines[first]).toContain('two predictors: module.classify (a Predict');
    expect(lines.join(' ')).toContain('module.respond.predict (the Predict inside a ChainOfThought');
    expect(first).toBeLessThan(lines.findIndex((line) => line.startsWith('2/7')));
  });

  it('says what the demo count per predictor counts', () => {
    const line = lines.find((l) => l.includes('demos per predictor'));
    expect(line?.trim()).toBe(
      'demos per predictor (bootstrapped runs + labeled examples): module.classify 8 (4 bootstrapped + 4 labeled), module.respond.predict 8 (4 bootstrapped + 4 labeled)',
    );
  });
});

describe('model choice', () => {
  it('uses the offline scripted model when no API key is set', async () => {
    const model = await connectModel({});
    try {
      expect(model.offline).toBe(true);
      expect(model.description).toContain('offline scripted model');
      expect(model.lm.model).toBe('openai/offline-scripted');
    } finally {
      await model.close();
    }
  });

  it('uses the configured model when OPENAI_API_KEY is set, and never shows the key', async () => {
    const model = await connectModel({
      OPENAI_API_KEY: 'sk-secret-123',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      DSPY_TS_MODEL: 'llama3.1',
    });
    expect(model.offline).toBe(false);
    expect(model.lm).toBeInstanceOf(LM);
    expect(model.lm.model).toBe('openai/llama3.1');
    expect(model.description).toContain('http://127.0.0.1:9/v1');
    expect(`${model.description} ${String(model.lm)} ${JSON.stringify(model.lm.dumpState())}`).not.toContain(
      'sk-secret-123',
    );
    await model.close();
  });

  it('names models as DSPy does', () => {
    expect(modelName('gpt-4o-mini')).toBe('openai/gpt-4o-mini');
    expect(modelName('openai/gpt-4o')).toBe('openai/gpt-4o');
    expect(modelName('meta-llama/Llama-3-8B')).toBe('openai/meta-llama/Llama-3-8B');
    expect(modelName('anthropic/claude-3-5-haiku-latest')).toBe('anthropic/claude-3-5-haiku-latest');
  });

  it('routes DSPY_TS_MODEL with a provider prefix to that provider and its key', async () => {
    const model = await connectModel({
      DSPY_TS_MODEL: 'anthropic/claude-3-5-haiku-latest',
      ANTHROPIC_API_KEY: 'sk-ant-secret-123',
    });
    expect(model.offline).toBe(false);
    expect(model.lm.provider).toBe('anthropic');
    expect(model.description).toBe(
      'anthropic/claude-3-5-haiku-latest at https://api.anthropic.com/v1/ (from ANTHROPIC_API_KEY, DSPY_TS_MODEL)',
    );
    await model.close();
  });

  it('runs the same flow, unchanged, on the model OPENAI_* names (a local server standing in for the provider)', async () => {
    const provider = await startOpenAIServer({ reply: offlineCompletion });
    const outDir = await mkdtemp(join(tmpdir(), 'dspy-ts-demo-real-'));
    try {
      const model = await connectModel({
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: provider.url,
        DSPY_TS_MODEL: 'my-model',
      });
      const lines: string[] = [];
      const result = await runSupportDemo({
        lm: model.lm,
        offline: model.offline,
        outDir,
        print: (l) => lines.push(l),
      });
      expect(result.after.score).toBeGreaterThan(result.before.score);
      expect(provider.requests.length).toBeGreaterThan(0);
      for (const request of provider.requests) {
        expect(request.body?.model).toBe('my-model');
        expect(request.headers.authorization).toBe('Bearer sk-test-key');
      }
      expect(lines.join('\n')).not.toContain('offline model');
    } finally {
      await provider.close();
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
