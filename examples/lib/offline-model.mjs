/**
 * The offline scripted model: a deterministic, rule-based stand-in for an LLM, answering ChatAdapter
 * prompts (`[[ ## field ## ]]` sections, then `[[ ## completed ## ]]`) through a local
 * OpenAI-compatible server, so the real openai SDK and HTTP path run without an API key.
 *
 * How it behaves, and why compiling helps it (honestly):
 * - It reads the prompt like a model would: the output fields and their types from the system
 *   message, the current inputs from the last user message, the few-shot demos and the earlier
 *   conversation turns from the messages in between (see chat-prompt.mjs). It never sees whether a
 *   program is "compiled"; it only sees what is in the prompt.
 * - To pick a `Literal[...]` value (e.g. a support queue) it knows a handful of keywords per label.
 *   When none match, it answers by analogy: it copies the label of the most similar few-shot demo
 *   in the prompt (shared words). A follow-up with no signal of its own ("and would that be
 *   cheaper?") is read in the light of the earlier user messages in the conversation. Failing all
 *   that, it falls back to a catch-all label ('general', else the first option).
 * - So a zero-shot program misroutes requests whose words it does not know, and BootstrapFewShot,
 *   which puts demos from good conversation turns into the prompt, teaches it those words: the
 *   after-compile score is higher because of the demos, exactly as in-context learning is meant to work.
 * - Free-text fields get short templated answers (a support reply per queue that remembers an order
 *   number from the conversation; a few facts; arithmetic for numeric fields), obeying the
 *   `Always end with "..."` rules written in the instructions.
 * - It answers GEPA's reflection prompt by turning the feedback it is shown into such rules
 *   (offline-reflection.mjs): a stand-in for a real reflection model.
 */
import { LM } from '@dspy-ts/core';
import { startOpenAIServer } from '@dspy-ts/core/testing';
import { literalOptions, parseChatRequest } from './chat-prompt.mjs';
import { followInstructions, isReflectionPrompt, offlineReflection } from './offline-reflection.mjs';

export const OFFLINE_MODEL = 'offline-scripted';

// What the model "knows" without examples: word prefixes per label.
const LEXICON = {
  billing: ['bill', 'charge', 'invoice', 'refund', 'payment', 'paid'],
  shipping: ['ship', 'deliver', 'parcel', 'package'],
  account: ['account', 'password', 'login', 'sign'],
  technical: ['crash', 'error', 'bug', 'broken'],
  pos: ['love', 'great', 'excellent', 'good', 'amazing', 'happy'],
  neg: ['hate', 'bad', 'terrible', 'awful', 'poor', 'disappoint'],
};
LEXICON.positive = LEXICON.pos;
LEXICON.negative = LEXICON.neg;

const STOPWORDS = new Set(
  `a about after again all also am an and any are as at be been before but by can could did do does
  for from get got had has hasn have hello hi how i if in into is isn it its just let me mine my no not
  now of on or order our please since so still than thanks thank that the their them then there this
  to too up us was way we were what when where which while who why will with would yet you your`.split(/\s+/),
);

/** Content words of a text, each cut to a 5-letter stem so `renewal` matches `renewed`. */
export function stems(text) {
  const words =
    String(text)
      .toLowerCase()
      .match(/[a-z][a-z0-9]*/g) ?? [];
  return new Set(
    words.filter((word) => word.length >= 3 && !STOPWORDS.has(word)).map((word) => word.slice(0, 5)),
  );
}

const words = (text) =>
  String(text)
    .toLowerCase()
    .match(/[a-z]+/g) ?? [];

function byKeyword(text, options) {
  const found = words(text);
  for (const option of options) {
    const name = option.toLowerCase();
    // A label's own name counts as a keyword when it is a word, not an abbreviation like 'pos'.
    const known = [...(name.length >= 4 ? [name] : []), ...(LEXICON[name] ?? [])];
    if (found.some((word) => known.some((prefix) => word.startsWith(prefix)))) return option;
  }
  return undefined;
}

