// Summarizes a .cpuprofile (node --cpu-prof): self time per function, top N.
// Usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [top=25] [filter-substring]
import { readFileSync } from 'node:fs';

export function summarize(profile, { top = 25, filter } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(packages|node_modules)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .filter(([key]) => !filter || key.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => ({ fn: key, selfMs: us / 1000, pct: (100 * us) / total }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '25', filter] = process.argv.slice(2);
  const rows = summarize(JSON.parse(readFileSync(file, 'utf8')), { top: Number(top), filter });
  for (const r of rows)
    console.log(`${r.pct.toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(1).padStart(8)} ms  ${r.fn}`);
}
