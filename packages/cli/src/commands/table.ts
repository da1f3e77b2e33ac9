// mqadmin's fixed-width tables: a header line of `#Name` columns, then one line per row, every
// column padded to its widest cell plus two spaces (the last column is not padded). Pure.

export type Cell = string | number | boolean | null | undefined;

export const columnGapSpaces = 2;

export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const head = headers.map((h) => `#${h}`);
  const cells = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + columnGapSpaces))).join('').trimEnd();
  return [line(head), ...cells.map(line)].join('\n') + '\n';
}

/** `key: value` lines with the keys padded to `width` (brokerStatus, getBrokerConfig). */
export function formatKeyValues(entries: ReadonlyArray<readonly [string, Cell]>, width = 32, sep = ': '): string {
  return entries.map(([k, v]) => `${k.padEnd(width)}${sep}${cellText(v)}`).join('\n') + '\n';
}

export function cellText(c: Cell): string {
  if (c === null || c === undefined) return '';
  return String(c);
}

/** RocketMQ's time format: `yyyy-MM-dd HH:mm:ss` in local time; `N/A` for 0. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return 'N/A';
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
