// How the checker names an entry's content: Raft type plus payload, as a compact string.

import { EntryType, type Entry } from '@ledgermq/raft';
import type { EntryView } from './log-mirror.ts';

export function payloadString(data: Uint8Array): string {
  // Payloads in the simulation are short ASCII strings; latin1 keeps any byte distinct.
  let s = '';
  for (let i = 0; i < data.length; i++) s += String.fromCharCode(data[i] as number);
  return s;
}

export function entryKey(e: Entry): string {
  if (e.type === EntryType.Normal) return payloadString(e.data);
  if (e.type === EntryType.NoOp) return 'noop';
  return `cc:${payloadString(e.data)}`;
}

export function entryView(e: Entry): EntryView {
  return { index: e.index, term: e.term, key: entryKey(e) };
}

export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
