// Building messages with defaults, and checking the shape of messages that come off the wire.

import { nodeIdBytesMax } from './constants.ts';
import { MalformedMessageError } from './errors.ts';
import { EntryType, MessageType, type Entry, type Message, type NodeId } from './types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export type MessageFields = Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>;

/** What a message without entries carries (shared: entries are read-only). */
const noEntries: readonly Entry[] = Object.freeze([]);

export function makeMessage(f: MessageFields): Message {
  return messageFrom(f.from, f.term, f);
}

/**
 * `f` sent by `from` in `term`, unset fields at their defaults. One object literal with every
 * field, in one order: every message has the same shape (two object spreads per message made
 * the core's send the costliest line of a leader at 1,000 single-message sends a second).
 */
export function messageFrom(from: NodeId, term: number, f: Omit<MessageFields, 'from' | 'term'>): Message {
  return {
    type: f.type,
    from,
    to: f.to,
    term,
    index: f.index ?? 0,
    logTerm: f.logTerm ?? 0,
    entries: f.entries ?? noEntries,
    commit: f.commit ?? 0,
    reject: f.reject ?? false,
    rejectHint: f.rejectHint ?? 0,
    snapshot: f.snapshot ?? null,
    transfer: f.transfer ?? false,
  };
}

/**
 * A TransferLeader message names the transferee in a single NoOp entry (index 0, term 0) whose
 * data is the node id in UTF-8: `from` stays the real sender, so transports may authenticate it.
 */
export function transfereeEntry(node: NodeId): Entry {
  return { index: 0, term: 0, type: EntryType.NoOp, data: encoder.encode(node) };
}

export function decodeTransferee(m: Message): NodeId {
  const e = m.entries[0];
  if (m.entries.length !== 1 || e === undefined) throw new MalformedMessageError('TransferLeader must carry one entry');
  try {
    return decoder.decode(e.data);
  } catch (err) {
    throw new MalformedMessageError('TransferLeader transferee is not UTF-8', { cause: err });
  }
}

const messageTypes = new Set<number>(Object.values(MessageType));
const entryTypes = new Set<number>(Object.values(EntryType));

function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isNodeId(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= nodeIdBytesMax;
}

/** Throws MalformedMessageError unless `m` has the shape the core relies on. */
export function validateMessage(m: Message): void {
  const bad = (why: string): never => {
    throw new MalformedMessageError(why);
  };
  if (typeof m !== 'object' || m === null) bad('not an object');
  if (!messageTypes.has(m.type)) bad(`unknown type ${String(m.type)}`);
  if (!isNodeId(m.from) || !isNodeId(m.to)) bad('from/to must be node ids');
  for (const k of ['term', 'index', 'logTerm', 'commit', 'rejectHint'] as const) {
    if (!isIndex(m[k])) bad(`${k} must be a non-negative integer`);
  }
  if (typeof m.reject !== 'boolean' || typeof m.transfer !== 'boolean') bad('reject/transfer must be booleans');
  if (!Array.isArray(m.entries)) bad('entries must be an array');
  if (m.type === MessageType.TransferLeader) {
    decodeTransferee(m);
    return;
  }
  validateEntries(m, bad);
  if (m.type === MessageType.Snapshot) validateSnapshot(m, bad);
}

function validateEntries(m: Message, bad: (why: string) => never): void {
  if (m.type !== MessageType.Append && m.entries.length > 0) bad('only Append carries entries');
  let expected = m.index + 1;
  let termPrev = m.logTerm;
  for (const e of m.entries) {
    if (typeof e !== 'object' || e === null) bad('entry is not an object');
    if (e.index !== expected) bad(`entry index ${e.index} where ${expected} was expected`);
    if (!isIndex(e.term) || e.term < termPrev || e.term > m.term) bad(`entry ${e.index} has term ${e.term} out of order`);
    if (!entryTypes.has(e.type)) bad(`entry ${e.index} has unknown type ${String(e.type)}`);
    if (!(e.data instanceof Uint8Array)) bad(`entry ${e.index} data is not bytes`);
    expected += 1;
    termPrev = e.term;
  }
}

function validateSnapshot(m: Message, bad: (why: string) => never): void {
  const s = m.snapshot;
  if (s === null || typeof s !== 'object') bad('Snapshot message without a snapshot');
  if (!(s.data instanceof Uint8Array)) bad('snapshot data is not bytes');
  const meta = s.meta;
  if (typeof meta !== 'object' || meta === null || !isIndex(meta.index) || !isIndex(meta.term)) bad('snapshot meta');
  if (meta.index === 0 || meta.term === 0 || meta.term > m.term) bad('snapshot meta out of range');
  const voters = meta.conf?.voters;
  if (!Array.isArray(voters) || voters.length === 0 || !voters.every(isNodeId)) bad('snapshot conf voters');
}