/** The label of the demo sharing the most content words with `text` (ties: the earlier demo). */
function byAnalogy(text, options, field, demos, historyField) {
  const mine = stems(text);
  let best;
  let bestShared = 0;
  for (const demo of demos) {
    const label = demo.outputs[field];
    if (!options.includes(label)) continue;
    const theirs = stems(primaryText(demo.inputs, historyField));
    const shared = [...mine].filter((stem) => theirs.has(stem)).length;
    if (shared > bestShared) [best, bestShared] = [label, shared];
  }
  return best;
}

function pickLabel(field, options, prompt) {
  const text = primaryText(prompt.inputs, prompt.historyField);
  const classify = (t) =>
    byKeyword(t, options) ?? byAnalogy(t, options, field, prompt.demos, prompt.historyField);
  const direct = classify(text);
  if (direct !== undefined) return { label: direct, how: 'direct' };
  for (const turn of [...prompt.conversation].reverse()) {
    const earlier = classify(primaryText(turn.inputs, prompt.historyField));
    if (earlier !== undefined) return { label: earlier, how: 'follow-up' };
  }
  return { label: options.includes('general') ? 'general' : options[0], how: 'fallback' };
}

/** The free text of the inputs (history sections and short labels excluded). */
function primaryText(inputs, historyField) {
  return Object.entries(inputs)
    .filter(([name]) => name !== historyField)
    .map(([, value]) => value)
    .join(' ');
}

function orderNumber(prompt) {
  const texts = [
    primaryText(prompt.inputs, prompt.historyField),
    ...[...prompt.conversation].reverse().map((turn) => primaryText(turn.inputs, prompt.historyField)),
  ];
  for (const text of texts) {
    const match = /#(\d{3,})/.exec(text);
    if (match) return match[1];
  }
  return undefined;
}

const SUPPORT_REPLIES = {
  billing: (order) =>
    `I've passed this to our billing team${order ? ` with order #${order}` : ''}: they will review the charge, and any refund goes back to your original payment method within 5 business days.`,
  shipping: (order) =>
    `Sorry about the wait${order ? ` on order #${order}` : ''}. I've asked our shipping team to check with the courier; you'll get a tracking update by email within 24 hours.`,
  account: () =>
    "Let's get you back in: use 'Forgot password' on the sign-in page. If the email doesn't arrive within 10 minutes, our account team can reset it for you.",
  technical: () =>
    'Thanks for the details. Please update the app to the latest version and restart your device; if it still happens, our technical team will investigate.',
  general: () =>
    "Thanks for reaching out! I've shared your question with our support team, and they'll reply by email within one business day.",
};

const FACTS = [
  [
    /sky.*blue|blue.*sky/,
    'Sunlight scatters off air molecules, and blue light scatters the most (Rayleigh scattering).',
  ],
  [/\bdspy\b/, 'A framework for programming, rather than prompting, language models.'],
  [/capital of france/, 'Paris'],
];

/** Evaluates the first `a op b` in the text (`What is 2 + 2?` -> 4). */
function arithmetic(text) {
  const match = /(-?\d+(?:\.\d+)?)\s*([-+*/x×])\s*(-?\d+(?:\.\d+)?)/.exec(text);
  if (!match) return undefined;
  const [a, b] = [Number(match[1]), Number(match[3])];
  const ops = { '+': a + b, '-': a - b, '*': a * b, x: a * b, '×': a * b, '/': a / b };
  return ops[match[2]];
}

