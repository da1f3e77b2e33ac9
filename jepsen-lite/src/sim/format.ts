// Human-readable violation reports.

import { describeFault } from './faults.ts';
import type { SimReport } from './simulator.ts';

export function formatReport(r: SimReport, opts: { schedule?: boolean } = {}): string {
  const lines: string[] = [];
  const head = `seed ${r.seed} nodes=${r.nodes} profile=${r.profile}${r.bug ? ` bug=${r.bug}` : ''}`;
  if (r.ok) {
    lines.push(`OK ${head} (${r.simulatedMs} simulated ms)`);
  } else {
    lines.push(`VIOLATION ${head}`);
    lines.push(`  ${r.violation?.message.split('\n')[0]}`);
    lines.push(`  replay: ${r.replay}`);
  }
  const s = r.stats;
  lines.push(`  stats: events=${s.events} leaders=${s.leadersElected} committed=${s.committedMax} acked=${s.acked}/${s.proposals} reads=${s.readsChecked} crashes=${s.crashes} stalls=${s.stalls} beacons=${s.beaconsTaken} partitions=${s.partitions} dropped=${s.dropped} dup=${s.duplicated}`);
  if (!r.ok) {
    lines.push('  last events:');
    for (const t of r.trace) lines.push(`    ${t}`);
    const stack = r.violation?.message.split('\n').slice(1, 8) ?? [];
    if (stack.length > 0) lines.push('  stack:', ...stack.map((l) => `    ${l.trim()}`));
  }
  if (opts.schedule) {
    lines.push(`  fault schedule (${r.schedule.length} events):`);
    for (const f of r.schedule) lines.push(`    ${describeFault(f)}`);
  }
  return lines.join('\n');
}
