// Where each member's peer endpoint is. Starts from dLegerPeers; addresses of members added
// at run time are kept in <dataDir>/peers.json so a restart still reaches them.

import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { parsePeers } from '@ledgermq/transport';

/**
 * The group's members before any membership change: everyone in dLegerPeers (sorted). State
 * machines that track the voters start from these (see StateMachine.conf).
 */
export function initialVotersOf(dLegerPeers: string): string[] {
  return [...parsePeers(dLegerPeers).keys()].sort();
}

export class PeerBook {
  private constructor(
    private readonly file: string,
    private readonly configured: ReadonlyMap<string, string>,
    private readonly added: Map<string, string>,
  ) {}

  static open(dataDir: string, configured: ReadonlyMap<string, string>): PeerBook {
    const file = path.join(dataDir, 'peers.json');
    let added = new Map<string, string>();
    try {
      added = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return new PeerBook(file, configured, added);
  }

  /** The group's members before any membership change: everyone in dLegerPeers. */
  initialVoters(): string[] {
    return [...this.configured.keys()].sort();
  }

  has(id: string): boolean {
    return this.configured.has(id) || this.added.has(id);
  }

  address(id: string): string {
    const a = this.added.get(id) ?? this.configured.get(id);
    if (a === undefined) throw new Error(`no address known for node ${id}`);
    return a;
  }

  set(id: string, address: string): void {
    if (this.configured.get(id) === address) return;
    this.added.set(id, address);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.added)));
    renameSync(tmp, this.file);
  }

  others(self: string): Map<string, string> {
    const all = new Map([...this.configured, ...this.added]);
    all.delete(self);
    return all;
  }
}
