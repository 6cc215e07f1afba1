// Long uptime: what a server accumulates, each against a same-run baseline.
// - LM history: heap growth over a 1,000-turn conversation of 2 KB questions (a session without
//   maxTurns re-sends every turn), with the default maxHistoryBytes vs no byte bound (entry count only).
// - Disk cache: files and bytes left by 5,000 distinct calls, with maxDiskBytes 128 KiB vs the default bound.
// - SessionManager on one FileStore: 50 concurrent calls for one user in one process, and 2 x 50 from
//   two processes; every computed turn must be stored.
import { fork } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { framework, tempDir } from './lib/fixtures.mjs';
import { pkg } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmtBytes, fmtMs, now, settledHeap } from './lib/stats.mjs';

const TURNS = 1_000;
const QUESTION_BYTES = 2_048;
const CACHE_CALLS = 5_000;
const CONTENDERS = 50;
const DISK_LIMIT = 128 * 1024;

const question = (i) =>
  `Turn ${i}: ${'a fairly long message that fills the turn. '.repeat(60)}`.slice(0, QUESTION_BYTES);

/** One conversation in this (fresh) process; `maxHistoryBytes` undefined keeps the default. */
async function historyGrowth(url, maxHistoryBytes) {
  const { core, QA } = await framework();
  const { sessionify } = await pkg('session', 'sessionify');
  const server = { reset: () => process.send({ reset: true }) };
  const lm = new core.LM('openai/test-model', { apiKey: 'bench', baseURL: url, cache: false });
  const session = sessionify(new core.Predict(QA));
  const before = await settledHeap();
  const start = now();
  const settings = maxHistoryBytes === undefined ? { lm } : { lm, maxHistoryBytes };
  await core.context(settings, async () => {
    for (let i = 0; i < TURNS; i++) {
      await session.call({ question: question(i) });
      // The server process keeps every captured body until reset: drop them as we go.
      if (i % 50 === 49) await server.reset();
    }
  });
  const ms = now() - start;
  const after = await settledHeap();
  const entries = lm.history.length;
  const historyChars = lm.history.reduce(
    (sum, entry) => sum + entry.messages.reduce((n, m) => n + m.content.length, 0),
    0,
  );
  if (session.length !== TURNS) throw new Error(`expected ${TURNS} turns, got ${session.length}`);
  return { heapBytes: after - before, entries, historyChars, ms };
}

function folderStats(dir) {
  let files = 0;
  let bytes = 0;
  for (const shard of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, shard))) {
      files++;
      bytes += statSync(join(dir, shard, name)).size;
    }
  }
  return { files, bytes };
}

async function cacheFootprint(core, url, maxDiskBytes) {
  const dir = tempDir('cache');
  try {
    const lm = new core.LM('openai/test-model', {
      apiKey: 'bench',
      baseURL: url,
      cache: maxDiskBytes === undefined ? { dir } : { dir, maxDiskBytes },
    });
    for (let i = 0; i < CACHE_CALLS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          lm.request({ messages: [{ role: 'user', content: `distinct question ${i + j}` }] }),
        ),
      );
    }
    return folderStats(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `count` concurrent calls for one user on the FileStore in `dir`; in a child process when asked. */
async function contend(dir, count, prefix) {
  const { core, adapter } = await framework();
  const { FileStore, SessionManager } = await pkg('session', 'FileStore', 'SessionManager');
  const lm = new core.DummyLM((request) => ({ answer: `A:${request.messages.at(-1)?.content.length}` }));
  const users = new SessionManager(new core.Predict('question -> answer'), { store: new FileStore({ dir }) });
  const results = await core.context({ lm, adapter }, () =>
    Promise.allSettled(
      Array.from({ length: count }, (_, n) => users.call('alice', { question: `${prefix}${n}` })),
    ),
  );
  return { ok: results.filter((r) => r.status === 'fulfilled').length, lmCalls: lm.requests.length };
}

/** Runs this file with `args` in a child process (a fresh heap); resolves to the result it sends. */
const inChild = (args, onMessage = () => undefined) =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--expose-gc'] });
    child.on('message', (message) => {
      if (message.result) resolve(message.result);
      else onMessage(message);
    });
    child.once('error', reject);
  });

async function storedTurns(dir) {
  const { FileStore } = await pkg('session', 'FileStore');
  return (await new FileStore({ dir }).get('alice'))?.state.turns.length ?? 0;
}

