// RocketMQ/DLedger-style peer lists: "n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-[::1]:40913".
// The id ends at the first '-' (ids carry no '-'; host names may).

import type { NodeId } from '@ledgermq/raft';
import { PeersParseError } from './errors.ts';
import { nodeIdBytesMax } from './constants.ts';

const idPattern = /^[A-Za-z0-9_.]+$/;
const hostPattern = /^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])$/;
const peersMax = 64;

/** Splits "host:port" (IPv6 in brackets) and checks both parts. */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) throw new PeersParseError(`address "${address}" is not host:port`);
  const host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (!hostPattern.test(host)) throw new PeersParseError(`address "${address}" has a bad host "${host}"`);
  if (!/^\d{1,5}$/.test(portText)) throw new PeersParseError(`address "${address}" has a bad port "${portText}"`);
  const port = Number(portText);
  if (port < 1 || port > 65_535) throw new PeersParseError(`address "${address}" has port ${port} outside 1..65535`);
  return { host, port };
}

/** Parses a peer list into id -> "host:port", in the order given. Empty items (a trailing ';') are ignored. */
export function parsePeers(text: string): Map<NodeId, string> {
  if (typeof text !== 'string') throw new PeersParseError('peer list must be a string');
  const peers = new Map<NodeId, string>();
  const seenAddresses = new Map<string, NodeId>();
  const items = text.split(';');
  if (items.length > peersMax + 1) throw new PeersParseError(`more than ${peersMax} peers`);
  for (const raw of items) {
    const item = raw.trim();
    if (item === '') continue;
    const dash = item.indexOf('-');
    if (dash <= 0) throw new PeersParseError(`"${item}" is not id-host:port`);
    const id = item.slice(0, dash);
    const address = item.slice(dash + 1);
    if (!idPattern.test(id) || Buffer.byteLength(id) > nodeIdBytesMax) {
      throw new PeersParseError(`"${item}": node id "${id}" must be letters, digits, '_' or '.'`);
    }
    parseAddress(address);
    if (peers.has(id)) throw new PeersParseError(`node id "${id}" appears twice`);
    const other = seenAddresses.get(address);
    if (other !== undefined) throw new PeersParseError(`"${id}" and "${other}" share the address ${address}`);
    peers.set(id, address);
    seenAddresses.set(address, id);
  }
  if (peers.size === 0) throw new PeersParseError(`no peers in "${text}"`);
  return peers;
}

/** The inverse of parsePeers. */
export function formatPeers(peers: ReadonlyMap<NodeId, string>): string {
  return [...peers].map(([id, address]) => `${id}-${address}`).join(';');
}
