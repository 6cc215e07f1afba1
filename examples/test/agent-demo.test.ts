import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolCalls } from '@dspy-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentDemoResult, runAgentDemo } from '../lib/agent-demo.mjs';
import { startOfflineAgentModel } from '../lib/agent-model.mjs';
import type { OfflineModel } from '../lib/offline-model.mjs';

// The agent demo's whole flow through the real openai SDK and HTTP, against the offline model,
// which answers requests that offer tools with native tool calls.
describe('the agent demo flow (offline model with tool calls over the local server)', () => {
  let model: OfflineModel;
  let outDir: string;
  let result: AgentDemoResult;
  const lines: string[] = [];

  beforeAll(async () => {
    model = await startOfflineAgentModel();
    outDir = await mkdtemp(join(tmpdir(), 'dspy-ts-agent-demo-'));
    result = await runAgentDemo({ lm: model.lm, outDir, print: (line) => lines.push(line) });
  }, 60_000);

  afterAll(async () => {
    await model.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('shows the tool calls the agent made, with their results', () => {
    expect(lines).toContain(
      '      tool    lookup_order({"orderId":"1001"}) -> {"orderId":"1001","status":"shipped","total":42}',
    );
    const tools = model.server.requests.filter((request) => Array.isArray(request.body?.tools));
    expect(tools.length).toBeGreaterThan(0);
  });

  it('keeps the tool calls with their results in the examples', () => {
    expect(result.trainset).toHaveLength(7);
    const calls = ToolCalls.from(result.trainset[0]!.get('tool_calls'));
    expect(calls.results?.[0]?.value).toEqual({ orderId: '1001', status: 'shipped', total: 42 });
  });

  it('compiles demos of real tool use that raise the held-out score', () => {
    expect(result.demos).toBe(7);
    expect(result.before.score).toBe(50);
    expect(result.after.score).toBe(100);
  });

  it('saves the session with its tool calls as plain JSON, loads it and continues', async () => {
    const saved = JSON.parse(await readFile(result.sessionPath, 'utf8'));
    expect(saved.turns[0].outputs.tool_calls.tool_calls[0]).toMatchObject({ name: 'lookup_order' });
    expect(result.resumed.turns).toHaveLength(2);
    const second = ToolCalls.from(result.resumed.turns[1]!.outputs.tool_calls);
    expect(second.toolCalls[0]).toMatchObject({ name: 'request_refund', args: { orderId: '1003' } });
  });
});
