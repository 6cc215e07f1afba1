/**
 * The demo's flow, end to end: conversations in sessions -> per-turn scores -> toExamples ->
 * Evaluate -> BootstrapFewShot -> Evaluate -> save/load -> continue -> GEPA. demo.mjs prints it; the
 * end-to-end tests run it against the local server and check what it returns.
 */
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ChatAdapter } from '@dspy-ts/adapters';
import { configure, Example } from '@dspy-ts/core';
import { BootstrapFewShot, Evaluate } from '@dspy-ts/optimizers';
import { Session, sessionify } from '@dspy-ts/session';
import cliProgress from 'cli-progress';
import { runGepaDemo } from './gepa-demo.mjs';
import {
  HELD_OUT_CONVERSATIONS,
  LIVE_CONVERSATION,
  routedToRightQueue,
  SupportAssistant,
  TRAIN_CONVERSATIONS,
} from './support.mjs';

const INDENT = '    ';

/** Word-wraps `text` to `width` columns, the first line after `lead`, the rest under it. */
function wrap(lead, text, width = 108) {
  const pad = ' '.repeat(lead.length);
  const lines = [];
  let line = lead;
  for (const word of String(text).split(/\s+/)) {
    if (line.length + word.length + 1 > width && line.trim() !== lead.trim()) {
      lines.push(line);
      line = pad;
    }
    line += line.endsWith(' ') || line === '' ? word : ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

const percent = (value) => `${value.toFixed(1)}%`;

/**
 * One live progress bar at a time on a terminal (cli-progress, cleared when done), nothing
 * otherwise: piped output stays a clean log. `stop()` before printing a line.
 */
function progressBars(enabled) {
  let active;
  return {
    start(label, total) {
      if (!enabled) return;
      active?.stop();
      active = new cliProgress.SingleBar(
        { format: `${INDENT}${label} {bar} {value}/{total}`, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      active.start(total, 0);
    },
    update: (done) => active?.update(done),
    increment: () => active?.increment(),
    stop() {
      active?.stop();
      active = undefined;
    },
  };
}

async function converse(program, conversations, onTurn) {
  const sessions = [];
  for (const conversation of conversations) {
    const session = sessionify(program);
    for (const { request } of conversation) {
      await session.call({ request });
      onTurn();
    }
    sessions.push(session);
  }
  return sessions;
}

/**
 * Runs the flow. `print` receives finished lines; `progress` enables live bars (a TTY). Returns the
 * numbers the tests check: scores, examples, demos, the saved files and the continued turn.
 */
export async function runSupportDemo({ lm, offline, outDir, print = console.log, progress = false }) {
  const bars = progressBars(progress);
  const say = (text = '') => {
    bars.stop();
    print(text);
  };
  const log = (text) => say(wrap(INDENT, text));
  configure({
    lm,
    adapter: new ChatAdapter(),
    logger: { info: (msg) => log(msg), warn: (msg) => log(`warning: ${msg}`) },
  });
  const program = new SupportAssistant();
  const turns = (conversations) => conversations.flat();

  say('1/7  Conversations: the assistant handles customers, one session per conversation');
  // Name the predictors as every later step does: a session wraps the program as `module`.
  const [classifyName, respondName] = sessionify(program)
    .namedPredictors()
    .map(([name]) => name);
  log(
    `The assistant has two predictors: ${classifyName} (a Predict that routes the request to a queue) and ` +
      `${respondName} (the Predict inside a ChainOfThought that writes the reply).`,
  );
  bars.start('turns', turns(TRAIN_CONVERSATIONS).length + turns(HELD_OUT_CONVERSATIONS).length);
  const train = await converse(program, TRAIN_CONVERSATIONS, bars.increment);
  const heldOut = await converse(program, HELD_OUT_CONVERSATIONS, bars.increment);
  const first = train[0];
  for (const [i, turn] of first.turns.entries()) {
    const gold = TRAIN_CONVERSATIONS[0][i].queue;
    say(wrap(`${INDENT}customer   `, turn.inputs.request));
    say(
      wrap(
        `${INDENT}assistant  `,
        `[${turn.outputs.category}${turn.outputs.category === gold ? '' : ` - should be ${gold}`}] ${turn.outputs.answer}`,
      ),
    );
  }
  const others = TRAIN_CONVERSATIONS.length + HELD_OUT_CONVERSATIONS.length - 1;
  say(
    `${INDENT}... and ${others} more conversations (${turns(TRAIN_CONVERSATIONS).length + turns(HELD_OUT_CONVERSATIONS).length - first.length} turns).`,
  );
  say();

  say('2/7  Scores and examples: metric = routed to the queue the support team chose');
  const scores = [];
  for (const [i, session] of train.entries()) {
    const gold = TRAIN_CONVERSATIONS[i].map(
      ({ request, queue }) => new Example({ request, category: queue }),
    );
    scores.push(await session.score(routedToRightQueue, gold));
  }
  const trainTurns = scores.flat().length;
  const good = scores.flat().filter((score) => score >= 1).length;
  say(
    `${INDENT}training conversations: ${good}/${trainTurns} turns routed right (per conversation: ${scores.map((s) => s.join(' ')).join(' | ')})`,
  );
  const trainset = await Session.mergeExamples(train, { minScore: 1 });
  say(
    `${INDENT}toExamples({ minScore: 1 }) -> ${trainset.length} training examples, each with its conversation history`,
  );
  // Held-out turns keep the history they were asked in; their label is the team's queue.
  const queues = turns(HELD_OUT_CONVERSATIONS).map((turn) => turn.queue);
  const devset = (await Session.mergeExamples(heldOut)).map((example, i) =>
    example.copy({ category: queues[i] }),
  );
  say(
    `${INDENT}held out: ${devset.length} turns from ${heldOut.length} other conversations, labeled with the team's queue`,
  );
  say();

  // Evaluate calls the metric once per example: counting the calls drives the progress bar.
  const metric = (example, prediction) => {
    bars.increment();
    return routedToRightQueue(example, prediction);
  };
  const evaluate = new Evaluate({ devset, metric, concurrency: 4 });
  say('3/7  Evaluate before compiling (held-out turns)');
  const student = sessionify(program);
  bars.start('evaluating', devset.length);
  const before = await evaluate.run(student);
  say();

  say('4/7  BootstrapFewShot: keep the teacher runs that pass the metric as demos');
  bars.start('bootstrapping', trainset.length);
  const optimizer = new BootstrapFewShot({
    metric: routedToRightQueue,
    maxBootstrappedDemos: 4,
    maxLabeledDemos: 8,
    onProgress: ({ done }) => bars.update(done),
  });
  const compiled = await optimizer.compile(student, { trainset });
  const demos = Object.fromEntries(
    compiled.namedPredictors().map(([name, predictor]) => [name, predictor.demos.length]),
  );
  // Bootstrapped demos are the teacher's own passing runs (marked `augmented`); labeled ones are
  // training examples taken as they are, filling up to maxLabeledDemos.
  const counts = compiled.namedPredictors().map(([name, predictor]) => {
    const bootstrapped = predictor.demos.filter((demo) => demo.augmented === true).length;
    return `${name} ${predictor.demos.length} (${bootstrapped} bootstrapped + ${predictor.demos.length - bootstrapped} labeled)`;
  });
  say(`${INDENT}demos per predictor (bootstrapped runs + labeled examples): ${counts.join(', ')}`);
  say();

  say('5/7  Evaluate after compiling (same held-out turns)');
  bars.start('evaluating', devset.length);
  const after = await evaluate.run(compiled);
  say(`${INDENT}routing accuracy: ${percent(before.score)} before -> ${percent(after.score)} after`);
  for (const [i, [example, prediction, score]] of after.results.entries()) {
    const was = before.results[i]?.[1].category;
    if (was === prediction.category) continue;
    say(
      wrap(
        `${INDENT}${score ? 'fixed' : 'broke'}  `,
        `"${example.request}" ${was} -> ${prediction.category}`,
      ),
    );
  }
  if (offline) {
    log(
      'Why it improved: the offline model knows a few keywords per queue and otherwise copies the queue of the most ' +
        'similar demo in its prompt. The compiled program carries demos from the good conversation turns, so ' +
        'requests that share their words are now routed right; it is the prompt that changed, not the model.',
    );
  }
  say();

  say('6/7  Save, load and continue a conversation with the compiled assistant');
  await mkdir(outDir, { recursive: true });
  const sessionPath = join(outDir, 'session.json');
  const programPath = join(outDir, 'program.json');
  const exchange = (request, reply) => {
    say(wrap(`${INDENT}customer   `, request));
    say(wrap(`${INDENT}assistant  `, `[${reply.category}] ${reply.answer}`));
  };
  const firstReply = await compiled.call({ request: LIVE_CONVERSATION[0] });
  exchange(LIVE_CONVERSATION[0], firstReply);
  await compiled.save(sessionPath);
  await compiled.module.save(programPath);
  const shown = (path) => relative(process.cwd(), path) || path;
  say(
    `${INDENT}saved ${shown(sessionPath)} (${compiled.length} turn) and ${shown(programPath)} (the compiled program)`,
  );

  // As a new process would: a fresh program loads the compiled state, the session its turns.
  const loadedProgram = new SupportAssistant();
  await loadedProgram.load(programPath);
  const resumed = await Session.loadFrom(sessionPath, loadedProgram);
  const demoCounts = resumed.namedPredictors().map(([, predictor]) => predictor.demos.length);
  say(`${INDENT}loaded both back (${resumed.length} turn, ${demoCounts.join(' + ')} demos) and continued:`);
  const secondReply = await resumed.call({ request: LIVE_CONVERSATION[1] });
  exchange(LIVE_CONVERSATION[1], secondReply);
  await resumed.save(sessionPath);
  say(`${INDENT}${shown(sessionPath)} now holds ${resumed.length} turns`);
  say();

  bars.stop();
  const gepa = await runGepaDemo({ reflectionLm: lm, trainset, devset, offline, say, log, indent: INDENT });

  return {
    trainScores: scores,
    trainset,
    devset,
    before,
    after,
    demos,
    sessionPath,
    programPath,
    replies: [firstReply, secondReply],
    resumed,
    gepa,
  };
}
