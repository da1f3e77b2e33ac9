// The pure parts of LocalCluster: ports, layout and the property files it writes (read back
// with the broker's own config parser, which is the contract). No process is started here.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProperties } from '@ledgermq/raft-node';
import { brokerConfigFromProperties } from '../config/broker-config.ts';
import { autoPorts, brokerNameOf, fixedPorts, LocalCluster, planCluster, renderProperties } from './local-cluster.ts';

const dataDir = path.resolve('/tmp/ledgermq-plan');

describe('fixedPorts', () => {
  it('gives the ports npm start and the compose file use', () => {
    const p = fixedPorts();
    expect(p.namesrv).toEqual([9876]);
    expect(p.groups).toEqual([{ v2: [8081, 8082, 8083], peer: [40911, 40912, 40913], admin: [40811, 40812, 40813], metrics: [5557, 5558, 5559] }]);
  });

  it('offsets each further group by 10 and each further NameServer by 1', () => {
    const p = fixedPorts({ brokerGroups: 3, nodesPerGroup: 5, namesrvCount: 2 });
    expect(p.namesrv).toEqual([9876, 9877]);
    expect(p.groups[1]).toEqual({ v2: [8091, 8092, 8093, 8094, 8095], peer: [40921, 40922, 40923, 40924, 40925], admin: [40821, 40822, 40823, 40824, 40825], metrics: [5567, 5568, 5569, 5570, 5571] });
    expect(p.groups[2]!.v2[0]).toBe(8101);
  });

  it('refuses shapes it cannot lay out', () => {
    expect(() => fixedPorts({ brokerGroups: 11 })).toThrow(/at most 10/);
    expect(() => fixedPorts({ nodesPerGroup: 4 as 3 })).toThrow(/3 or 5/);
    expect(() => fixedPorts({ brokerGroups: 0 })).toThrow(/brokerGroups/);
    expect(() => fixedPorts({ namesrvCount: 0 })).toThrow(/namesrvCount/);
  });
});

