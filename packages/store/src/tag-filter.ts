// RocketMQ tag expressions: `*` (or empty) matches everything, `a||b||c` matches those tags.
// The ConsumeQueue's tag hash rules most records out without reading them; the exact tag is
// then checked on the message, so hash collisions never deliver a wrong message.

import { tagHash } from './cq-record.ts';

export interface TagFilter {
  readonly tags: ReadonlySet<string>;
  readonly hashes: ReadonlySet<number>;
}

/** null = match all. */
export function parseTagFilter(expression: string): TagFilter | null {
  const e = expression.trim();
  if (e === '' || e === '*') return null;
  const tags = new Set(e.split('||').map((t) => t.trim()).filter((t) => t.length > 0));
  if (tags.size === 0) return null;
  return { tags, hashes: new Set([...tags].map(tagHash)) };
}

export function hashMayMatch(f: TagFilter | null, hash: number): boolean {
  return f === null || f.hashes.has(hash);
}

export function tagMatches(f: TagFilter | null, tag: string | null): boolean {
  return f === null || (tag !== null && f.tags.has(tag));
}
