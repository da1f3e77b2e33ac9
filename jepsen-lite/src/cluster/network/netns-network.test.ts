// The netns network on this host, for real: namespaces, veths, a bridge, nftables (CI installs
// nftables and runs as root). Where the host cannot, detection must say why and `auto` must
// choose the proxy for that reason (choose-network.test.ts covers the decision itself).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseNetwork } from './choose-network.ts';
import { detectNetns } from './netns-detect.ts';
import { NetnsNetwork } from './netns-network.ts';
import { NetnsTopology } from './netns-topology.ts';
import { run } from './netns-commands.ts';

const support = await detectNetns();
const port = 7411;
/** A connection that was not answered within this is counted as cut (the drop is silent). */
const connectWaitMs = 1_000;

describe('netns detection', () => {
  it('answers ok, or why not; auto follows it', async () => {
    const c = await chooseNetwork('auto', { faults: ['partition-leader'], proxyClients: false });
    if (support.ok) expect(c.kind).toBe('netns');
    else {
      expect(support.reason.length).toBeGreaterThan(0);
      expect(c).toEqual({ kind: 'proxy', reason: expect.stringContaining(support.reason) });
    }
  });
});

describe.runIf(support.ok)('netns network (real namespaces and nftables)', () => {
  const nodes = ['n0', 'n1', 'n2'];
  let topology: NetnsTopology;
  let network: NetnsNetwork;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    topology = await NetnsTopology.create(nodes);
    network = new NetnsNetwork(topology);
    // One greeting server per node, inside its namespace, on its own address.
    for (const n of nodes) {
      const [program, ...args] = [...topology.launchPrefix(n), process.execPath, '-e', serverScript(topology.addressOf(n))];
      const child = spawn(program!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`server in ${n} exited (${code})`)));
      });
    }
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await network?.close();
  });

  it('the harness reaches every node, and the nodes reach each other', async () => {
    for (const n of nodes) expect(await greet(null, topology.addressOf(n))).toBe(`hello from ${topology.addressOf(n)}`);
    expect(await greet(topology.namespaceOf('n1'), topology.addressOf('n0'))).toBe(`hello from ${topology.addressOf('n0')}`);
  });

  it('isolating n0 cuts n0 off its peers (silently) but not off the harness; heal restores it', async () => {
    const links = await network.partition({ kind: 'isolate', node: 'n0' });
    expect(links).toHaveLength(4);
    expect(await greet(topology.namespaceOf('n1'), topology.addressOf('n0'))).toBe('no answer');
    expect(await greet(topology.namespaceOf('n0'), topology.addressOf('n2'))).toBe('no answer');
    expect(await greet(topology.namespaceOf('n1'), topology.addressOf('n2'))).toBe(`hello from ${topology.addressOf('n2')}`);
    expect(await greet(null, topology.addressOf('n0'))).toBe(`hello from ${topology.addressOf('n0')}`);
    await network.heal();
    expect(await greet(topology.namespaceOf('n1'), topology.addressOf('n0'))).toBe(`hello from ${topology.addressOf('n0')}`);
  });

  it('loss installs a random drop of the peers\' packets in every node', async () => {
    await network.loss();
    for (const n of nodes) {
      const rules = await run('ip', ['netns', 'exec', topology.namespaceOf(n), 'nft', 'list', 'ruleset']);
      expect(rules).toMatch(/numgen random mod 1000 < \d+ drop/);
    }
    await network.heal();
    const rules = await run('ip', ['netns', 'exec', topology.namespaceOf('n0'), 'nft', 'list', 'ruleset']);
    expect(rules).not.toContain('drop');
  });

  it('close removes every namespace of the run', async () => {
    const names = [topology.hub, ...nodes.map((n) => topology.namespaceOf(n))];
    for (const s of servers) s.kill('SIGKILL');
    await network.close();
    for (const ns of names) expect(existsSync(`/run/netns/${ns}`), ns).toBe(false);
    await expect(run('ip', ['link', 'show', topology.hostVeth])).rejects.toThrow();
  });
});

function serverScript(address: string): string {
  return `require('net').createServer((s) => s.end('hello from ${address}')).listen(${port}, '${address}', () => process.stdout.write('up\\n'));`;
}

/** Connects from namespace `from` (null: the harness) to `address`; its greeting or 'no answer'. */
async function greet(from: string | null, address: string): Promise<string> {
  if (from === null) return greetHere(address);
  const script = `const s = require('net').connect(${port}, '${address}'); let got = '';
    s.on('data', (d) => { got += d; }); s.on('end', () => { process.stdout.write(got); process.exit(0); });
    s.on('error', () => { process.stdout.write('no answer'); process.exit(0); });
    setTimeout(() => { process.stdout.write('no answer'); process.exit(0); }, ${connectWaitMs});`;
  const out = await run('ip', ['netns', 'exec', from, process.execPath, '-e', script]);
  return out.trim();
}

function greetHere(address: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, address);
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve('no answer');
    }, connectWaitMs);
    s.on('data', (d) => (got += String(d)));
    s.on('end', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', () => {
      clearTimeout(timer);
      resolve('no answer');
    });
  });
}
