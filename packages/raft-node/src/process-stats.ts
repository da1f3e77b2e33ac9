// Figures about node processes that benchmarks report.

import { readFileSync } from 'node:fs';

/** Peak resident set size of a process (the kernel's high-water mark), or null when unknown. */
export function peakRssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
