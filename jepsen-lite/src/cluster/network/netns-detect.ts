// Whether this host can run a cluster in network namespaces with nftables: detected by trying
// it (root, `ip netns add`, a veth into the namespace, a bridge, an nft table inside it), never
// assumed.
// The answer is kept for the life of the process.

import { nftApply, run, runSyncQuiet } from './netns-commands.ts';
import { passRules, renderNodeRuleset } from './nft-ruleset.ts';

export type NetnsSupport = { readonly ok: true } | { readonly ok: false; readonly reason: string };

let cached: Promise<NetnsSupport> | null = null;

export function detectNetns(): Promise<NetnsSupport> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<NetnsSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces and nftables need root' };
  for (const [program, args] of [['ip', ['-V']], ['nft', ['--version']]] as const) {
    try {
      await run(program, args);
    } catch (err) {
      return { ok: false, reason: `${program} is not usable (${(err as Error).message}); Debian: apt-get install iproute2 nftables` };
    }
  }
  const ns = `lmqprobe${process.pid}`;
  const veth = `lmqp${process.pid % 100_000}`;
  try {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', ns, 'link', 'add', 'br0', 'type', 'bridge']);
    await nftApply(ns, renderNodeRuleset({ ...passRules, dropFrom: ['10.213.0.3'], lossPermille: 10, lossFrom: ['10.213.0.4'] }));
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  } finally {
    runSyncQuiet('ip', ['link', 'del', veth]);
    runSyncQuiet('ip', ['netns', 'del', ns]);
  }
}
