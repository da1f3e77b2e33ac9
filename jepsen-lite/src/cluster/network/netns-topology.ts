// The network namespaces of one run. A hub namespace holds a bridge; every node gets a namespace
// of its own with one veth into the bridge (10.213.k.<i + 2>/24); the harness (root namespace)
// has one veth into it too (10.213.k.1): the clients, the NameServer and the admin calls use
// that address. The bridge lives in the hub, not in the root namespace, so the host's own
// firewall (Docker's FORWARD policy, br_netfilter) never sees the nodes' traffic.
//
// Names carry k (lmq<k>-hub, lmq<k>-n0, root veth lmq<k>h); an owner file records the PID that
// made them, so a later run removes the namespaces of a harness that died without cleaning up.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { netnsSubnetMax, netnsSubnetMin, netnsSubnetPrefix } from '../constants.ts';
import { NetnsError } from '../errors.ts';
import { nftApply, run, runSyncQuiet } from './netns-commands.ts';
import { passRules, renderNodeRuleset } from './nft-ruleset.ts';

const ownerDir = path.join(os.tmpdir(), 'ledgermq-netns');

export class NetnsTopology {
  private closed = false;

  private constructor(
    readonly k: number,
    readonly nodes: readonly string[],
  ) {}

  /** Namespaces and links for `nodes` (selfIds n0, n1, …), each node's table installed and empty. */
  static async create(nodes: readonly string[]): Promise<NetnsTopology> {
    if (nodes.length < 1 || nodes.length > 200) throw new NetnsError(`${nodes.length} nodes: 1..200 fit one /24`);
    const used = await subnetsUsedByOthers();
    const span = netnsSubnetMax - netnsSubnetMin + 1;
    // Each process starts from its own k, so concurrent runs (test workers) rarely contend.
    for (let i = 0; i < span; i++) {
      const k = netnsSubnetMin + ((process.pid + i) % span);
      if (used.has(k)) continue;
      if (!claim(k)) continue;
      const t = new NetnsTopology(k, nodes);
      try {
        await t.build();
        return t;
      } catch (err) {
        t.destroySync();
        throw err;
      }
    }
    throw new NetnsError(`no free subnet ${netnsSubnetPrefix}.k.0/24 for k in ${netnsSubnetMin}..${netnsSubnetMax}`);
  }

  get hub(): string {
    return namespaceName(this.k, 'hub');
  }

  get hostVeth(): string {
    return hostVethName(this.k);
  }

  /** The harness's address (root namespace): clients, NameServer, admin calls. */
  get hostAddress(): string {
    return `${netnsSubnetPrefix}.${this.k}.1`;
  }

  /** The run's /24, e.g. 10.213.7.0/24. */
  get subnet(): string {
    return `${netnsSubnetPrefix}.${this.k}.0/24`;
  }

  namespaceOf(node: string): string {
    return namespaceName(this.k, node);
  }

  addressOf(node: string): string {
    const i = this.nodes.indexOf(node);
    if (i < 0) throw new NetnsError(`no node ${node} in this network (${this.nodes.join(', ')})`);
    return `${netnsSubnetPrefix}.${this.k}.${i + 2}`;
  }

  private async build(): Promise<void> {
    const hub = this.hub;
    await run('ip', ['netns', 'add', hub]);
    await run('ip', ['-n', hub, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', hub, 'link', 'set', 'br0', 'up']);
    await run('ip', ['link', 'add', this.hostVeth, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', hub]);
    await run('ip', ['addr', 'add', `${this.hostAddress}/24`, 'dev', this.hostVeth]);
    await run('ip', ['link', 'set', this.hostVeth, 'up']);
    await run('ip', ['-n', hub, 'link', 'set', 'uplink', 'master', 'br0', 'up']);
    for (const node of this.nodes) {
      const ns = this.namespaceOf(node);
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await run('ip', ['-n', hub, 'link', 'add', `v${node}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run('ip', ['-n', hub, 'link', 'set', `v${node}`, 'master', 'br0', 'up']);
      await run('ip', ['-n', ns, 'addr', 'add', `${this.addressOf(node)}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await nftApply(ns, renderNodeRuleset(passRules));
    }
  }

  /** The command prefix that runs a program inside node `node`'s namespace (exec: same PID). */
  launchPrefix(node: string): string[] {
    return ['ip', 'netns', 'exec', this.namespaceOf(node)];
  }

  /** Removes every namespace and link of this run (idempotent). */
  destroySync(): void {
    if (this.closed) return;
    this.closed = true;
    removeSubnet(this.k);
  }
}

/** The names of subnet k's namespaces and root veth (one place: the run and the cleanup use them). */
function namespaceName(k: number, what: string): string {
  return `lmq${k}-${what}`;
}

function hostVethName(k: number): string {
  return `lmq${k}h`;
}

/**
 * k of every 10.213.k.x address the root namespace has on an interface that is not a run's own
 * veth (those are settled by claim(): a live run keeps k, a dead one's leftovers are removed).
 */
async function subnetsUsedByOthers(): Promise<Set<number>> {
  const out = await run('ip', ['-o', '-4', 'addr', 'show']);
  const used = new Set<number>();
  // Lines look like "7: eth0    inet 10.213.5.1/24 brd ...".
  const re = new RegExp(`^\\d+:\\s+(\\S+)\\s+inet ${netnsSubnetPrefix.replace('.', '\\.')}\\.(\\d+)\\.`, 'gm');
  for (const m of out.matchAll(re)) {
    const k = Number(m[2]);
    if (m[1]!.split('@')[0] !== hostVethName(k)) used.add(k);
  }
  return used;
}

/**
 * Takes k for this process: its owner file is created exclusively; a file whose PID is dead is
 * a crashed run's, whose leftovers are removed first. False when another live run holds k.
 */
function claim(k: number): boolean {
  mkdirSync(ownerDir, { recursive: true });
  const file = ownerFile(k);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      // A crashed run may have left namespaces without its owner file: they go before reuse.
      removeNetworkSync(k);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new NetnsError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
      if (alive(readOwner(file))) return false;
      removeNetworkSync(k);
      rmSync(file, { force: true });
    }
  }
  return false;
}

function removeSubnet(k: number): void {
  removeNetworkSync(k);
  rmSync(ownerFile(k), { force: true });
}

function removeNetworkSync(k: number): void {
  runSyncQuiet('ip', ['link', 'del', hostVethName(k)]);
  for (const ns of namespacesOf(k)) runSyncQuiet('ip', ['netns', 'del', ns]);
}

/** The namespaces named for k (`ip netns add` makes /run/netns/<name>). */
function namespacesOf(k: number): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(namespaceName(k, '')));
  } catch {
    return [];
  }
}

function ownerFile(k: number): string {
  return path.join(ownerDir, `lmq${k}.pid`);
}

function readOwner(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
