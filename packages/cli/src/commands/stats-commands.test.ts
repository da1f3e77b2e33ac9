// statsAll and the connection commands' merging of per-node answers. Pure.

import { describe, expect, it } from 'vitest';
import { mergeConnections, connectionTable } from './connection-commands.ts';
import { groupStats, statsAllTable } from './stats-commands.ts';

describe('statsAll', () => {
  it('sums what each node counted as leader and takes the backlog from the leader', () => {
    const common = { brokerName: 'broker-a', topics: ['T', 'Quiet'] };
    const rows = groupStats([
      { ...common, nodeId: 'n0', leader: false, puts: [{ topic: 'T', inTps: 1, inMsg24Hour: 10 }], gets: [{ topic: 'T', group: 'g', outTps: 0.5, outMsg24Hour: 4 }], backlog: [{ topic: 'T', group: 'g', accumulation: 99 }] },
      { ...common, nodeId: 'n1', leader: true, puts: [{ topic: 'T', inTps: 2, inMsg24Hour: 5 }], gets: [{ topic: 'T', group: 'g', outTps: 1, outMsg24Hour: 2 }], backlog: [{ topic: 'T', group: 'g', accumulation: 9 }] },
    ]);
    expect(rows).toEqual([
      { brokerName: 'broker-a', topic: 'Quiet', group: '', accumulation: 0, inTps: 0, inMsg24Hour: 0, outTps: 0, outMsg24Hour: 0 },
      { brokerName: 'broker-a', topic: 'T', group: 'g', accumulation: 9, inTps: 3, inMsg24Hour: 15, outTps: 1.5, outMsg24Hour: 6 },
    ]);
    const [head, quiet, t] = statsAllTable(rows).split('\n');
    expect(head).toBe('#Topic  #Consumer Group  #Accumulation  #InTPS  #OutTPS  #InMsg24Hour  #OutMsg24Hour  #Broker Name');
    expect(quiet).toMatch(/^Quiet\s+-\s+0\s+0\.00\s+0\.00\s+0\s+0\s+broker-a$/);
    expect(t).toMatch(/^T\s+g\s+9\s+3\.00\s+1\.50\s+15\s+6\s+broker-a$/);
  });
});

describe('consumerConnection / producerConnection', () => {
  const view = (clientId: string, lastSeenMs: number, address: string) => ({
    clientId, clientType: 'SIMPLE_CONSUMER', group: 'g', address, language: 'NODE_JS', version: '1', hostname: '', topics: [], subscriptions: [],
    firstSeenMs: 1, lastSeenMs, connected: true,
  });

  it('merges one client seen by several nodes into one row naming the nodes', () => {
    const rows = mergeConnections([
      { nodeId: 'n1', reply: { brokerName: 'b', nodeId: 'n1', clients: [view('c1', 5, '')] } },
      { nodeId: 'n0', reply: { brokerName: 'b', nodeId: 'n0', clients: [view('c1', 7, '127.0.0.1:1'), view('c2', 3, '127.0.0.1:2')] } },
    ]);
    expect(rows.map((r) => [r.clientId, r.address, r.nodes])).toEqual([['c1', '127.0.0.1:1', ['n0', 'n1']], ['c2', '127.0.0.1:2', ['n0']]]);
    const lines = connectionTable(rows).split('\n');
    expect(lines[0]).toMatch(/^#Id  #ClientId  #ClientAddr  #Language  #Version  #ClientType      #LastSeen\s+#Nodes$/);
    expect(lines[1]).toMatch(/^001\s+c1\s+127\.0\.0\.1:1\s+NODE_JS\s+1\s+SIMPLE_CONSUMER\s+\S+ \S+\s+n0,n1$/);
  });
});
