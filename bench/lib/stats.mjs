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
 * Runs the variants in interleaved blocks so drift and noise bursts hit all of them equally: each
 * block runs every variant once (rotating the order, flipped every other block), and
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
