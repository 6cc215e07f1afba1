import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationError, InputError, signature, Tool, ToolCalls } from '../../src/index.js';

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/agents/tool_render__functions.json', import.meta.url), 'utf8'),
) as {
  tools: { name: string; desc: string | null; args: unknown; str: string; litellm_function_call: unknown }[];
};

/** The fixture's Python functions, as a TypeScript author writes them. */
const tools = [
  new Tool(({ city }: { city: string }) => `The weather in ${city} is sunny, 21 C.`, {
    name: 'get_weather',
    desc: 'Get the current weather for a city.',
    args: z.object({ city: z.string() }),
  }),
  new Tool(({ a, b }: { a: number; b: number }) => a + b, {
    name: 'add',
    desc: 'Add two integers.',
    args: z.object({ a: z.int(), b: z.int() }),
  }),
  new Tool(
    ({ customer, limit = 3, status = 'open' }: { customer: string; limit?: number; status?: string }) =>
      `${customer}: order #4417 (${status}), order #4420 (${status})`.slice(0, 40 + limit),
    {
      name: 'search_orders',
      desc: "Search a customer's orders.\n\n    Returns one line per order.",
      args: z.object({ customer: z.string(), limit: z.int().default(3), status: z.string().default('open') }),
    },
  ),
  new Tool(({ topics }: { topics: string[] }) => [...topics].sort().join(', '), {
    name: 'lookup_tags',
    args: z.object({ topics: z.array(z.string()) }),
  }),
  new Tool(({ city }: { city: string }) => `Sunny in ${city}`, {
    name: 'weather',
    desc: 'Weather now.\nIn Celsius.',
    args: { city: { type: 'string', description: 'City name, e.g. Paris' } },
  }),
];

describe('Tool (fixture tool_render__functions)', () => {
  fixture.tools.forEach((expected, i) => {
    const tool = tools[i]!;
    it(`${expected.name}: name, desc and args equal Python's`, () => {
      expect(tool.name).toBe(expected.name);
      expect(tool.desc).toBe(expected.desc);
      expect(JSON.stringify(tool.args)).toBe(JSON.stringify(expected.args));
    });
    it(`${expected.name}: String(tool) is Python's str(tool) byte for byte`, () => {
      expect(String(tool)).toBe(expected.str);
    });
    it(`${expected.name}: formatAsFunctionCall is DSPy's litellm function definition`, () => {
      expect(tool.formatAsFunctionCall()).toEqual(expected.litellm_function_call);
    });
  });
});

describe('Tool.call', () => {
  it('validates and runs sync and async functions', async () => {
    const add = tools[1]!;
    expect(await add.call({ a: 2, b: 40 })).toBe(42);
    const asyncTool = new Tool(async ({ x }: { x: string }) => x.toUpperCase(), {
      name: 'upper',
      args: z.object({ x: z.string() }),
    });
    expect(await asyncTool.call({ x: 'hi' })).toBe('HI');
  });

  it('rejects an unknown argument, naming it, without running the function', async () => {
    let ran = false;
    const tool = new Tool(
      () => {
        ran = true;
      },
      { name: 'noop', args: z.object({ a: z.string() }) },
    );
    await expect(tool.call({ a: 'x', b: 1 })).rejects.toThrow(/Arg b is not in the tool's args/);
    await expect(tool.call({ a: 'x', b: 1 })).rejects.toBeInstanceOf(InputError);
    expect(ran).toBe(false);
  });

  it('rejects an ill-typed argument of a zod tool, naming it', async () => {
    await expect(tools[1]!.call({ a: 'two', b: 40 })).rejects.toThrow(/Arg a is invalid for tool 'add'/);
  });

  it("rejects an ill-typed argument of a JSON-schema tool (DSPy's shape)", async () => {
    const tool = new Tool(({ n }: { n: number }) => n, { name: 'echo', args: { n: { type: 'integer' } } });
    await expect(tool.call({ n: 'x' })).rejects.toThrow(/Arg n is invalid for tool 'echo'/);
    expect(await tool.call({ n: 3 })).toBe(3);
  });

  it('rejects a missing required argument', async () => {
    await expect(tools[0]!.call({})).rejects.toThrow(/Arg city is invalid/);
  });

  it('applies zod defaults before running', async () => {
    expect(await tools[2]!.call({ customer: 'Ada' })).toBe('Ada: order #4417 (open), order #4420 (open)');
  });
});

describe('Tool construction', () => {
  it('rejects args that are not an object schema', () => {
    expect(() => new Tool(() => 1, { name: 't', args: z.string() })).toThrow(ConfigurationError);
    expect(() => new Tool(() => 1, { name: 't', args: { a: 'string' } as never })).toThrow(
      ConfigurationError,
    );
  });

  it('takes its name from the function, and requires one', () => {
    function lookup() {
      return 1;
    }
    expect(new Tool(lookup).name).toBe('lookup');
    expect(
      () =>
        new Tool(
          (
            () => () =>
              1
          )(),
        ),
    ).toThrow(/needs a name/);
  });
});

describe('ToolCalls', () => {
  const calls = ToolCalls.fromDictList([
    { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } },
    { name: 'add', arguments: '{"a": 2, "b": 40}' },
  ]);

  it('reads every call shape DSPy accepts', () => {
    expect(calls.toolCalls).toEqual([
      { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } },
      { name: 'add', args: { a: 2, b: 40 } },
    ]);
    const provider = ToolCalls.from([
      { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } },
    ]);
    expect(provider.toolCalls).toEqual([{ id: 'c', name: 'f', args: {} }]);
  });

  it('executes the calls in order', async () => {
    expect(await calls.execute(tools)).toEqual(['The weather in Paris is sunny, 21 C.', 42]);
  });

  it('reports a call to an unknown tool and runs nothing', async () => {
    let ran = 0;
    const counter = new Tool(
      () => {
        ran++;
      },
      { name: 'get_weather', args: z.object({ city: z.string() }) },
    );
    await expect(calls.execute([counter])).rejects.toThrow(/Tool function 'add' not found/);
    expect(ran).toBe(0);
  });

  it('run() records results, with unknown tools and failures as error results', async () => {
    const ran = await ToolCalls.from([
      { id: 'a', name: 'add', args: { a: 1, b: 'x' } },
      { id: 'b', name: 'nope', args: {} },
      { id: 'c', name: 'add', args: { a: 1, b: 2 } },
    ]).run(tools);
    expect(ran.results).toEqual([
      {
        callId: 'a',
        name: 'add',
        value:
          "Execution error in add: Arg b is invalid for tool 'add': Invalid input: expected number, received string.",
        isError: true,
      },
      { callId: 'b', name: 'nope', value: "Execution error in nope: Unknown tool 'nope'.", isError: true },
      { callId: 'c', name: 'add', value: 3, isError: false },
    ]);
  });

  it('round-trips through JSON with ids and results', () => {
    const withResults = calls.withResults(['Sunny', 42]);
    const back = ToolCalls.from(JSON.parse(JSON.stringify(withResults)));
    expect(back).toEqual(withResults);
    expect(calls.format()).toEqual({
      tool_calls: [
        { name: 'get_weather', args: { city: 'Paris' } },
        { name: 'add', args: { a: 2, b: 40 } },
      ],
    });
  });

  it('is a signature type, as are Tool lists', () => {
    const sig = signature('question, tools: list[Tool] -> answer, tool_calls: ToolCalls');
    expect(sig.inputFields.tools!.typeName).toBe('list[Tool]');
    expect(sig.outputFields.tool_calls!.typeName).toBe('ToolCalls');
  });
});