function freeText(name, prompt, values) {
  const category = values.category ?? prompt.inputs.category;
  if (category in SUPPORT_REPLIES && /answer|reply|response/.test(name)) {
    const request = prompt.inputs.request ?? primaryText(prompt.inputs, prompt.historyField);
    const followUp = prompt.conversation.length > 0 && byKeyword(request, [category]) === undefined;
    const reply = SUPPORT_REPLIES[category](orderNumber(prompt));
    return followUp ? `Thanks for following up. ${reply}` : reply;
  }
  const text = primaryText(prompt.inputs, prompt.historyField).toLowerCase();
  const sum = arithmetic(text);
  if (sum !== undefined) return String(sum);
  for (const [pattern, fact] of FACTS) if (pattern.test(text)) return fact;
  return 'The offline scripted model has no answer for that; set OPENAI_API_KEY to use a real model.';
}

function reasoningFor(prompt, values, picks) {
  const parts = [];
  for (const [field, pick] of Object.entries(picks)) {
    const why = {
      direct: 'the request names it',
      'follow-up': 'this follows up on an earlier message in the conversation',
      fallback: 'nothing in the request points elsewhere',
    }[pick.how];
    parts.push(`${field} is ${values[field]} because ${why}.`);
  }
  const category = prompt.inputs.category;
  if (category) {
    const order = orderNumber(prompt);
    parts.push(
      `This is a ${category} request${order ? ` about order #${order}` : ''}, so the ${category} team handles it.`,
    );
  }
  if (prompt.conversation.length > 0)
    parts.push(`I keep the ${prompt.conversation.length} earlier turn(s) in mind.`);
  return parts.length > 0 ? parts.join(' ') : 'I answer from what the request says.';
}

function valueFor(field, prompt, values, picks) {
  const options = literalOptions(field.type);
  if (options) {
    picks[field.name] = pickLabel(field.name, options, prompt);
    return picks[field.name].label;
  }
  const text = primaryText(prompt.inputs, prompt.historyField);
  if (field.type === 'int' || field.type === 'float') {
    const sum = arithmetic(text);
    if (sum !== undefined) return String(field.type === 'int' ? Math.round(sum) : sum);
    return field.type === 'int' ? '1' : '0.9';
  }
  if (field.type === 'bool') return 'True';
  if (field.type.startsWith('list[')) return JSON.stringify([freeText(field.name, prompt, values)]);
  return freeText(field.name, prompt, values);
}

/** The completion text for one chat request (ChatAdapter format). */
export function offlineCompletion(body) {
  const last = body?.messages?.at(-1)?.content;
  if (typeof last === 'string' && isReflectionPrompt(last)) return offlineReflection(last);
  const prompt = parseChatRequest(body?.messages);
  if (prompt.outputFields.length === 0)
    return 'The offline scripted model only answers DSPy ChatAdapter prompts.';
  const values = {};
  const picks = {};
  // Labels and answers first, the reasoning last (it explains them), though it is written first.
  for (const field of prompt.outputFields) {
    if (field.name !== 'reasoning') values[field.name] = valueFor(field, prompt, values, picks);
  }
  for (const field of prompt.outputFields) {
    if (field.type === 'str' && field.name !== 'reasoning' && !literalOptions(field.type)) {
      values[field.name] = followInstructions(values[field.name], prompt.system);
    }
  }
  if (prompt.outputFields.some((field) => field.name === 'reasoning')) {
    values.reasoning = reasoningFor(prompt, values, picks);
  }
  const parts = prompt.outputFields.map((field) => `[[ ## ${field.name} ## ]]\n${values[field.name]}`);
  return `${parts.join('\n\n')}\n\n[[ ## completed ## ]]`;
}

/**
 * Starts the local OpenAI-compatible server answering with the offline scripted model, and an LM
 * pointed at it (memory cache only, so every run shows the full flow).
 */
export async function startOfflineModel(options = {}) {
  const server = await startOpenAIServer({ reply: offlineCompletion, ...options.server });
  const lm = new LM(`openai/${OFFLINE_MODEL}`, {
    baseURL: server.url,
    apiKey: 'offline',
    cache: { disk: false },
    ...options.lm,
  });
  return { server, lm, close: () => server.close() };
}
