#!/usr/bin/env node
/**
 * `npx -y pnpm@10 demo:agent` (also run by `demo`): a support agent with two tools (order lookup,
 * refund request) called through native function calling, in sessions kept in a session store,
 * compiled from its own conversations, evaluated before and after, saved, loaded and continued.
 *
 * Model: the offline scripted model on a local OpenAI-compatible server (it answers with tool
 * calls; see lib/agent-model.mjs), or, with OPENAI_API_KEY set, that model.
 */
import { fileURLToPath } from 'node:url';
import { DspyError } from '@dspy-ts/core';
import { runAgentDemo } from './lib/agent-demo.mjs';
import { startOfflineAgentModel } from './lib/agent-model.mjs';
import { connectModel } from './lib/model.mjs';

process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const outDir = fileURLToPath(new URL('../.demo-output/', import.meta.url));
console.log(
  'dspy-ts agent demo: a support agent that calls tools (lookup_order, request_refund), in sessions',
);
const model = process.env.OPENAI_API_KEY
  ? await connectModel()
  : {
      ...(await startOfflineAgentModel()),
      offline: true,
      description: 'offline scripted model (answers with tool calls) on a local OpenAI-compatible server',
    };
try {
  console.log(`Model: ${model.description}`);
  console.log(
    'Program: SupportAgent = Predict(request, tools: list[Tool], history -> reply, tool_calls: ToolCalls), native function calling\n',
  );
  await runAgentDemo({ lm: model.lm, outDir });
} catch (error) {
  const text =
    error instanceof DspyError ? `${error.name}: ${error.message}` : (error?.stack ?? String(error));
  console.error(`\nThe agent demo failed: ${text}`);
  process.exitCode = 1;
} finally {
  await model.close();
}
