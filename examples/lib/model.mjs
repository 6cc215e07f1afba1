/**
 * Picks the demo's model: a real OpenAI-compatible model when OPENAI_API_KEY is set, else the
 * offline scripted model on a local server that this process starts (and `close()` stops).
 */
import { LM } from '@dspy-ts/core';
import { OFFLINE_MODEL, startOfflineModel } from './offline-model.mjs';

/** `DSPY_TS_MODEL` as DSPy names models (`openai/gpt-4o-mini`); a bare name means `openai/<name>`. */
export const modelName = (name) => (name.startsWith('openai/') ? name : `openai/${name}`);

export async function connectModel(env = process.env) {
  if (env.OPENAI_API_KEY) {
    const model = modelName(env.DSPY_TS_MODEL || 'gpt-4o-mini');
    // apiKey and baseURL come from OPENAI_API_KEY / OPENAI_BASE_URL; the disk cache saves repeat runs.
    const lm = new LM(model, { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL || undefined });
    const where = env.OPENAI_BASE_URL ? ` at ${env.OPENAI_BASE_URL}` : '';
    return {
      lm,
      offline: false,
      description: `${model}${where} (from OPENAI_API_KEY${env.DSPY_TS_MODEL ? ', DSPY_TS_MODEL' : ''})`,
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
