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

/** User + system CPU a process has used so far, in ms (from /proc), or null when unknown. */
export function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable from Node). */
const clockTicksPerSecond = 100;
