import { describe, expect, it } from 'vitest';
import { partitionLinks } from '../tcp-proxy.ts';
import { passRules, renderNodeRuleset, rulesForLinks } from './nft-ruleset.ts';

const nodes = ['n0', 'n1', 'n2'];
const addr = (n: string) => `10.213.9.${Number(n.slice(1)) + 2}`;

describe('nft rules of a node', () => {
  it('with nothing cut, the table is empty and accepts everything', () => {
    const text = renderNodeRuleset(passRules);
    expect(text).toContain('flush ruleset');
    expect(text).toContain('policy accept;');
    expect(text).not.toContain('drop');
  });

  it('isolating n0: n0 drops both peers, each peer drops n0 only', () => {
    const rules = rulesForLinks(nodes, partitionLinks(nodes, { kind: 'isolate', node: 'n0' }), addr);
    expect(rules.get('n0')!.dropFrom.slice().sort()).toEqual(['10.213.9.3', '10.213.9.4']);
    expect(rules.get('n1')!.dropFrom).toEqual(['10.213.9.2']);
    expect(rules.get('n2')!.dropFrom).toEqual(['10.213.9.2']);
    expect(renderNodeRuleset(rules.get('n0')!)).toContain('ip saddr { 10.213.9.3, 10.213.9.4 } drop');
  });

  it('one-way from n0: only the receivers of n0 drop it; n0 still hears everyone', () => {
    const rules = rulesForLinks(nodes, partitionLinks(nodes, { kind: 'oneway', from: 'n0' }), addr);
    expect(rules.get('n0')!.dropFrom).toEqual([]);
    expect(rules.get('n1')!.dropFrom).toEqual(['10.213.9.2']);
    expect(rules.get('n2')!.dropFrom).toEqual(['10.213.9.2']);
  });

  it('loss is a random share of the listed peers, in per mille', () => {
    const text = renderNodeRuleset({ ...passRules, lossPermille: 50, lossFrom: ['10.213.9.4', '10.213.9.3'] });
    expect(text).toContain('ip saddr { 10.213.9.3, 10.213.9.4 } numgen random mod 1000 < 50 drop');
  });

  it('refuses what is not an IPv4 address or a share out of range (nothing reaches nft)', () => {
    expect(() => renderNodeRuleset({ ...passRules, dropFrom: ['10.0.0.1; flush ruleset'] })).toThrow(/not an IPv4 address/);
    expect(() => renderNodeRuleset({ ...passRules, dropFrom: ['10.0.0.256'] })).toThrow(/not an IPv4 address/);
    expect(() => renderNodeRuleset({ ...passRules, lossPermille: 1001, lossFrom: ['10.0.0.1'] })).toThrow(/out of 0..1000/);
  });
});
