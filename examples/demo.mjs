#!/usr/bin/env node
/**
 * `npx -y pnpm@10 demo`: a support assistant (Predict routes, ChainOfThought answers) wrapped in a
 * session, trained from its own conversations with BootstrapFewShot, evaluated before and after,
 * saved, loaded and continued. Runs from the packages' built dist in plain Node.
 *
 * Model: the offline scripted model on a local OpenAI-compatible server (see lib/offline-model.mjs),
 * or, with OPENAI_API_KEY set, that model (OPENAI_BASE_URL and DSPY_TS_MODEL optional).
 * `--trace` records OpenTelemetry spans and prints the span tree of the last turn at the end.
 */
import { fileURLToPath } from 'node:url';
import { DspyError } from '@dspy-ts/core';
import { connectModel } from './lib/model.mjs';
import { runSupportDemo } from './lib/support-demo.mjs';
import { startTracing } from './lib/trace.mjs';

// `pnpm demo | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const started = performance.now();
const outDir = fileURLToPath(new URL('../.demo-output/', import.meta.url));

console.log('dspy-ts demo: a support assistant that routes and answers customer requests, in sessions');
const model = await connectModel();
const tracing = process.argv.includes('--trace') ? startTracing() : undefined;
try {
  console.log(`Model: ${model.description}`);
  if (model.offline) {
    console.log(
      '       Set OPENAI_API_KEY (and optionally OPENAI_BASE_URL, DSPY_TS_MODEL) to run the same program on a real model.',
    );
  }
  console.log(
    'Program: SupportAssistant = Predict(request -> category) + ChainOfThought(request, category -> answer)\n',
  );
  await runSupportDemo({
    lm: model.lm,
    offline: model.offline,
    outDir,
    progress: Boolean(process.stderr.isTTY),
  });
  if (tracing) {
    console.log('\nTrace of the last turn (OpenTelemetry spans; durations, tokens, predictor paths):');
    console.log(tracing.lastTurn().replace(/^/gm, '    '));
  }
  const calls = model.offline ? `, ${model.server.requestCount} HTTP requests to the local server` : '';
  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s${calls}.`);
} catch (error) {
  // dspy-ts errors say what went wrong and the fix; anything else gets its stack.
  const text =
    error instanceof DspyError ? `${error.name}: ${error.message}` : (error?.stack ?? String(error));
  console.error(`\nThe demo failed: ${text}`);
  process.exitCode = 1;
} finally {
  await tracing?.close();
  await model.close();
}
