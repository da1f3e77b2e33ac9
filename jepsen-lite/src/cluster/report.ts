// Reports: report.txt (one line per checker, PASS/FAIL, and the fault windows), report.html (a
// timeline as inline SVG: operations per second ok / fail / unknown, fault windows shaded,
// leader changes marked, plus the offending lists). Rendering is pure; `writeBundle` does the I/O.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fmtMs, type CheckResult, type FaultWindow } from './checkers.ts';
import { timelineBucketMs } from './constants.ts';
import { toJsonl, type FaultRecord, type LeaderMark, type Op } from './history.ts';

export interface RunSummary {
  readonly workload: string;
  readonly faults: readonly string[];
  readonly seed: number;
  readonly nodes: number;
  readonly timeS: number;
  readonly rate: number;
  readonly command: string;
  /** What carried the nodes' traffic (kind, what it is) and why it was chosen. */
  readonly network: { readonly kind: 'netns' | 'proxy'; readonly description: string; readonly reason: string };
  readonly pass: boolean;
  readonly checks: readonly CheckResult[];
  readonly windows: readonly FaultWindow[];
  readonly opsRecorded: number;
  readonly durationMs: number;
}

export function renderText(s: RunSummary): string {
  const lines = [
    `jepsen-lite cluster run: ${s.pass ? 'PASS' : 'FAIL'}`,
    `workload ${s.workload}, faults ${s.faults.join(',')}, seed ${s.seed}, ${s.nodes} nodes, ${s.timeS} s at ${s.rate}/s, ${s.opsRecorded} history lines, ${(s.durationMs / 1000).toFixed(1)} s wall`,
    `replay: ${s.command}`,
    `network: ${s.network.kind}: ${s.network.description} (${s.network.reason})`,
    '',
  ];
  for (const c of s.checks) {
    lines.push(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(17)} ${c.summary}`);
    if (!c.pass) for (const it of c.items) lines.push(`        ${it}`);
  }
  lines.push('', 'fault windows (fault start -> next ok send / next delivered message; longest gap without either, from fault start until both are back after the heal; heal -> next ok send / delivered message):');
  for (const w of s.windows) {
    lines.push(`  ${w.fault.padEnd(17)} ${String(w.start).padStart(6)}..${String(w.end ?? '?').padStart(6)} ms  send ${fmtMs(w.sendWindowMs).padStart(8)}  receive ${fmtMs(w.receiveWindowMs).padStart(8)}  longest gap: send ${fmtMs(w.sendGapMaxMs).padStart(8)} receive ${fmtMs(w.receiveGapMaxMs).padStart(8)}  after heal: send ${fmtMs(w.recoverSendMs).padStart(8)} receive ${fmtMs(w.recoverReceiveMs).padStart(8)}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Bucket {
  sendOk: number;
  sendInfo: number;
  sendFail: number;
  recvOk: number;
}

export function bucketOps(ops: readonly Op[], bucketMs = timelineBucketMs): Bucket[] {
  const end = ops.reduce((m, o) => Math.max(m, o.time), 0);
  const out: Bucket[] = Array.from({ length: Math.floor(end / bucketMs) + 1 }, () => ({ sendOk: 0, sendInfo: 0, sendFail: 0, recvOk: 0 }));
  for (const o of ops) {
    const b = out[Math.floor(o.time / bucketMs)]!;
    if (o.op === 'send' && o.type === 'ok') b.sendOk++;
    else if (o.op === 'send' && o.type === 'info') b.sendInfo++;
    else if (o.op === 'send' && o.type === 'fail') b.sendFail++;
    else if (o.op === 'receive' && o.type === 'ok' && o.value !== null) b.recvOk++;
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderHtml(s: RunSummary, ops: readonly Op[], faults: readonly FaultRecord[], phases: readonly FaultRecord[], leaders: readonly LeaderMark[]): string {
  const buckets = bucketOps(ops);
  const W = 1000;
  const H = 260;
  const padL = 40;
  const padB = 30;
  const endMs = Math.max(1, buckets.length * timelineBucketMs);
  const x = (ms: number) => padL + ((W - padL - 10) * ms) / endMs;
  const maxY = Math.max(1, ...buckets.map((b) => Math.max(b.sendOk + b.sendInfo + b.sendFail, b.recvOk)));
  const y = (v: number) => H - padB - ((H - padB - 20) * v) / maxY;
  const bw = Math.max(1, (W - padL - 10) / buckets.length / 2 - 1);
  const parts: string[] = [];
  for (const f of faults) parts.push(`<rect x="${x(f.start)}" y="10" width="${Math.max(1, x(f.end ?? endMs) - x(f.start))}" height="${H - padB - 10}" fill="#f4c7c3" opacity="0.6"><title>${esc(`${f.name}: ${f.detail} (${f.start}..${f.end ?? '?'} ms)`)}</title></rect>`);
  for (const p of phases) parts.push(`<rect x="${x(p.start)}" y="10" width="${Math.max(1, x(p.end ?? endMs) - x(p.start))}" height="${H - padB - 10}" fill="#c3d7f4" opacity="0.5"><title>${esc(`${p.name}: ${p.detail}`)}</title></rect>`);
  buckets.forEach((b, i) => {
    const x0 = x(i * timelineBucketMs) + 1;
    let top = y(0);
    for (const [v, color, label] of [[b.sendOk, '#2e7d32', 'send ok'], [b.sendInfo, '#f9a825', 'send unknown'], [b.sendFail, '#c62828', 'send fail']] as const) {
      if (v === 0) continue;
      const h = y(0) - y(v);
      top -= h;
      parts.push(`<rect x="${x0}" y="${top}" width="${bw}" height="${h}" fill="${color}"><title>${i}s: ${v} ${label}</title></rect>`);
    }
    if (b.recvOk > 0) parts.push(`<rect x="${x0 + bw + 1}" y="${y(b.recvOk)}" width="${bw}" height="${y(0) - y(b.recvOk)}" fill="#1565c0"><title>${i}s: ${b.recvOk} delivered</title></rect>`);
  });
  let prev: string | null | undefined;
  for (const l of leaders) {
    if (l.leader === prev) continue;
    prev = l.leader;
    parts.push(`<line x1="${x(l.time)}" x2="${x(l.time)}" y1="10" y2="${H - padB}" stroke="#6a1b9a" stroke-dasharray="3,3"/><text x="${x(l.time) + 2}" y="20" font-size="10" fill="#6a1b9a">${esc(l.leader ?? 'none')} t${l.term}</text>`);
  }
  for (let t = 0; t <= endMs; t += 5_000) parts.push(`<text x="${x(t)}" y="${H - 10}" font-size="10" text-anchor="middle">${t / 1000}s</text>`);
  parts.push(`<text x="5" y="${y(maxY) + 4}" font-size="10">${maxY}</text><text x="5" y="${y(0)}" font-size="10">0</text>`);
  const rows = s.checks.map((c) => `<tr class="${c.pass ? 'pass' : 'fail'}"><td>${c.pass ? 'PASS' : 'FAIL'}</td><td>${esc(c.name)}</td><td>${esc(c.summary)}</td></tr>`).join('\n');
  const lists = s.checks.filter((c) => c.items.length > 0 && c.name !== 'availability').map((c) => `<h3>${esc(c.name)}</h3><ul>${c.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`).join('\n');
  const winRows = s.windows.map((w) => `<tr><td>${esc(w.fault)}</td><td>${w.start}..${w.end ?? '?'}</td><td>${fmtMs(w.sendWindowMs)}</td><td>${fmtMs(w.receiveWindowMs)}</td><td>${fmtMs(w.sendGapMaxMs)}</td><td>${fmtMs(w.receiveGapMaxMs)}</td><td>${fmtMs(w.recoverSendMs)}</td><td>${fmtMs(w.recoverReceiveMs)}</td></tr>`).join('\n');
  const faultRows = [...faults, ...phases].map((f) => `<tr><td>${esc(f.name)}</td><td>${f.start}..${f.end ?? '?'}</td><td>${esc(f.detail)}</td></tr>`).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>jepsen-lite ${esc(s.faults.join(','))} seed ${s.seed}</title>
<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}.pass td:first-child{color:#2e7d32;font-weight:bold}.fail td:first-child{color:#c62828;font-weight:bold}code{background:#eee}</style></head><body>
<h1>${s.pass ? 'PASS' : 'FAIL'}: ${esc(s.workload)} / ${esc(s.faults.join(','))} / seed ${s.seed} / ${s.nodes} nodes</h1>
<p>Replay: <code>${esc(s.command)}</code></p>
<svg width="${W}" height="${H}" style="border:1px solid #ddd">${parts.join('')}</svg>
<p>Per second: <span style="color:#2e7d32">■ send ok</span> <span style="color:#f9a825">■ send unknown (info)</span> <span style="color:#c62828">■ send fail</span> <span style="color:#1565c0">■ delivered</span>; <span style="background:#f4c7c3">fault window</span>, <span style="background:#c3d7f4">final heal / restart / drain</span>; dashed: leader change.</p>
<h2>Checkers</h2><table>${rows}</table>
<h2>Fault windows</h2><table><tr><th>fault</th><th>ms</th><th>send window</th><th>receive window</th><th>longest send gap</th><th>longest receive gap</th><th>send after heal</th><th>receive after heal</th></tr>${winRows}</table>
<h2>Fault log</h2><table>${faultRows}</table>
${lists}
</body></html>
`;
}

export interface Bundle {
  readonly summary: RunSummary;
  readonly ops: readonly Op[];
  readonly faults: readonly FaultRecord[];
  readonly phases: readonly FaultRecord[];
  readonly leaders: readonly LeaderMark[];
  readonly config: unknown;
  readonly clientLog: readonly string[];
}

/** Writes history.jsonl, faults.jsonl, leaders.jsonl, report.txt, report.html, replay.json, clients.log. */
export function writeBundle(dir: string, b: Bundle): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'history.jsonl'), toJsonl(b.ops));
  writeFileSync(path.join(dir, 'faults.jsonl'), toJsonl([...b.faults, ...b.phases.map((p) => ({ ...p, phase: true }))]));
  writeFileSync(path.join(dir, 'leaders.jsonl'), toJsonl(b.leaders));
  writeFileSync(path.join(dir, 'report.txt'), renderText(b.summary));
  writeFileSync(path.join(dir, 'report.html'), renderHtml(b.summary, b.ops, b.faults, b.phases, b.leaders));
  writeFileSync(path.join(dir, 'replay.json'), `${JSON.stringify({ seed: b.summary.seed, command: b.summary.command, config: b.config }, null, 2)}\n`);
  writeFileSync(path.join(dir, 'clients.log'), `${b.clientLog.join('\n')}\n`);
}
