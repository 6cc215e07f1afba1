/**
 * Picks the demo's model: a real model when OPENAI_API_KEY or DSPY_TS_MODEL is set, else the
 * offline scripted model on a local server that this process starts (and `close()` stops).
 */
import { LM, PROVIDERS } from '@dspy-ts/core';
import { OFFLINE_MODEL, startOfflineModel } from './offline-model.mjs';

/**
 * `DSPY_TS_MODEL` as DSPy names models: a known provider prefix is kept (`anthropic/claude-...`);
 * anything else is an OpenAI-compatible model at OPENAI_BASE_URL (`llama3` -> `openai/llama3`).
 */
export const modelName = (name) =>
  name.includes('/') && Object.hasOwn(PROVIDERS, name.slice(0, name.indexOf('/'))) ? name : `openai/${name}`;

export async function connectModel(env = process.env) {
  if (env.OPENAI_API_KEY || env.DSPY_TS_MODEL) {
    const model = modelName(env.DSPY_TS_MODEL || 'gpt-4o-mini');
    const provider = model.slice(0, model.indexOf('/'));
    const keyVariable = PROVIDERS[provider].keyEnv.find((name) => env[name]);
    // The provider's key and endpoint (OPENAI_BASE_URL for openai/); the disk cache saves repeat runs.
    const lm = new LM(model, {
      apiKey: keyVariable ? env[keyVariable] : undefined,
      baseURL: (provider === 'openai' && env.OPENAI_BASE_URL) || undefined,
    });
    const where = lm.baseURL ? ` at ${lm.baseURL}` : '';
    const from = [keyVariable, env.DSPY_TS_MODEL ? 'DSPY_TS_MODEL' : undefined].filter(Boolean).join(', ');
    return {
      lm,
      offline: false,
      description: `${model}${where} (from ${from})`,
      close: async () => {},
    };
  }
  const { lm, server, close } = await startOfflineModel();
  return {
    lm,
    offline: true,
    server,
    description: `offline scripted model "${OFFLINE_MODEL}" on a local OpenAI-compatible server, ${server.url} (no API key needed)`,
    close,
  };
}