export async function run() {
  const { core } = await framework();
  const server = await startServerProcess({ reply: 'short' });
  const rows = [];
  try {
    const reset = () => server.reset();
    const bounded = await inChild(['--history', server.url, 'default'], reset);
    const unbounded = await inChild(['--history', server.url, 'Infinity'], reset);
    rows.push(
      row({
        bench: 'uptime',
        figure: `heap growth, ${TURNS} turns of 2 KB (no maxTurns), default maxHistoryBytes`,
        value: `${fmtBytes(bounded.heapBytes)} (history: ${bounded.entries} entries, ${fmtBytes(bounded.historyChars)} of prompts; ${fmtMs(bounded.ms)})`,
        baseline: `entry bound only: ${fmtBytes(unbounded.heapBytes)} (${unbounded.entries} entries, ${fmtBytes(unbounded.historyChars)})`,
        ratio: bounded.heapBytes / unbounded.heapBytes,
        target: '< 0.25x',
        pass: bounded.heapBytes / unbounded.heapBytes < 0.25,
        data: { bounded, unbounded },
      }),
    );

    const limited = await cacheFootprint(core, server.url, DISK_LIMIT);
    const byDefault = await cacheFootprint(core, server.url, undefined);
    rows.push(
      row({
        bench: 'uptime',
        figure: `disk cache after ${CACHE_CALLS} distinct calls, maxDiskBytes 128 KiB`,
        value: `${limited.files} files, ${fmtBytes(limited.bytes)}`,
        baseline: `default bound (1 GiB): ${byDefault.files} files, ${fmtBytes(byDefault.bytes)}`,
        ratio: limited.bytes / byDefault.bytes,
        target: '<= 128 KiB',
        pass: limited.bytes <= DISK_LIMIT,
        data: { limited, byDefault },
      }),
    );
  } finally {
    await server.close();
  }

  const oneDir = tempDir('contend-one');
  const twoDir = tempDir('contend-two');
  try {
    const start = now();
    const one = await contend(oneDir, CONTENDERS, 'q');
    const oneMs = now() - start;
    const oneStored = await storedTurns(oneDir);
    const twoStart = now();
    const two = await Promise.all(
      ['a', 'b'].map((prefix) => inChild(['--contend', twoDir, String(CONTENDERS), prefix])),
    );
    const twoMs = now() - twoStart;
    const twoStored = await storedTurns(twoDir);
    const computed = two[0].lmCalls + two[1].lmCalls;
    rows.push(
      row({
        bench: 'uptime',
        figure: `SessionManager, ${CONTENDERS} concurrent calls for one user, one process, FileStore`,
        value: `${oneStored}/${one.lmCalls} computed turns stored (${fmtMs(oneMs)})`,
        target: 'all stored',
        pass: oneStored === one.lmCalls && one.ok === CONTENDERS,
        data: { ...one, stored: oneStored, ms: oneMs },
      }),
      row({
        bench: 'uptime',
        figure: `SessionManager, 2 processes x ${CONTENDERS} calls for one user, one FileStore`,
        value: `${twoStored}/${computed} computed turns stored (${fmtMs(twoMs)})`,
        target: 'all stored',
        pass: twoStored === computed && two.every((r) => r.ok === CONTENDERS),
        data: { two, stored: twoStored, ms: twoMs },
      }),
    );
  } finally {
    rmSync(oneDir, { recursive: true, force: true });
    rmSync(twoDir, { recursive: true, force: true });
  }
  return rows;
}

const role = import.meta.url === pathToFileURL(process.argv[1]).href ? process.argv[2] : undefined;
const reply = (result) => {
  process.send({ result });
  process.disconnect();
};
if (role === '--contend') {
  const [dir, count, prefix] = process.argv.slice(3);
  contend(dir, Number(count), prefix).then(reply);
} else if (role === '--history') {
  const [url, bound] = process.argv.slice(3);
  historyGrowth(url, bound === 'default' ? undefined : Number(bound)).then(reply);
} else {
  main(import.meta.url, run, [
    ['uptime', `heap growth, ${TURNS} turns of 2 KB`, '< 0.25x'],
    ['uptime', `disk cache after ${CACHE_CALLS} calls`, '<= 128 KiB'],
  ]);
}
