import { describe, expect, it } from 'vitest';
import { FaultNodesError, UnknownFaultError } from './errors.ts';
import { checkFaultsForNodes, faultsFor, fiveNodeFaults, implementedFaults, parseFaults } from './fault-names.ts';
import { validateOptions } from './runner.ts';

describe('fault vocabulary', () => {
  it('knows every fault of issue 5 and nothing else', () => {
    for (const f of ['power-loss', 'corrupt-minority', 'clock-jump', 'membership', 'partition-ring', 'bridge', 'pause-kill', 'partition-kill', 'kill-leader']) {
      expect(parseFaults(f)).toEqual([f]);
    }
    expect(() => parseFaults('kill-leader,flood')).toThrow(UnknownFaultError);
    expect(() => parseFaults(' , ')).toThrow(UnknownFaultError);
  });

  it('refuses the five-node shapes on three nodes, with the option to use', () => {
    expect(() => checkFaultsForNodes(['kill', 'bridge'], 3)).toThrow(FaultNodesError);
    expect(() => checkFaultsForNodes(['partition-ring'], 3)).toThrow(/needs 5 nodes \(--nodes 5\)/);
    expect(() => checkFaultsForNodes(['partition-ring', 'bridge'], 5)).not.toThrow();
    const base = { workload: 'queue' as const, timeS: 30, rate: 60, seed: 1 };
    expect(() => validateOptions({ ...base, faults: ['bridge'], nodes: 3 })).toThrow(FaultNodesError);
    expect(() => validateOptions({ ...base, faults: ['bridge'], nodes: 5 })).not.toThrow();
  });

  it('a suite runs every fault the node count allows', () => {
    expect(faultsFor(5)).toEqual([...implementedFaults]);
    expect(faultsFor(3)).toEqual(implementedFaults.filter((f) => !fiveNodeFaults.includes(f)));
    expect(faultsFor(3)).toHaveLength(implementedFaults.length - 2);
  });
});
