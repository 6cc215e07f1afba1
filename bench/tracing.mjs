// What tracing costs per call. A session turn of `question -> answer` (Predict + ChatAdapter +
// session, maxTurns 4) with no callback, with one empty callback (the dispatcher alone), and with
// openTelemetry() on the real SDK (BasicTracerProvider, SimpleSpanProcessor, in-memory exporter,
// async-hooks context manager): in-process with DummyLM (µs per call, interleaved rounds) and over
// HTTP at 0 ms latency against the local server (interleaved blocks, ratio to no callback).

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { framework, sessionPackage } from './lib/fixtures.mjs';
import { NotBuilt, ROOT } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmtMs, fmtUs, fmtX, interleaveMany, median, now } from './lib/stats.mjs';

const QUESTION = 'What is the capital of France?';

async function tracingSdk(core) {
  const { openTelemetry } = await import(
    pathToFileURL(join(ROOT, 'packages/core/dist/otel/index.js')).href
  ).catch(() => {
    throw new NotBuilt('@dspy-ts/core/otel');
  });
  // The OpenTelemetry packages' ESM builds are for bundlers: load their CommonJS entries, as Node does.
  const require = createRequire(join(ROOT, 'packages/core/package.json'));
  const api = require('@opentelemetry/api');
  const sdk = require('@opentelemetry/sdk-trace-base');
  const hooks = require('@opentelemetry/context-async-hooks');
  const exporter = new sdk.InMemorySpanExporter();
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] });
  api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  const callback = openTelemetry();
  return {
    callback,
    // Finished spans pile up in the exporter: drop them so memory stays flat.
    drain: () => exporter.reset(),
    spansPerCall: async (call) => {
      exporter.reset();
      await core.context({ callbacks: [callback] }, call);
      return exporter.getFinishedSpans().length;
    },
  };
}

export async function run() {
  const { core } = await framework();
  const sessionPkg = await sessionPackage();
  if (!sessionPkg) throw new NotBuilt('@dspy-ts/session');
  const tracing = await tracingSdk(core);
  const empty = {};
  const rows = [];
  const modes = {
    'no callback': [],
    'one empty callback': [empty],
    'openTelemetry()': [tracing.callback],
  };

  // ---- in-process, DummyLM ----
  core.configure({ lm: new core.DummyLM(() => ({ answer: 'Paris' })) });
  const session = sessionPkg.sessionify(new core.Predict('question -> answer'), { maxTurns: 4 });
  const call = () => session.call({ question: QUESTION });
  const spans = await tracing.spansPerCall(call);
  const samples = Object.fromEntries(Object.keys(modes).map((name) => [name, []]));
  const round = async (name, count, keep) => {
    const callbacks = modes[name];
    await core.context({ callbacks }, async () => {
      for (let i = 0; i < count; i++) {
        const start = now();
        await call();
        if (keep) samples[name].push((now() - start) * 1000);
      }
    });
    tracing.drain();
    session.reset();
  };
  for (const name of Object.keys(modes)) await round(name, 2000, false);
  for (let r = 0; r < 20; r++) {
    const order = r % 2 === 0 ? Object.keys(modes) : Object.keys(modes).reverse();
    for (const name of order) await round(name, 400, true);
  }
  const base = median(samples['no callback']);
  for (const name of Object.keys(modes)) {
    const p50 = median(samples[name]);
    rows.push(
      row({
        bench: 'tracing',
        figure: `in-process µs/call p50, session turn of Predict + ChatAdapter + DummyLM: ${name}${name === 'openTelemetry()' ? ` (${spans} spans per turn)` : ''}`,
        value: name === 'no callback' ? fmtUs(p50) : `${fmtUs(p50)} (+${fmtUs(p50 - base)} per call)`,
        baseline: name === 'no callback' ? '' : `no callback ${fmtUs(base)}`,
        ratio: p50 / base,
        data: { p50Us: p50, addedUs: p50 - base, calls: samples[name].length, spansPerTurn: spans },
      }),
    );
  }

  // ---- over HTTP, 0 ms latency ----
  const server = await startServerProcess({ reply: 'paris' });
  try {
    const lm = new core.LM('openai/bench-model', { baseURL: server.url, apiKey: 'bench', cache: false });
    core.configure({ lm });
    const http = sessionPkg.sessionify(new core.Predict('question -> answer'), { maxTurns: 4 });
    const variants = Object.fromEntries(
      Object.entries(modes).map(([name, callbacks]) => [
        name,
        () => core.context({ callbacks }, () => http.call({ question: QUESTION })),
      ]),
    );
    for (let i = 0; i < 200; i++) for (const fn of Object.values(variants)) await fn();
    tracing.drain();
    const r = await interleaveMany(variants, { blocks: 40, perBlock: 15 });
    tracing.drain();
    const none = r['no callback'];
    for (const name of ['one empty callback', 'openTelemetry()']) {
      const v = r[name];
      rows.push(
        row({
          bench: 'tracing',
          figure: `HTTP session turn, 0 ms latency: ${name} vs no callback`,
          value: `${fmtMs(v.medianMs)} (+${fmtUs((v.medianMs - none.medianMs) * 1000)}); CPU ${fmtMs(v.cpuMs)} = ${fmtX(v.cpuRatio)}`,
          baseline: `no callback ${fmtMs(none.medianMs)}, CPU ${fmtMs(none.cpuMs)}`,
          ratio: v.ratio,
          data: r,
        }),
      );
    }
  } finally {
    await server.close();
  }
  return rows;
}

main(import.meta.url, run, [
  ['tracing', 'in-process µs/call p50, session turn: openTelemetry() vs no callback', ''],
  ['tracing', 'HTTP session turn, 0 ms latency: openTelemetry() vs no callback', ''],
]);
