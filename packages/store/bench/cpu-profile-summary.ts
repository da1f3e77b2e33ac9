// tsx packages/store/bench/cpu-profile-summary.ts FILE.cpuprofile [TOP] [FOCUS]
//
// Self time per function (name + file:line) of a V8 .cpuprofile (node --cpu-prof), biggest
// first, with total time including callees; with FOCUS, only samples whose stack passes through
// a function of that name. A reading aid for bench:store work, not a test.

import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const [file, topArg, focus] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary FILE.cpuprofile [TOP]');
const top = Number(topArg ?? 40);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const label = (n: Node): string => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
const inFocus = (id: number): boolean => {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)!.callFrame.functionName === focus) return true;
  return false;
};
for (const [id, us] of selfUs) {
  if (focus !== undefined && !inFocus(id)) continue;
  all += us;
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at)!);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + us);
  }
}
const ms = (us: number): string => (us / 1000).toFixed(0).padStart(7);
process.stdout.on('error', () => process.exit(0)); // piped into head
console.log(`total ${ms(all)} ms sampled${focus === undefined ? '' : ` under ${focus}`}`);
console.log('   self ms  total ms  function');
for (const [l, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)}  ${ms(total.get(l) ?? 0)}   ${l}`);
