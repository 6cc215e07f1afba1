import { describe, expect, it } from 'vitest';
import type { LM } from '../../src/lm/lm.js';
import type { ChatMessage, LMRequest, LMResponse } from '../../src/lm/types.js';
import type { ReplySpec } from '../../src/testing/index.js';
import { useHarness, user } from './helpers.js';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const REPLY: ReplySpec = {
  content: '',
  toolCalls: [
    { id: 'call_1', name: 'get_weather', arguments: '{"city": "Paris"}' },
    { id: 'call_2', name: 'add', arguments: '{"a": 2, "b": 40}' },
  ],
};

const CALLS = [
  { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
  { id: 'call_2', type: 'function', function: { name: 'add', arguments: '{"a": 2, "b": 40}' } },
];

async function drain(lm: LM, req: LMRequest): Promise<{ text: string; response: LMResponse }> {
  let text = '';
  const generator = lm.stream(req);
  for (;;) {
    const next = await generator.next();
    if (next.done) return { text, response: next.value };
    text += next.value.text;
  }
}

describe('LM tool calls', () => {
  const h = useHarness({ chunkSize: 4 });

  it('sends tools and tool_choice, and returns the tool calls of the answer', async () => {
    h.server.script(REPLY);
    const response = await h.lm({ cache: false }).request({
      messages: user('weather?'),
      tools: [WEATHER_TOOL],
      toolChoice: 'auto',
    });
    expect(h.server.requests[0]?.body).toMatchObject({ tools: [WEATHER_TOOL], tool_choice: 'auto' });
    expect(response.outputs).toEqual(['']);
    expect(response.toolCalls).toEqual([CALLS]);
  });

  it('assembles streamed tool-call fragments into whole calls', async () => {
    h.server.script(REPLY);
    const { text, response } = await drain(h.lm({ cache: false }), {
      messages: user('hi'),
      tools: [WEATHER_TOOL],
    });
    expect(text).toBe('');
    expect(response.toolCalls).toEqual([CALLS]);
  });

  it('caches tool calls, keyed by the tools sent', async () => {
    const lm = h.lm();
    h.server.script(REPLY);
    await lm.request({ messages: user('cached?'), tools: [WEATHER_TOOL] });
    const hit = await lm.request({ messages: user('cached?'), tools: [WEATHER_TOOL] });
    expect(hit.cacheHit).toBe(true);
    expect(hit.toolCalls).toEqual([CALLS]);
    const other = await lm.request({ messages: user('cached?') });
    expect(other.cacheHit).toBe(false);
    expect(h.server.requestCount).toBe(2);
  });

  it('sends assistant tool_calls and tool messages as given', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: CALLS as ChatMessage['tool_calls'] },
      { role: 'tool', content: 'Sunny', tool_call_id: 'call_1', name: 'get_weather' },
    ];
    await h.lm({ cache: false }).request({ messages });
    expect(h.server.requests[0]?.body?.messages).toEqual(messages);
  });

  it('records tool calls in history and inspectHistory', async () => {
    const lm = h.lm({ cache: false });
    h.server.script(REPLY);
    await lm.request({ messages: user('weather?'), tools: [WEATHER_TOOL] });
    expect(lm.history[0]?.toolCalls).toEqual([CALLS]);
    expect(lm.history[0]?.request.tools).toEqual([WEATHER_TOOL]);
    const text = lm.inspectHistory();
    expect(text).toContain('Tool calls:\n\nget_weather: {"city": "Paris"}\n\nadd: {"a": 2, "b": 40}\n\n');
    expect(text).not.toContain('Response:');
  });
});
