// CPU profile of the per-call path (not part of `pnpm bench`): profiles only the steady-state loop
// (after warm-up, through node:inspector, the same sampler as `node --cpu-prof`) and prints the
// top self-time functions, all code and dspy-ts code only. Writes bench/results/<mode>.cpuprofile.
//   node bench/profile.mjs [inprocess|http|lm|raw] [calls]   (http: full stack; lm: LM.request alone)
//   node bench/profile.mjs layers [blocks]   raw SDK, LM.request, Predict and the full stack profiled in
//   interleaved blocks; prints µs per call of each layer and the full stack's difference to the raw SDK.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session as Inspector } from 'node:inspector/promises';
import { join } from 'node:path';
import { framework, sessionPackage } from './lib/fixtures.mjs';
import { profileLayers } from './lib/layer-profile.mjs';
import { dep, ROOT } from './lib/load.mjs';
import { summarize } from './lib/profile-summary.mjs';
import { startServerProcess } from './lib/server-process.mjs';

const mode = process.argv[2] ?? 'inprocess';
const calls = Number(process.argv[3] ?? (mode === 'inprocess' ? 200_000 : 5_000));
const QUESTION = 'What is the capital of France?';
if (mode === 'layers') await layers(Number(process.argv[3] ?? 20));

const { core, QA } = await framework();
const sessionPkg = await sessionPackage();
let server;
let call;
if (mode === 'raw' || mode === 'lm') {
  const { default: OpenAI } = await dep('core', 'openai');
  server = await startServerProcess({ reply: 'paris' });
  const lm = new core.LM('openai/bench-model', { baseURL: server.url, apiKey: 'bench', cache: false });
  core.configure({ lm });
  await new core.Predict(QA).call({ question: QUESTION });
  const body = (await server.requests()).at(-1).body;
  const client = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 });
  call =
    mode === 'raw'
      ? () => client.chat.completions.create(body)
      : () => lm.request({ messages: body.messages });
} else {
  if (mode === 'http') {
    server = await startServerProcess({ reply: 'paris' });
    core.configure({
      lm: new core.LM('openai/bench-model', { baseURL: server.url, apiKey: 'bench', cache: false }),
    });
  } else {
    const dummy = new core.DummyLM(() => ({ answer: 'Paris' }));
    core.configure({ lm: dummy });
    setInterval(() => {
      dummy.requests.length = 0;
    }, 100).unref();
  }
  const predict = new core.Predict(QA);
  const program = sessionPkg ? sessionPkg.sessionify(predict, { maxTurns: 4 }) : predict;
  call = () => program.call({ question: QUESTION });
}

const loop = async (n) => {
  for (let i = 0; i < n; i++) await call();
};
await loop(Math.min(calls, 5_000));
const inspector = new Inspector();
inspector.connect();
await inspector.post('Profiler.enable');
await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
await inspector.post('Profiler.start');
const start = process.hrtime.bigint();
await loop(calls);
const elapsedUs = Number(process.hrtime.bigint() - start) / 1000;
const { profile } = await inspector.post('Profiler.stop');
inspector.disconnect();
await server?.close();

const dir = join(ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${mode}.cpuprofile`), JSON.stringify(profile));
console.log(`${mode}: ${calls} calls, ${(elapsedUs / calls).toFixed(1)} µs/call wall (under the profiler)`);
const print = (title, rows) => {
  console.log(title);
  for (const r of rows) {
    const perCall = ((r.selfMs * 1000) / calls).toFixed(2);
    console.log(`${r.pct.toFixed(1).padStart(5)}%  ${perCall.padStart(7)} µs/call  ${r.fn}`);
  }
};
print('top self time, everything:', summarize(profile, { top: 25 }));
print('top self time, dspy-ts packages:', summarize(profile, { top: 25, filter: 'packages/' }));
process.exit(0);

async function layers(blocks) {
  const { core, QA } = await framework();
  const sessionPkg = await sessionPackage();
  const { default: OpenAI } = await dep('core', 'openai');
  const server = await startServerProcess({ reply: 'paris' });
  const lm = new core.LM('openai/bench-model', { baseURL: server.url, apiKey: 'bench', cache: false });
  core.configure({ lm });
  const session = sessionPkg.sessionify(new core.Predict(QA), { maxTurns: 4 });
  const inputs = { question: QUESTION };
  for (let i = 0; i < 300; i++) await session.call(inputs);
  // The same request body for every variant, as in bench/overhead.mjs.
  const body = (await server.requests()).at(-1).body;
  await server.reset();
  const predict = new core.Predict(session.module.signature);
  const predictInputs = { question: QUESTION, history: session.sessionHistory };
  const client = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 });
  const variants = {
    raw: () => client.chat.completions.create(body),
    lm: () => lm.request({ messages: body.messages }),
    predict: () => predict.call(predictInputs),
    full: () => session.call(inputs),
  };
  for (let i = 0; i < 300; i++) for (const fn of Object.values(variants)) await fn();
  const result = await profileLayers(variants, { blocks });
  await server.close();
  const names = Object.keys(variants);
  const all = [...new Set(names.flatMap((name) => Object.keys(result[name].layers)))];
  const us = (name, layer) => result[name].layers[layer] ?? 0;
  all.sort((a, b) => us('full', b) - us('raw', b) - (us('full', a) - us('raw', a)));
  const cell = (value) => value.toFixed(1).padStart(8);
  console.log(
    `µs per call by layer: share of CPU samples x wall time per call without the profiler (${result.full.calls} calls each, interleaved blocks)`,
  );
  console.log(`${'layer'.padEnd(46)}${names.map((n) => n.padStart(8)).join('')}  full - raw`);
  for (const layer of all) {
    console.log(
      `${layer.padEnd(46)}${names.map((n) => cell(us(n, layer))).join('')}  ${cell(us('full', layer) - us('raw', layer))}`,
    );
  }
  const wall = (name) => result[name].wallUs;
  console.log(
    `${'wall per call (unprofiled)'.padEnd(46)}${names.map((n) => cell(wall(n))).join('')}  ${cell(wall('full') - wall('raw'))}`,
  );
  process.exit(0);
}
