/**
 * The offline scripted model's agent side: for requests that offer `tools` (native function
 * calling) it answers with tool calls, as a real model would, through the local server.
 *
 * How it behaves (honestly): it knows two keywords per tool ('where'/'status' -> lookup_order,
 * 'refund' -> request_refund). Otherwise it calls the tool that a similar earlier request called,
 * when the prompt shows one (a demo or an earlier turn replayed with its real tool calls). Once the
 * tool results are in the conversation, it replies from them. So a zero-shot agent misses requests
 * worded differently, and demos of real tool use (a compiled agent) teach it those words.
 */
import { offlineCompletion, startOfflineModel, stems } from './offline-model.mjs';

const section = (content, name) =>
  new RegExp(`\\[\\[ ## ${name} ## \\]\\]\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(content ?? '')?.[1] ?? '';

const requestOf = (message) => section(message?.content, 'request');

const orderIn = (text) => /#(\d{3,})/.exec(text)?.[1];

function byKeyword(text) {
  if (/\brefund/i.test(text)) return 'request_refund';
  if (/\b(where|status)\b/i.test(text)) return 'lookup_order';
  return undefined;
}

/** The tool a similar earlier request called (shared content words; order numbers ignored). */
function byAnalogy(text, messages) {
  const mine = stems(text.replace(/#\d+/g, ''));
  let best;
  let bestShared = 0;
  for (const [i, message] of messages.entries()) {
    const next = messages[i + 1];
    if (message.role !== 'user' || next?.role !== 'assistant' || !next.tool_calls?.length) continue;
    const theirs = stems(requestOf(message).replace(/#\d+/g, ''));
    const shared = [...mine].filter((stem) => theirs.has(stem)).length;
    if (shared > bestShared) [best, bestShared] = [next.tool_calls[0].function.name, shared];
  }
  return best;
}

const reply = (text, toolCalls) => ({
  content: `[[ ## reply ## ]]\n${text}\n\n[[ ## completed ## ]]`,
  ...(toolCalls ? { toolCalls } : {}),
});

/** A reply from the tool results that answer this request (the messages just before it). */
function fromResults(results) {
  const parts = results.map((message) => {
    const value = JSON.parse(message.content);
    if (message.name === 'lookup_order') {
      return value.error
        ? `I could not find order #${value.orderId}.`
        : `Order #${value.orderId} is ${value.status} (total $${value.total}).`;
    }
    if (message.name === 'request_refund' && value.refundId) {
      return `Refund ${value.refundId} is open: $${value.amount} goes back to your card within 5 business days.`;
    }
    return `That did not work: ${message.content}`;
  });
  return reply(parts.join(' '));
}

/** The reply to a chat request that offers tools; `undefined` for any other request. */
export function agentCompletion(body) {
  if (!Array.isArray(body?.tools) || body.tools.length === 0) return undefined;
  const messages = body.messages ?? [];
  const last = messages.at(-1);
  const request = requestOf(last);
  // Tool messages right before the request, after the same request's tool calls: reply from them.
  const results = [];
  let i = messages.length - 2;
  while (messages[i]?.role === 'tool') results.unshift(messages[i--]);
  if (results.length > 0 && requestOf(messages[i - 1]) === request) return fromResults(results);

  const earlier = messages.slice(1, -1);
  const tool = byKeyword(request) ?? byAnalogy(request, earlier);
  if (!tool) return reply('Happy to help! Is there anything else I can do for you?');
  const orderId =
    orderIn(request) ??
    [...earlier]
      .reverse()
      .map((message) => (message.role === 'user' ? orderIn(requestOf(message)) : undefined))
      .find(Boolean);
  if (!orderId) return reply('Could you give me your order number?');
  const args = tool === 'lookup_order' ? { orderId } : { orderId, reason: request };
  return reply('Let me check that for you.', [
    { id: `call_${orderId}_${tool}`, name: tool, arguments: JSON.stringify(args) },
  ]);
}

/**
 * The offline scripted model with its agent side: requests that offer tools get tool calls,
 * any other request the offline model's ChatAdapter answer.
 */
export function startOfflineAgentModel() {
  return startOfflineModel({ server: { reply: (body) => agentCompletion(body) ?? offlineCompletion(body) } });
}
