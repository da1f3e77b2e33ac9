// Which network a run gets: `--network auto` (the default) takes network namespaces when the host
// allows them and every fault of the run can be made with nftables; the reason is reported.

import { UsageError } from '../errors.ts';
import type { FaultName } from '../fault-names.ts';
import type { NetworkChoice, NetworkMode } from './cluster-network.ts';
import { detectNetns, type NetnsSupport } from './netns-detect.ts';

/** Faults only the proxy network makes: delay (no netem on this kernel). */
export const proxyOnlyFaults: readonly FaultName[] = ['delay'];

export interface NetworkNeeds {
  readonly faults: readonly FaultName[];
  /** The clients reach the nodes through proxies (--proxy-clients). */
  readonly proxyClients: boolean;
}

/** Pure: the choice, given what the host supports. Throws UsageError when `netns` is asked for and impossible. */
export function decideNetwork(mode: NetworkMode, needs: NetworkNeeds, support: NetnsSupport): NetworkChoice {
  if (mode === 'proxy') return { kind: 'proxy', reason: 'asked for (--network proxy)' };
  const blockers = [
    ...needs.faults.filter((f) => proxyOnlyFaults.includes(f)).map((f) => `the ${f} fault is made by the TCP proxy (no netem here)`),
    ...(needs.proxyClients ? ['--proxy-clients puts the clients behind TCP proxies'] : []),
  ];
  if (!support.ok) blockers.push(`network namespaces unavailable: ${support.reason}`);
  if (blockers.length === 0) return { kind: 'netns', reason: mode === 'netns' ? 'asked for (--network netns)' : 'the host allows network namespaces and nftables' };
  if (mode === 'netns') throw new UsageError(`--network netns: ${blockers.join('; ')}`);
  return { kind: 'proxy', reason: blockers.join('; ') };
}

export async function chooseNetwork(mode: NetworkMode, needs: NetworkNeeds): Promise<NetworkChoice> {
  // Probing needs root and runs commands: skip it when the answer cannot change the choice.
  if (mode === 'proxy') return decideNetwork(mode, needs, { ok: false, reason: 'not probed' });
  return decideNetwork(mode, needs, await detectNetns());
}
