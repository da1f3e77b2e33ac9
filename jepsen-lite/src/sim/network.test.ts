import { describe, expect, it } from 'vitest';
import { SimNetwork } from './network.ts';
import { Prng } from './prng.ts';

const nodes = ['n0', 'n1', 'n2', 'n3', 'n4'];

describe('SimNetwork', () => {
  it('delivers every message once within the delay range on a calm network', () => {
    const net = new SimNetwork(nodes, new Prng(1), { dropRate: 0, dupRate: 0, delayMinMs: 2, delayMaxMs: 9 });
    for (let i = 0; i < 500; i++) {
      const arrivals = net.send('n0', 'n1', 100);
      expect(arrivals).toHaveLength(1);
      expect(arrivals[0]).toBeGreaterThanOrEqual(102);
      expect(arrivals[0]).toBeLessThanOrEqual(109);
    }
  });

  it('reorders: two messages sent in order can arrive out of order', () => {
    const net = new SimNetwork(nodes, new Prng(2), { dropRate: 0, dupRate: 0, delayMinMs: 1, delayMaxMs: 20 });
    let reordered = 0;
    for (let i = 0; i < 200; i++) {
      const [a] = net.send('n0', 'n1', 0);
      const [b] = net.send('n0', 'n1', 1);
      if ((b as number) < (a as number)) reordered++;
    }
    expect(reordered).toBeGreaterThan(20);
  });

  it('drops and duplicates at roughly the configured rates', () => {
    const net = new SimNetwork(nodes, new Prng(3), { dropRate: 0.2, dupRate: 0.3, delayMinMs: 1, delayMaxMs: 5 });
    const n = 5000;
    let copies = 0;
    for (let i = 0; i < n; i++) copies += net.send('n1', 'n2', 0).length;
    expect(net.stats.dropped / n).toBeGreaterThan(0.17);
    expect(net.stats.dropped / n).toBeLessThan(0.23);
    expect(net.stats.duplicated / (n - net.stats.dropped)).toBeGreaterThan(0.26);
    expect(copies).toBe(n - net.stats.dropped + net.stats.duplicated);
  });

  it('symmetric partitions block across groups only, and heal', () => {
    const net = new SimNetwork(nodes, new Prng(4));
    net.partition([['n0', 'n1'], ['n2', 'n3']]);
    expect(net.canDeliver('n0', 'n1')).toBe(true);
    expect(net.canDeliver('n2', 'n3')).toBe(true);
    expect(net.canDeliver('n0', 'n2')).toBe(false);
    expect(net.canDeliver('n3', 'n1')).toBe(false);
    // n4 is unlisted: a group of its own.
    expect(net.canDeliver('n4', 'n0')).toBe(false);
    expect(net.canDeliver('n2', 'n4')).toBe(false);
    expect(net.send('n0', 'n3', 0)).toEqual([]);
    expect(net.stats.blocked).toBe(1);
    net.heal();
    expect(net.canDeliver('n0', 'n3')).toBe(true);
  });

  it('one-way partitions block a single direction', () => {
    const net = new SimNetwork(nodes, new Prng(5));
    net.blockOneWay('n0', 'n1');
    expect(net.canDeliver('n0', 'n1')).toBe(false);
    expect(net.canDeliver('n1', 'n0')).toBe(true);
    net.isolate('n2');
    expect(net.canDeliver('n2', 'n3')).toBe(false);
    expect(net.canDeliver('n3', 'n2')).toBe(false);
    expect(net.blockedLinks()).toContain('n0>n1');
  });

  it('overlapping faults lift only their own blocks', () => {
    const net = new SimNetwork(nodes, new Prng(8));
    const a = net.isolate('n0');
    const b = net.blockOneWay('n0', 'n1');
    net.unblock(a);
    expect(net.canDeliver('n0', 'n1')).toBe(false);
    expect(net.canDeliver('n1', 'n0')).toBe(true);
    expect(net.canDeliver('n0', 'n2')).toBe(true);
    net.unblock(b);
    expect(net.canDeliver('n0', 'n1')).toBe(true);
    expect(net.blockedLinks()).toEqual([]);
  });

  it('is deterministic for a seed', () => {
    const run = () => {
      const net = new SimNetwork(nodes, new Prng(6), { dropRate: 0.1, dupRate: 0.1, delayMinMs: 1, delayMaxMs: 30 });
      return Array.from({ length: 50 }, () => net.send('n0', 'n1', 0));
    };
    expect(run()).toEqual(run());
  });

  it('rejects invalid options', () => {
    expect(() => new SimNetwork(nodes, new Prng(1), { dropRate: 1, dupRate: 0, delayMinMs: 1, delayMaxMs: 2 })).toThrow();
    expect(() => new SimNetwork(nodes, new Prng(1), { dropRate: 0, dupRate: 0, delayMinMs: 5, delayMaxMs: 2 })).toThrow();
  });
});
