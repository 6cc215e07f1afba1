// Where the time of one HTTP call goes, per layer: variants run in interleaved blocks, each block
// under the CPU sampler (node:inspector, as `node --cpu-prof`), and every sample's self time is
// charged to the layer of the function it landed in. The difference between the full stack and
// the raw SDK, layer by layer, is the framework's overhead.
import { Session as Inspector } from 'node:inspector/promises';
import { median } from './stats.mjs';

/** The layer a profiled function belongs to (by its script URL and name). */
export function layerOf({ functionName, url }) {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle (waiting for the server)';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 / native (unattributed)';
  if (url.includes('/packages/session/')) return 'session';
  if (url.includes('/packages/adapters/')) return 'adapter (format, parse)';
  if (url.includes('/packages/core/')) {
    if (/\/(callbacks\/|lm\/request\.js|call-context\.js|settings\.js)/.test(url)) {
      return 'requestLm, callbacks, call context, settings';
    }
    if (url.includes('/lm/')) return 'LM client (dspy-ts lm/)';
    return 'Predict, Module, primitives';
  }
  if (url.includes('node_modules/openai/')) return 'openai SDK';
  if (url.includes('async_hooks')) return 'Node promise hooks (AsyncLocalStorage)';
  if (url.startsWith('node:') || url === '') return 'Node (undici, streams, timers, builtins)';
  return 'other (bench harness)';
}

/**
 * Profiles `variants` ({ name: async () => void }) in `blocks` interleaved blocks of `perBlock`
 * calls, first unprofiled (timed), then under the sampler. The sampler slows
 * every call down, so each variant's layer times are scaled to its unprofiled median call: a layer's
 * figure is its share of the samples times the median wall time per call without the profiler.
 */
export async function profileLayers(variants, { blocks = 20, perBlock = 40, intervalUs = 200 } = {}) {
  const names = Object.keys(variants);
  const acc = Object.fromEntries(
    names.map((name) => [name, { layers: {}, sampledUs: 0, times: [], calls: 0 }]),
  );
  const inspector = new Inspector();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: intervalUs });
  const nowUs = () => Number(process.hrtime.bigint()) / 1000;
  try {
    // First the wall times without the profiler, then the profiled blocks.
    for (let block = 0; block < blocks; block++) {
      for (const name of block % 2 === 0 ? names : [...names].reverse()) {
        for (let i = 0; i < perBlock; i++) {
          const started = nowUs();
          await variants[name]();
          acc[name].times.push(nowUs() - started);
        }
      }
    }
    for (let block = 0; block < blocks; block++) {
      for (const name of block % 2 === 0 ? names : [...names].reverse()) {
        const fn = variants[name];
        const into = acc[name];
        into.calls += perBlock;
        // Collect the previous block's profile garbage now, not inside this block.
        globalThis.gc?.();
        await inspector.post('Profiler.start');
        const start = nowUs();
        for (let i = 0; i < perBlock; i++) await fn();
        const end = nowUs();
        const { profile } = await inspector.post('Profiler.stop');
        const byId = new Map(profile.nodes.map((node) => [node.id, node]));
        // Only samples inside the timed loop (both clocks are CLOCK_MONOTONIC): not the
        // inspector's own start and stop work.
        let at = profile.startTime;
        for (let i = 0; i < profile.samples.length; i++) {
          const delta = profile.timeDeltas[i] ?? 0;
          at += delta;
          if (at < start || at > end) continue;
          const layer = layerOf(byId.get(profile.samples[i]).callFrame);
          into.layers[layer] = (into.layers[layer] ?? 0) + delta;
          into.sampledUs += delta;
        }
      }
    }
  } finally {
    await inspector.post('Profiler.disable');
    inspector.disconnect();
  }
  return Object.fromEntries(
    names.map((name) => {
      const { layers, sampledUs, times, calls } = acc[name];
      // The median call, as bench/overhead.mjs reports it: one descheduled call cannot move it.
      const wall = median(times);
      const perCall = Object.fromEntries(
        Object.entries(layers).map(([layer, us]) => [layer, (us / sampledUs) * wall]),
      );
      return [name, { layers: perCall, wallUs: wall, calls }];
    }),
  );
}
