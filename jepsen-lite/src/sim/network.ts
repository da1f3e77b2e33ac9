// The simulated network: each sent message is dropped, delivered once, or duplicated,
// after an independent random delay (which is what reorders messages). Partitions are a
// set of blocked directed links, checked when a message is sent and again when it
// arrives (a partition that starts while a message is in flight loses it).

import { assert } from './assert.ts';
import { netDelayMaxMs, netDelayMinMs } from './constants.ts';
import type { Prng } from './prng.ts';

export interface NetworkOptions {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a delivered message is delivered a second time (after its own delay). */
  dupRate: number;
  delayMinMs: number;
  delayMaxMs: number;
}

export const calmNetwork: NetworkOptions = { dropRate: 0, dupRate: 0, delayMinMs: netDelayMinMs, delayMaxMs: netDelayMaxMs };

export interface NetworkStats {
  sent: number;
  dropped: number;
  duplicated: number;
  blocked: number;
}

export class SimNetwork {
  options: NetworkOptions;
  /** Blocked directed links, counted: overlapping faults each lift only their own blocks. */
  private readonly blocked = new Map<string, number>();
  readonly stats: NetworkStats = { sent: 0, dropped: 0, duplicated: 0, blocked: 0 };

  constructor(
    readonly nodes: readonly string[],
    private readonly prng: Prng,
    options: NetworkOptions = calmNetwork,
  ) {
    this.options = options;
    this.validate(options);
  }

  setOptions(options: NetworkOptions): void {
    this.validate(options);
    this.options = options;
  }

  /**
   * Decide the fate of one message sent at `nowMs`: returns the arrival times of its
   * copies (empty when lost or blocked).
   */
  send(from: string, to: string, nowMs: number): number[] {
    this.stats.sent++;
    if (!this.canDeliver(from, to)) {
      this.stats.blocked++;
      return [];
    }
    if (this.prng.chance(this.options.dropRate)) {
      this.stats.dropped++;
      return [];
    }
    const arrivals = [nowMs + this.delay()];
    if (this.prng.chance(this.options.dupRate)) {
      this.stats.duplicated++;
      arrivals.push(nowMs + this.delay());
    }
    return arrivals;
  }

  /** Whether the link from → to is open right now (checked again at arrival). */
  canDeliver(from: string, to: string): boolean {
    return !this.blocked.has(linkKey(from, to));
  }

  /** Block the given links; returns them so that the caller can unblock exactly those. */
  block(links: readonly string[]): string[] {
    for (const l of links) this.blocked.set(l, (this.blocked.get(l) ?? 0) + 1);
    return [...links];
  }

  unblock(links: readonly string[]): void {
    for (const l of links) {
      const c = this.blocked.get(l) ?? 0;
      if (c <= 1) this.blocked.delete(l);
      else this.blocked.set(l, c - 1);
    }
  }

  /** Symmetric partition: no traffic between nodes of different groups. Nodes not listed form their own group. */
  partition(groups: readonly (readonly string[])[]): string[] {
    const links: string[] = [];
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((n) => groupOf.set(n, i)));
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a === b) continue;
        const ga = groupOf.get(a) ?? `solo-${a}`;
        const gb = groupOf.get(b) ?? `solo-${b}`;
        if (ga !== gb) links.push(linkKey(a, b));
      }
    }
    return this.block(links);
  }

  /** Cut `node` off from everyone, both ways. */
  isolate(node: string): string[] {
    const links: string[] = [];
    for (const other of this.nodes) {
      if (other === node) continue;
      links.push(linkKey(node, other), linkKey(other, node));
    }
    return this.block(links);
  }

  /** One-way partition: `from` can no longer reach `to`, while `to` still reaches `from`. */
  blockOneWay(from: string, to: string): string[] {
    assert(from !== to, 'cannot block a node from itself');
    return this.block([linkKey(from, to)]);
  }

  heal(): void {
    this.blocked.clear();
  }

  blockedLinks(): string[] {
    return [...this.blocked.keys()].sort();
  }

  private delay(): number {
    return this.prng.int(this.options.delayMinMs, this.options.delayMaxMs);
  }

  private validate(o: NetworkOptions): void {
    assert(o.dropRate >= 0 && o.dropRate < 1, `dropRate out of range: ${o.dropRate}`);
    assert(o.dupRate >= 0 && o.dupRate < 1, `dupRate out of range: ${o.dupRate}`);
    assert(Number.isInteger(o.delayMinMs) && o.delayMinMs >= 1, 'delayMinMs must be an integer ≥ 1');
    assert(Number.isInteger(o.delayMaxMs) && o.delayMaxMs >= o.delayMinMs, 'delayMaxMs must be ≥ delayMinMs');
  }
}

function linkKey(from: string, to: string): string {
  return `${from}>${to}`;
}
