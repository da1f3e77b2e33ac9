import { describe, expect, it } from 'vitest';
import { formatPeers, parseAddress, parsePeers } from './peers.ts';
import { PeersParseError } from './errors.ts';

describe('parsePeers', () => {
  it('parses a DLedger-style list in order', () => {
    const peers = parsePeers('n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913');
    expect([...peers]).toEqual([
      ['n0', '127.0.0.1:40911'],
      ['n1', '127.0.0.1:40912'],
      ['n2', '127.0.0.1:40913'],
    ]);
  });

  it('accepts host names with dashes, IPv6, whitespace and a trailing separator', () => {
    const peers = parsePeers(' n0-broker-a-0.svc.local:40911 ; n1-[::1]:40912; ');
    expect(peers.get('n0')).toBe('broker-a-0.svc.local:40911');
    expect(peers.get('n1')).toBe('[::1]:40912');
  });

  it('round-trips through formatPeers', () => {
    const text = 'n0-h0:1;n1-h1:2';
    expect(formatPeers(parsePeers(text))).toBe(text);
  });

  it.each([
    ['', /no peers/],
    [';;', /no peers/],
    ['n0', /not id-host:port/],
    ['-127.0.0.1:1', /not id-host:port/],
    ['n0-127.0.0.1', /not host:port/],
    ['n0-127.0.0.1:', /bad port/],
    ['n0-127.0.0.1:0', /outside 1..65535/],
    ['n0-127.0.0.1:70000', /outside 1..65535/],
    ['n0-127.0.0.1:12ab', /bad port/],
    ['n0-bad host:1', /bad host/],
    ['n 0-h:1', /node id/],
    ['n0-h:1;n0-h:2', /appears twice/],
    ['n0-h:1;n1-h:1', /share the address/],
  ])('rejects %j', (text, pattern) => {
    expect(() => parsePeers(text)).toThrow(PeersParseError);
    expect(() => parsePeers(text)).toThrow(pattern);
  });

  it('parseAddress splits host and port', () => {
    expect(parseAddress('[::1]:8080')).toEqual({ host: '[::1]', port: 8080 });
    expect(() => parseAddress(':80')).toThrow(PeersParseError);
  });
});