describe('autoPorts', () => {
  it('hands out distinct ports for every process', async () => {
    const p = await autoPorts({ brokerGroups: 2 });
    const all = [...p.namesrv, ...p.groups.flatMap((g) => [...g.v2, ...g.peer, ...g.admin, ...g.metrics])];
    expect(all).toHaveLength(1 + 2 * 3 * 4);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('planCluster', () => {
  it('names groups broker-a, broker-b… and nodes n0…', () => {
    expect(brokerNameOf(0)).toBe('broker-a');
    expect(brokerNameOf(1)).toBe('broker-b');
    expect(() => brokerNameOf(26)).toThrow();
    const plan = planCluster({ dataDir, brokerGroups: 2 }, fixedPorts({ brokerGroups: 2 }));
    expect(plan.groups.map((g) => g.brokerName)).toEqual(['broker-a', 'broker-b']);
    expect(plan.groups[1]!.nodes.map((n) => n.id)).toEqual(['broker-b/n0', 'broker-b/n1', 'broker-b/n2']);
    expect(plan.groups[1]!.nodes[2]!.dir).toBe(path.join(dataDir, 'broker-b', 'n2'));
    expect(plan.groups[1]!.nodes[2]!.logFile).toBe(path.join(dataDir, 'broker-b', 'n2', 'node.log'));
    expect(plan.namesrvs[0]).toMatchObject({ id: 'namesrv-0', port: 9876, logFile: path.join(dataDir, 'namesrv-0', 'namesrv.log') });
    expect(plan.namesrvs[0]!.args).toEqual(['--host', '127.0.0.1', '--port', '9876']);
  });

  it('writes the RocketMQ / DLedger keys that the broker config parser reads, without warnings', () => {
    const plan = planCluster({ dataDir, segmentBytes: 65_536, tickMs: 20, electionTicks: 8, namesrvCount: 2 }, fixedPorts({ namesrvCount: 2 }));
    for (const [i, n] of plan.groups[0]!.nodes.entries()) {
      const warnings: string[] = [];
      const cfg = brokerConfigFromProperties(parseProperties(renderProperties(n.properties, 'a header\nof two lines')), (w) => warnings.push(w));
      expect(warnings).toEqual([]);
      expect(cfg).toMatchObject({
        clusterName: 'DefaultCluster',
        brokerName: 'broker-a',
        advertisedHost: '127.0.0.1',
        listenHost: '127.0.0.1',
        listenPort: 8081 + i,
        metricsPort: 5557 + i,
        namesrvAddrs: ['127.0.0.1:9876', '127.0.0.1:9877'],
        autoCreateTopic: true,
      });
      expect(cfg.node).toMatchObject({
        groupId: 'broker-a',
        selfId: `n${i}`,
        peers: 'n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913',
        dataDir: path.join(dataDir, 'broker-a', `n${i}`),
        adminHost: '127.0.0.1',
        adminPort: 40811 + i,
        segmentBytes: 65_536,
        tickMs: 20,
        electionTicks: 8,
      });
    }
  });

  it('gives each group its own peers string', () => {
    const plan = planCluster({ dataDir, brokerGroups: 2, nodesPerGroup: 5 }, fixedPorts({ brokerGroups: 2, nodesPerGroup: 5 }));
    const peersOf = (g: number) => new Map(plan.groups[g]!.nodes[0]!.properties).get('dLegerPeers');
    expect(peersOf(1)).toBe('n0-127.0.0.1:40921;n1-127.0.0.1:40922;n2-127.0.0.1:40923;n3-127.0.0.1:40924;n4-127.0.0.1:40925');
    expect(new Map(plan.groups[1]!.nodes[0]!.properties).get('dLegerGroup')).toBe('broker-b');
  });

  it('puts every process at the address `hosts` gives (a network namespace per node)', () => {
    const plan = planCluster({ dataDir, hosts: { namesrv: '10.213.5.1', node: (g, i) => `10.213.5.${10 * g + i + 2}` } }, fixedPorts());
    expect(plan.namesrvs[0]!.host).toBe('10.213.5.1');
    expect(plan.namesrvs[0]!.args).toEqual(['--host', '10.213.5.1', '--port', '9876']);
    expect(plan.groups[0]!.nodes.map((n) => n.host)).toEqual(['10.213.5.2', '10.213.5.3', '10.213.5.4']);
    const cfg = brokerConfigFromProperties(parseProperties(renderProperties(plan.groups[0]!.nodes[1]!.properties)), () => {});
    expect(cfg).toMatchObject({ advertisedHost: '10.213.5.3', listenHost: '10.213.5.3', namesrvAddrs: ['10.213.5.1:9876'] });
    expect(cfg.node).toMatchObject({ peers: 'n0-10.213.5.2:40911;n1-10.213.5.3:40912;n2-10.213.5.4:40913', adminHost: '10.213.5.3' });
    expect(() => planCluster({ dataDir, hosts: { namesrv: '10.213.5.1', node: () => 'a b' } }, fixedPorts())).toThrow(/not a plain address/);
  });

  it('lets extraProps override a generated key or add one', () => {
    const plan = planCluster({ dataDir, extraProps: { autoCreateTopicEnable: 'false', defaultTopicQueueNums: '4' } }, fixedPorts());
    const props = plan.groups[0]!.nodes[0]!.properties;
    expect(props.filter(([k]) => k === 'autoCreateTopicEnable')).toEqual([['autoCreateTopicEnable', 'false']]);
    expect(new Map(props).get('defaultTopicQueueNums')).toBe('4');
    expect(() => planCluster({ dataDir, extraProps: { 'bad key': 'x' } }, fixedPorts())).toThrow(/plain key/);
    expect(() => planCluster({ dataDir, extraProps: { k: 'a\nb' } }, fixedPorts())).toThrow(/one line/);
  });

  it('refuses ports that do not fit the shape or collide', () => {
    const p = fixedPorts();
    expect(() => planCluster({ dataDir, brokerGroups: 2 }, p)).toThrow(/groups/);
    const clash = { namesrv: [8081], groups: p.groups };
    expect(() => planCluster({ dataDir }, clash)).toThrow(/ports of its own/);
    expect(() => planCluster({ dataDir, segmentBytes: 100 }, p)).toThrow(/segmentBytes/);
  });
});

describe('LocalCluster.create', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes one property file per node and answers endpoints without starting anything', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-local-cluster-'));
    dirs.push(dir);
    const cluster = await LocalCluster.create({ dataDir: dir, ports: 'auto', segmentBytes: 32_768, namesrvCount: 2 });
    try {
      expect(cluster.brokers).toHaveLength(3);
      expect(cluster.v2Endpoints()).toEqual(cluster.brokers.map((b) => `127.0.0.1:${b.plan.v2Port}`));
      expect(cluster.namesrvAddr()).toMatch(/^127\.0\.0\.1:\d+;127\.0\.0\.1:\d+$/);
      expect(new Set(cluster.ports()).size).toBe(2 + 3 * 4);
      for (const b of cluster.brokers) {
        expect(existsSync(b.plan.configFile)).toBe(true);
        const props = parseProperties(readFileSync(b.plan.configFile, 'utf8'));
        expect(props.get('listenPort')).toBe(String(b.plan.v2Port));
        expect(props.get('namesrvAddr')).toBe(cluster.namesrvAddr());
        expect(props.get('storePathRootDir')).toBe(b.plan.dir);
        expect(cluster.isRunning(b.id)).toBe(false);
      }
      expect(existsSync(path.join(dir, 'namesrv-1'))).toBe(true);
      expect((await cluster.statuses()).size).toBe(0);
      expect(() => cluster.group('broker-z')).toThrow(/no broker group/);
      expect(() => cluster.handle('nope')).toThrow(/no process/);
      await expect(cluster.waitForLeader('broker-a', { timeoutMs: 100 })).rejects.toThrow(/no leader within 100 ms/);
    } finally {
      await cluster.close();
    }
  });
});
