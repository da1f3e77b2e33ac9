// The fault vocabulary of the cluster tier: one list for the runner, the suite and the chaos
// scripts (deploy/chaos/ uses the same names).

import { FaultNodesError, UnknownFaultError } from './errors.ts';

export const implementedFaults = [
  'kill',
  'kill-leader',
  'kill-minority',
  'kill-all',
  'pause',
  'pause-leader',
  'stall-leader',
  'partition-leader',
  'partition-halves',
  'partition-oneway',
  'delay',
  'loss',
  'partition-ring',
  'bridge',
  'power-loss',
  'corrupt-minority',
  'clock-jump',
  'membership',
  'pause-kill',
  'partition-kill',
] as const;
export type FaultName = (typeof implementedFaults)[number];

/** Faults whose shape needs five nodes (a ring of neighbours, two sides and a bridge). */
export const fiveNodeFaults: readonly FaultName[] = ['partition-ring', 'bridge'];

export function parseFaults(text: string): FaultName[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UnknownFaultError('', implementedFaults);
  return names.map((n) => {
    if ((implementedFaults as readonly string[]).includes(n)) return n as FaultName;
    throw new UnknownFaultError(n, implementedFaults);
  });
}

/** The faults a run of `nodes` nodes can inject: every one but the five-node shapes on three. */
export function faultsFor(nodes: 3 | 5): FaultName[] {
  return implementedFaults.filter((f) => nodes === 5 || !fiveNodeFaults.includes(f));
}

/** Throws FaultNodesError when a fault needs more nodes than the run has. */
export function checkFaultsForNodes(faults: readonly FaultName[], nodes: number): void {
  for (const f of faults) if (fiveNodeFaults.includes(f) && nodes < 5) throw new FaultNodesError(f, 5, nodes);
}
