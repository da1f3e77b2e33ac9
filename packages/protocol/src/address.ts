// `host:port` strings <-> HostPort. IPv6 hosts are written in brackets: `[::1]:9876`.

import { hostCharsMax } from './constants.ts';
import { AddressParseError } from './errors.ts';
import type { HostPort } from './namesrv-types.ts';

export function parseHostPort(input: string): HostPort {
  const text = input.trim();
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') throw new AddressParseError(input, 'expected [ipv6]:port');
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new AddressParseError(input, 'expected host:port');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) throw new AddressParseError(input, 'write an IPv6 host in brackets: [::1]:port');
  }
  if (host.length === 0) throw new AddressParseError(input, 'empty host');
  if (host.length > hostCharsMax) throw new AddressParseError(input, `host longer than ${hostCharsMax} characters`);
  if (!/^\d{1,5}$/.test(portText)) throw new AddressParseError(input, `port "${portText}" is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65_535) throw new AddressParseError(input, `port ${port} out of 1..65535`);
  return { host, port };
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** `host1:port1;host2:port2` (the RocketMQ way of listing NameServers). */
export function parseHostPortList(input: string): HostPort[] {
  const parts = input.split(/[;,]/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new AddressParseError(input, 'no address');
  return parts.map(parseHostPort);
}
