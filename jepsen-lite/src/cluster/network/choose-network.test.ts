import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { decideNetwork } from './choose-network.ts';

const yes = { ok: true } as const;
const no = { ok: false, reason: 'network namespaces and nftables need root' } as const;
const plain = { faults: ['partition-leader', 'kill-leader'] as const, proxyClients: false };

describe('which network a run gets', () => {
  it('auto takes namespaces when the host allows them', () => {
    expect(decideNetwork('auto', plain, yes).kind).toBe('netns');
  });

  it('auto falls back to the proxy, saying why', () => {
    const c = decideNetwork('auto', plain, no);
    expect(c.kind).toBe('proxy');
    expect(c.reason).toContain('need root');
    const d = decideNetwork('auto', { faults: ['delay'], proxyClients: false }, yes);
    expect(d).toEqual({ kind: 'proxy', reason: expect.stringContaining('delay fault is made by the TCP proxy') });
    expect(decideNetwork('auto', { ...plain, proxyClients: true }, yes).reason).toContain('--proxy-clients');
  });

  it('netns asked for and impossible is a usage error naming every reason', () => {
    expect(() => decideNetwork('netns', { faults: ['delay'], proxyClients: true }, no)).toThrow(UsageError);
    expect(() => decideNetwork('netns', { faults: ['delay'], proxyClients: false }, yes)).toThrow(/delay fault/);
    expect(() => decideNetwork('netns', plain, no)).toThrow(/need root/);
  });

  it('proxy asked for is the proxy, whatever the host', () => {
    expect(decideNetwork('proxy', plain, yes)).toEqual({ kind: 'proxy', reason: 'asked for (--network proxy)' });
  });
});
