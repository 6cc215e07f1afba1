import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, DummyLM, Example, History, Module, Predict } from '@dspy-ts/core';
import { Session, SessionStateError, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { echoPredict, fakePredict, LineAdapter } from './support.js';

const fixture = async (name: string) =>
  JSON.parse(await readFile(new URL(`./fixtures/python/${name}.json`, import.meta.url), 'utf8')) as {
    file_text: string;
    state: Record<string, unknown>;
    reloaded: {
      repr: string;
      session_history_messages: Record<string, unknown>[];
      turns: {
        index: number;
        inputs: object;
        outputs: object;
        score: number | null;
        history_snapshot_messages: object[];
      }[];
    };
  };

const tempFile = async (name = 'session.json') => join(await mkdtemp(join(tmpdir(), 'dspy-session-')), name);

class Agent extends Module {
  inner = new Predict('question -> answer');
  async forward({ question }: { question: string }) {
    return this.inner.call({ question });
  }
}

async function twoTurns(options: Parameters<typeof sessionify>[1] = {}) {
  const session = sessionify(fakePredict('context, question -> answer', [{ answer: 'A' }]).predict, options);
  await session.call({ context: 'c', question: 'Q1' });
  await session.call({ context: 'c', question: 'Q2' });
  return session;
}

describe('persistence', () => {
  it('save then loadFrom restores version 2, the turns and rebuilt snapshots', async () => {
    const path = await tempFile();
    const session = await twoTurns();
    await session.save(path);
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.version).toBe(2);
    const loaded = await Session.loadFrom(path, new Predict('context, question -> answer'));
    expect(loaded.length).toBe(2);
    expect(loaded.turns.map((t) => t.inputs.question)).toEqual(['Q1', 'Q2']);
    expect(loaded.turns[0]!.historySnapshot.messages).toEqual([]);
    expect(loaded.turns[1]!.historySnapshot.messages).toEqual([
      { context: 'c', question: 'Q1', answer: 'A' },
    ]);
  });

  it('keeps a saved excludeFields in effect when rebuilding snapshots', async () => {
    const session = await twoTurns({ excludeFields: ['context'] });
    const loaded = Session.fromState(session.saveState(), new Predict('context, question -> answer'));
    expect(loaded.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A' }]);
    expect(loaded.options.excludeFields.has('context')).toBe(true);
  });

  it('saveState round-trips through JSON and has exactly the 0.1.0 keys', async () => {
    const session = await twoTurns();
    const state = session.saveState();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(Object.keys(state)).toEqual([
      'version',
      'history_field',
      'max_turns',
      'exclude_fields',
      'history_input_fields',
      'history_policy',
      'turns',
      'initial_history',
    ]);
    expect(Object.keys(state.turns[0]!)).toEqual(['index', 'inputs', 'outputs', 'score']);
  });

  it('rejects an unsupported version with SessionStateError', () => {
    const module = new Predict('question -> answer');
    expect(() => Session.fromState({ version: 999, turns: [] }, module)).toThrow(SessionStateError);
    expect(() => Session.fromState({ version: 999, turns: [] }, module)).toThrow(
      'Unsupported session state version: 999. Supported versions: 1, 2.',
    );
  });

  it('loads a version-1 file whose input_field_override keeps context out of snapshots', () => {
    const state = {
      history_field: 'history',
      input_field_override: ['question'],
      turns: [
        { index: 0, inputs: { context: 'c', question: 'Q1' }, outputs: { answer: 'A' } },
        { index: 1, inputs: { context: 'c', question: 'Q2' }, outputs: { answer: 'B' } },
      ],
    };
    const loaded = Session.fromState(state, new Predict('context, question -> answer'));
    expect(loaded.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A' }]);
    expect(loaded.turns[0]!.score).toBeUndefined();
  });

  it('keeps an empty history_input_fields as an empty set (Python treats it as unset)', () => {
    const loaded = Session.fromState(
      {
        version: 2,
        history_input_fields: [],
        turns: [{ index: 0, inputs: { question: 'Q' }, outputs: { answer: 'A' } }],
      },
      new Predict('question -> answer'),
    );
    expect(loaded.sessionHistory.messages).toEqual([{ answer: 'A' }]);
  });

  it.each([
    ['the root', [], /root must be a JSON object/],
    ['turns', { turns: {} }, /at turns:/],
    ['a turn', { turns: [3] }, /at turns\[0\]/],
    ['a turn index', { turns: [{ index: 'x', inputs: {}, outputs: {} }] }, /at turns\[0\]\.index/],
    ['turn outputs', { turns: [{ index: 0, inputs: {}, outputs: [] }] }, /at turns\[0\]\.outputs/],
    ['a missing inputs', { turns: [{ index: 0, outputs: {} }] }, /at turns\[0\]\.inputs/],
    [
      'a turn score',
      { turns: [{ index: 0, inputs: {}, outputs: {}, score: 'high' }] },
      /at turns\[0\]\.score/,
    ],
    ['history_field', { history_field: 3 }, /at history_field/],
    ['exclude_fields', { exclude_fields: 'context' }, /at exclude_fields/],
    ['history_input_fields', { history_input_fields: [1] }, /at history_input_fields\[0\]/],
    ['history_policy', { history_policy: 'always' }, /at history_policy/],
    ['initial_history', { initial_history: [{}] }, /at initial_history/],
    ['initial_history messages', { initial_history: { messages: 'x' } }, /at initial_history\.messages/],
    ['max_turns', { max_turns: 0 }, /at max_turns/],
  ])('rejects a malformed %s with SessionStateError naming the path', (_what, state, message) => {
    const load = () => Session.fromState(state, new Predict('question -> answer'));
    expect(load).toThrow(SessionStateError);
    expect(load).toThrow(message);
  });

  it.each([
    [
      '__proto__',
      '{"version": 2, "turns": [{"index": 0, "inputs": {"__proto__": {"polluted": true}}, "outputs": {}}]}',
    ],
    ['constructor', '{"version": 2, "constructor": {"prototype": {"polluted": true}}}'],
    ['prototype', '{"version": 2, "initial_history": {"messages": [{"prototype": 1}]}}'],
  ])('rejects a %s key anywhere, polluting nothing', async (_key, text) => {
    const path = await tempFile();
    await writeFile(path, text);
    await expect(Session.loadFrom(path, new Predict('question -> answer'))).rejects.toThrow(
      SessionStateError,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects unparseable JSON with SessionStateError', async () => {
    const path = await tempFile();
    await writeFile(path, '{"version": 2,');
    await expect(Session.loadFrom(path, new Predict('question -> answer'))).rejects.toThrow(
      SessionStateError,
    );
  });

  it('ignores unknown top-level keys', () => {
    const loaded = Session.fromState(
      { version: 2, future_key: { any: 1 }, turns: [] },
      new Predict('q -> a'),
    );
    expect(loaded.length).toBe(0);
  });

  it('makes values JSON-safe: nested data kept, unknown objects as String(), History as messages', async () => {
    class Custom {
      toString() {
        return 'custom_repr';
      }
    }
    const session = sessionify(echoPredict().predict);
    session.addTurn({
      inputs: {
        nested: { list: [1, [2, { deep: 'x' }]], flag: true, nothing: null },
        custom: new Custom(),
        past: new History([{ question: 'q', answer: 'a' }]),
        example: new Example({ question: 'e' }),
        when: new Date('2024-01-02T03:04:05.000Z'),
        missing: undefined,
        nan: Number.NaN,
      },
      outputs: { answer: 'A' },
    });
    expect(session.saveState().turns[0]!.inputs).toEqual({
      nested: { list: [1, [2, { deep: 'x' }]], flag: true, nothing: null },
      custom: 'custom_repr',
      past: { messages: [{ question: 'q', answer: 'a' }] },
      example: { question: 'e' },
      when: '2024-01-02T03:04:05.000Z',
      missing: null,
      nan: null,
    });
  });

  it.each([
    ['a BigInt', 10n],
    ['a function', () => 1],
    [
      'a cycle',
      (() => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return a;
      })(),
    ],
  ])('rejects %s on save and leaves the existing file unchanged', async (_what, value) => {
    const path = await tempFile();
    const session = sessionify(echoPredict().predict);
    await session.call({ question: 'Q1' });
    await session.save(path);
    const before = await readFile(path, 'utf8');
    session.addTurn({ inputs: { question: 'Q2', bad: value }, outputs: { answer: 'A' } });
    expect(() => session.saveState()).toThrow(SessionStateError);
    await expect(session.save(path)).rejects.toThrow(SessionStateError);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('rejects saving a prototype-polluting key, so every written file loads', async () => {
    const session = sessionify(echoPredict().predict);
    session.addTurn({ inputs: JSON.parse('{"__proto__": 1}'), outputs: { answer: 'A' } });
    expect(() => session.saveState()).toThrow(SessionStateError);
  });

  it('updateModule keeps the turns and the next call makes 2', async () => {
    const session = sessionify(echoPredict().predict);
    await session.call({ question: 'Q1' });
    session.updateModule(echoPredict().predict);
    await session.call({ question: 'Q2' });
    expect(session.length).toBe(2);
    expect(session.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
  });

  it('updateModule re-aligns historyField to a new root field and keeps the old one excluded', () => {
    const session = sessionify(new Predict('question -> answer'));
    session.updateModule(new Predict('chat: History, question -> answer') as never);
    expect(session.historyField).toBe('chat');
    expect([...session.options.excludeFields]).toEqual(['history', 'chat']);
  });

  it('options override saved values key by key', () => {
    const state = { version: 2, max_turns: 5, history_input_fields: ['question'], turns: [] };
    const loaded = Session.fromState(state, new Predict('question -> answer'), {
      maxTurns: 2,
      inputFieldOverride: ['answer'],
      lock: 'async',
    });
    expect(loaded.options.maxTurns).toBe(2);
    expect([...loaded.options.historyInputFields!]).toEqual(['answer']);
    expect(loaded.options.lock).toBe('async');
  });

  it('writes l2_memory and node_states only when set, and loads them back', () => {
    const session = sessionify(echoPredict().predict, { maxStoredTurns: 4, copyMode: 'shallow' });
    const state = session.saveState();
    expect(Object.keys(state)).toEqual([
      'version',
      'history_field',
      'max_turns',
      'max_stored_turns',
      'copy_mode',
      'exclude_fields',
      'history_input_fields',
      'history_policy',
      'turns',
      'initial_history',
    ]);
    const loaded = Session.fromState(
      { ...state, l2_memory: 'remember', node_states: { worker: { turns: [] } } },
      new Predict('question -> answer'),
    );
    expect(loaded.options.maxStoredTurns).toBe(4);
    expect(loaded.options.copyMode).toBe('shallow');
    const saved = loaded.saveState();
    expect(saved.l2_memory).toBe('remember');
    expect(Object.keys(saved.node_states!)).toEqual(['worker']);
  });
});

describe('Python interop (dspy-session 0.1.0 fixtures)', () => {
  for (const [name, module] of [
    ['session_saved', () => new Predict('question -> answer')],
    ['session_program', () => new Agent()],
  ] as const) {
    it(`loads ${name}.json like Python's load_from`, async () => {
      const data = await fixture(name);
      const path = await tempFile();
      await writeFile(path, data.file_text);
      const loaded = await Session.loadFrom(path, module());
      expect(String(loaded)).toBe(data.reloaded.repr);
      expect(loaded.sessionHistory.messages).toEqual(data.reloaded.session_history_messages);
      expect(
        loaded.turns.map((t) => ({
          index: t.index,
          inputs: t.inputs,
          outputs: t.outputs,
          score: t.score ?? null,
          history_snapshot_messages: t.historySnapshot.messages,
        })),
      ).toEqual(data.reloaded.turns);
    });

    it(`writes ${name}.json back byte for byte`, async () => {
      const data = await fixture(name);
      const loaded = Session.fromState(data.state, module());
      const path = await tempFile();
      await loaded.save(path);
      expect(await readFile(path, 'utf8')).toBe(data.file_text);
    });
  }

  it('reproduces the Python session from scratch with DummyLM and scoring', async () => {
    const data = await fixture('session_saved');
    const seed = new History([
      { question: 'Hello, can you help me with geography?', answer: 'Yes, ask away.' },
    ]);
    const session = sessionify(new Predict('question -> answer'), { maxTurns: 5, initialHistory: seed });
    const lm = new DummyLM([{ answer: 'Paris' }, { answer: 'Berlin' }, { answer: 'Zürich, Switzerland' }]);
    await context({ lm, adapter: new LineAdapter() }, async () => {
      await session.call({ question: 'What is the capital of France?' });
      await session.call({ question: 'And of Germany?' });
      await session.call({ question: "Which city hosts FIFA's headquarters?" });
    });
    await session.score((_ex, pred) => (String(pred.answer).includes('a') ? 1 : 0));
    const path = await tempFile();
    await session.save(path);
    expect(await readFile(path, 'utf8')).toBe(data.file_text);
  });
});
