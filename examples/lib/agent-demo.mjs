/**
 * The agent demo's flow: conversations with a tool-calling agent, one session each, kept in a
 * session store -> toExamples (with the real tool calls) -> Evaluate -> LabeledFewShot ->
 * Evaluate -> save/load -> continue. agent-demo.mjs prints it; examples/test runs it offline.
 */
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ChatAdapter } from '@dspy-ts/adapters';
import { configure, ToolCalls } from '@dspy-ts/core';
import { Evaluate, LabeledFewShot } from '@dspy-ts/optimizers';
import { MemoryStore, Session, SessionManager, sessionify } from '@dspy-ts/session';
import {
  calledTool,
  HELD_OUT_CONVERSATIONS,
  LIVE_CONVERSATION,
  rightTool,
  SupportAgent,
  TRAIN_CONVERSATIONS,
} from './agent.mjs';

const INDENT = '    ';
const percent = (value) => `${value.toFixed(1)}%`;
const json = (value) => JSON.stringify(value);

/** The lines of one turn: the customer, each tool call with its result, the reply. */
function turnLines(turn) {
  const lines = [`${INDENT}customer  ${turn.inputs.request}`];
  // A turn read back from a store holds its tool calls as plain JSON: ToolCalls.from reads both.
  const calls = turn.outputs.tool_calls ? ToolCalls.from(turn.outputs.tool_calls) : undefined;
  for (const [i, call] of (calls?.toolCalls ?? []).entries()) {
    lines.push(`${INDENT}  tool    ${call.name}(${json(call.args)}) -> ${json(calls.results?.[i]?.value)}`);
  }
  lines.push(`${INDENT}agent     ${turn.outputs.reply}`);
  return lines;
}

/** Runs every conversation through the manager's store (one session id per conversation). */
async function converse(manager, store, program, conversations, prefix) {
  const sessions = [];
  for (const [i, conversation] of conversations.entries()) {
    const id = `${prefix}-${i + 1}`;
    for (const { request } of conversation) await manager.call(id, { request });
    sessions.push(Session.fromState((await store.get(id)).state, program));
  }
  return sessions;
}

export async function runAgentDemo({ lm, outDir, print = console.log }) {
  configure({
    lm,
    adapter: new ChatAdapter({ useNativeFunctionCalling: true }),
    logger: { info: (msg) => print(`${INDENT}${msg}`), warn: (msg) => print(`${INDENT}warning: ${msg}`) },
  });
  const program = new SupportAgent();

  print(
    '1/5  Conversations: the agent calls lookup_order and request_refund natively, one session each, in a store',
  );
  const store = new MemoryStore();
  const manager = new SessionManager(program, { store });
  const train = await converse(manager, store, program, TRAIN_CONVERSATIONS, 'train');
  const heldOut = await converse(manager, store, program, HELD_OUT_CONVERSATIONS, 'held-out');
  for (const turn of train[0].turns) for (const line of turnLines(turn)) print(line);
  print(`${INDENT}... and ${train.length + heldOut.length - 1} more conversations in the store.`);
  print('');

  print('2/5  Examples: every turn, with its history and its tool calls and their results');
  const trainset = await Session.mergeExamples(train);
  const gold = HELD_OUT_CONVERSATIONS.flat().map((turn) => turn.tool);
  const devset = (await Session.mergeExamples(heldOut)).map((example, i) => example.copy({ tool: gold[i] }));
  const trainRight = train
    .flatMap((session) => session.turns)
    .filter((turn, i) => calledTool(turn.outputs) === TRAIN_CONVERSATIONS.flat()[i].tool).length;
  print(`${INDENT}training: ${trainset.length} examples (${trainRight} turns called the right tool)`);
  print(`${INDENT}held out: ${devset.length} turns, labeled with the tool the support team would call`);
  print('');

  const evaluate = new Evaluate({ devset, metric: rightTool, concurrency: 2 });
  const student = sessionify(program);
  print('3/5  Evaluate before compiling (held-out turns; metric: called the right tool)');
  const before = await evaluate.run(student);
  print('');

  print('4/5  LabeledFewShot: demos are real conversation turns, replayed with their tool calls');
  const compiled = await new LabeledFewShot({ k: 8 }).compile(student, { trainset });
  const demos = compiled.module.ask.demos.length;
  print(`${INDENT}module.ask: ${demos} demos`);
  const after = await evaluate.run(compiled);
  print(`${INDENT}right tool: ${percent(before.score)} before -> ${percent(after.score)} after`);
  for (const [i, [example, prediction]] of after.results.entries()) {
    const was = calledTool(before.results[i]?.[1]);
    if (was !== calledTool(prediction))
      print(`${INDENT}"${example.request}" ${was ?? 'no tool'} -> ${calledTool(prediction) ?? 'no tool'}`);
  }
  print('');

  print('5/5  Save, load and continue a conversation with the compiled agent');
  await mkdir(outDir, { recursive: true });
  const sessionPath = join(outDir, 'agent-session.json');
  const programPath = join(outDir, 'agent-program.json');
  const live = sessionify(compiled.module);
  await live.call({ request: LIVE_CONVERSATION[0] });
  for (const line of turnLines(live.turns[0])) print(line);
  await live.save(sessionPath);
  await compiled.module.save(programPath);
  const loadedProgram = new SupportAgent();
  await loadedProgram.load(programPath);
  const resumed = await Session.loadFrom(sessionPath, loadedProgram);
  const shown = (path) => relative(process.cwd(), path) || path;
  print(
    `${INDENT}saved and loaded ${shown(sessionPath)} (tool calls as plain JSON) and ${shown(programPath)}; continuing:`,
  );
  await resumed.call({ request: LIVE_CONVERSATION[1] });
  for (const line of turnLines(resumed.turns[1])) print(line);

  return { train, heldOut, trainset, devset, before, after, demos, resumed, sessionPath, programPath };
}
