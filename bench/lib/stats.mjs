// Small timing and statistics helpers. Every figure the suite reports is a median (or a ratio of
// medians) so one descheduled sample on this noisy 2-core machine cannot move it.

export const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, sub-microsecond resolution

export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function gc() {
  if (typeof globalThis.gc !== 'function') throw new Error('run node with --expose-gc');
  globalThis.gc();
  globalThis.gc();
}

/** Settled heap after full collections, in bytes. */
export async function settledHeap() {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(5);
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Runs `a` and `b` in alternating blocks (order flipped every block) so drift and noise bursts hit
 * both equally. Each call is timed on its own. Returns the per-call samples in ms and the ratio
 * estimate: the median over blocks of median(b block) / median(a block), which cancels slow drift
 * (other processes on the machine) better than a ratio of pooled medians.
 */
export async function interleave({ a, b, blocks, perBlock }) {
  const samples = { a: [], b: [] };
  const ratios = [];
  // CPU time of this process per call (client and in-process server): unlike wall time it does
  // not grow when other processes take the cores, so it is the steadier view of the same cost.
  const cpu = { a: [], b: [] };
  const cpuRatios = [];
  const runBlock = async (fn, which) => {
    const times = [];
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < perBlock; i++) {
      const start = now();
      await fn();
      times.push(now() - start);
    }
    const used = process.cpuUsage(cpuStart);
    cpu[which].push((used.user + used.system) / 1000 / perBlock);
    return times;
  };
  for (let block = 0; block < blocks; block++) {
    let ta;
    let tb;
    if (block % 2 === 0) {
      ta = await runBlock(a, 'a');
      tb = await runBlock(b, 'b');
    } else {
      tb = await runBlock(b, 'b');
      ta = await runBlock(a, 'a');
    }
    samples.a.push(...ta);
    samples.b.push(...tb);
    ratios.push(median(tb) / median(ta));
    cpuRatios.push(cpu.b.at(-1) / cpu.a.at(-1));
  }
  return {
    ...samples,
    ratio: median(ratios),
    ratios,
    cpuA: median(cpu.a),
    cpuB: median(cpu.b),
    cpuRatio: median(cpuRatios),
  };
}

export const fmtMs = (ms) =>
  ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
export const fmtUs = (us) => `${us.toFixed(1)} µs`;
export const fmtBytes = (bytes) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} B`;
export const fmtX = (ratio) => `${ratio.toFixed(2)}x`;

/**
 * `interleave` for several variants: each block runs every variant once (rotating the order), and
 * each variant's ratio is the median over blocks of median(variant block) / median(baseline
 * block), the baseline being the first variant. Wall time per call and process CPU per call.
 */
export async function interleaveMany(variants, { blocks, perBlock }) {
  const names = Object.keys(variants);
  const wall = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const blockWall = Object.fromEntries(names.map((n) => [n, []]));
  for (let block = 0; block < blocks; block++) {
    const order = names.map((_, i) => names[(i + block) % names.length]);
    if (block % 2 === 1) order.reverse();
    for (const name of order) {
      const fn = variants[name];
      const times = [];
      const cpuStart = process.cpuUsage();
      for (let i = 0; i < perBlock; i++) {
        const start = now();
        await fn();
        times.push(now() - start);
      }
      const used = process.cpuUsage(cpuStart);
      cpu[name].push((used.user + used.system) / 1000 / perBlock);
      wall[name].push(...times);
      blockWall[name].push(median(times));
    }
  }
  const base = names[0];
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        medianMs: median(wall[name]),
        p90Ms: quantile(wall[name], 0.9),
        cpuMs: median(cpu[name]),
        ratio: median(blockWall[name].map((w, i) => w / blockWall[base][i])),
        cpuRatio: median(cpu[name].map((c, i) => c / cpu[base][i])),
        calls: wall[name].length,
      },
    ]),
  );
}
