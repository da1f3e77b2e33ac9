// The nftables ruleset of one node's network namespace (pure). Each fault is a set of packets
// the node's input drops: from peers whose links to it are cut, a share of every peer's packets
// (loss). Dropping at the receiver is a blackhole: the sender's packets vanish, nothing is
// refused, and TCP retransmits once the fault heals.

import { assert } from '../../sim/assert.ts';

export interface NodeRules {
  /** IPv4 addresses whose packets this node drops (the cut links towards it). */
  readonly dropFrom: readonly string[];
  /** Per mille of the packets from `lossFrom` dropped at random (0 = none). */
  readonly lossPermille: number;
  readonly lossFrom: readonly string[];
}

export const passRules: NodeRules = { dropFrom: [], lossPermille: 0, lossFrom: [] };

export const nftTable = 'jepsen';

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** One atomic nft transaction: flush, then this node's table (policy accept, drops above it). */
export function renderNodeRuleset(r: NodeRules): string {
  assert(Number.isInteger(r.lossPermille) && r.lossPermille >= 0 && r.lossPermille <= 1000, `lossPermille ${r.lossPermille} out of 0..1000`);
  for (const a of [...r.dropFrom, ...r.lossFrom]) assert(ipv4.test(a) && a.split('.').every((o) => Number(o) <= 255), `"${a}" is not an IPv4 address`);
  const lines = ['flush ruleset', `table inet ${nftTable} {`, '  chain input {', '    type filter hook input priority filter; policy accept;'];
  const set = (as: readonly string[]) => `{ ${[...new Set(as)].sort().join(', ')} }`;
  if (r.dropFrom.length > 0) lines.push(`    ip saddr ${set(r.dropFrom)} drop`);
  if (r.lossPermille > 0 && r.lossFrom.length > 0) lines.push(`    ip saddr ${set(r.lossFrom)} numgen random mod 1000 < ${r.lossPermille} drop`);
  lines.push('  }', '}');
  return `${lines.join('\n')}\n`;
}

/** Each node's rules for the cut directed links: link a->b is cut where b receives (drop from a). */
export function rulesForLinks(nodes: readonly string[], cut: ReadonlyArray<{ readonly from: string; readonly to: string }>, addressOf: (node: string) => string): Map<string, NodeRules> {
  const out = new Map<string, NodeRules>();
  for (const n of nodes) {
    const from = cut.filter((l) => l.to === n).map((l) => addressOf(l.from));
    out.set(n, { ...passRules, dropFrom: from });
  }
  return out;
}
