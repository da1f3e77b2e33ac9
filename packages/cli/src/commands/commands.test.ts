// The admin commands' pure parts: tables, flag parsing, timestamps and the registry.

import { describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.ts';
import { clusterListTable, type ClusterListRow } from './cluster-commands.ts';
import { messageTypeAttribute, namesrvOf, parseCommandArgs, parseTimestamp, intFlag, boolFlag } from './command-args.ts';
import { consumerProgressTable } from './group-commands.ts';
import { adminCommands, findCommand } from './index.ts';
import { raftStatusTable } from './raft-commands.ts';
import { formatKeyValues, formatTable, formatTime } from './table.ts';
import { selectGroups } from './cluster-view.ts';

describe('formatTable', () => {
  it('pads every column to its widest cell plus two spaces, headers prefixed with #', () => {
    const t = formatTable(['Topic', 'QID', 'Diff'], [['TopicA', 0, 12], ['B', 10, null]]);
    expect(t).toBe('#Topic  #QID  #Diff\nTopicA  0     12\nB       10\n');
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['A', 'B'], [])).toBe('#A  #B\n');
  });

  it('key: value lines with padded keys', () => {
    expect(formatKeyValues([['putTps', '1.00 2.00 3.00'], ['x', 1]], 8)).toBe('putTps  : 1.00 2.00 3.00\nx       : 1\n');
  });

  it('formats times as yyyy-MM-dd HH:mm:ss and 0 as N/A', () => {
    expect(formatTime(0)).toBe('N/A');
    expect(formatTime(new Date(2024, 0, 2, 3, 4, 5).getTime())).toBe('2024-01-02 03:04:05');
  });
});

describe('mqadmin tables', () => {
  it('clusterList has the RocketMQ columns first', () => {
    const row: ClusterListRow = {
      clusterName: 'DefaultCluster', brokerName: 'broker-a', brokerId: 0, nodeId: 'n0', role: 'LEADER', term: 3, addr: '127.0.0.1:8081',
      adminAddr: '127.0.0.1:40811', version: 'LedgerMQ-0.1.0', inTps: 12.5, outTps: 0, hours: 1.25, activated: true, error: '',
    };
    const [head, line] = clusterListTable([row]).split('\n');
    expect(head).toMatch(/^#Cluster Name\s+#Broker Name\s+#BID\s+#Addr\s+#Version\s+#InTPS\(LOAD\)\s+#OutTPS\(LOAD\)\s+#PCWait\(ms\)\s+#Hour\s+#SPACE\s+#ACTIVATED/);
    expect(line).toMatch(/^DefaultCluster\s+broker-a\s+0\s+127\.0\.0\.1:8081\s+LedgerMQ-0\.1\.0\s+12\.50\(0,0ms\)\s+0\.00\(0,0ms\)/);
  });

  it('consumerProgress: the RocketMQ columns, TPS and the diff total', () => {
    const t = consumerProgressTable([{
      group: 'g', brokerName: 'broker-a', consumeTps: 1.5, diffTotal: 7,
      queues: [
        { topic: 'T', brokerName: 'broker-a', queueId: 1, brokerOffset: 9, consumerOffset: 2, diff: 7, inflight: 0, lastTimestampMs: 0 },
        { topic: 'T', brokerName: 'broker-a', queueId: 0, brokerOffset: 5, consumerOffset: 5, diff: 0, inflight: 0, lastTimestampMs: 0 },
      ],
    }]);
    const lines = t.split('\n');
    expect(lines[0]).toBe('#Topic  #Broker Name  #QID  #Broker Offset  #Consumer Offset  #Diff  #LastTime');
    expect(lines[1]).toMatch(/^T\s+broker-a\s+0\s+5\s+5\s+0\s+N\/A$/);
    expect(lines[2]).toMatch(/^T\s+broker-a\s+1\s+9\s+2\s+7\s+N\/A$/);
    expect(t).toMatch(/Consume TPS: 1\.50\nConsume Diff Total: 7\n$/);
  });

  it('raftStatus shows unreachable nodes with the reason', () => {
    const t = raftStatusTable([
      { brokerName: 'broker-a', nodeId: 'n0', admin: 'h:1', role: 'leader', term: 2, leader: 'n0', commit: 10, applied: 10, lastIndex: 10, match: null, lag: null, lastElectionMs: null, error: '' },
      { brokerName: 'broker-a', nodeId: 'n1', admin: 'h:2', role: '', term: 0, leader: '', commit: 0, applied: 0, lastIndex: 0, match: null, lag: null, lastElectionMs: null, error: 'UNAVAILABLE' },
    ]);
    expect(t.split('\n')[1]).toMatch(/^broker-a\s+n0\s+LEADER\s+2\s+n0\s+10\s+10\s+10\s+-\s+-\s+N\/A\s+h:1$/);
    expect(t).toMatch(/n1\s+\(UNAVAILABLE\)/);
  });
});

describe('flag parsing', () => {
  const opts = { topic: { type: 'string', short: 't' }, brokerAddr: { type: 'string', short: 'b' } } as const;

  it('reads mqadmin short flags, -n and --json', () => {
    const v = parseCommandArgs('topicStatus', ['-n', '10.0.0.1:9876', '-t', 'T', '-b', 'broker-a', '--json'], opts);
    expect(v).toMatchObject({ namesrvAddr: '10.0.0.1:9876', topic: 'T', brokerAddr: 'broker-a', json: true });
  });

  it('refuses unknown flags with a UsageError naming the command', () => {
    expect(() => parseCommandArgs('topicStatus', ['-z'], opts)).toThrow(UsageError);
    expect(() => parseCommandArgs('topicStatus', ['-z'], opts)).toThrow(/topicStatus: Unknown option '-z'/);
  });

  it('takes the first of several NameServers, then $NAMESRV_ADDR, then the default', () => {
    expect(namesrvOf({ namesrvAddr: '1.2.3.4:9876;5.6.7.8:9876' }, {})).toBe('1.2.3.4:9876');
    expect(namesrvOf({}, { NAMESRV_ADDR: '9.9.9.9:1' })).toBe('9.9.9.9:1');
    expect(namesrvOf({}, {})).toBe('127.0.0.1:9876');
    expect(() => namesrvOf({ namesrvAddr: 'nohost' }, {})).toThrow(/-n must be host:port/);
  });

  it('checks numbers and booleans, naming the flag', () => {
    expect(intFlag({ r: '8' }, 'r', '-r', 1, 1024)).toBe(8);
    expect(intFlag({}, 'r', '-r', 1, 1024)).toBeUndefined();
    expect(() => intFlag({ r: '0' }, 'r', '-r', 1, 1024)).toThrow(/-r must be a whole number in 1..1024, got "0"/);
    expect(() => intFlag({ r: 'x' }, 'r', '-r', 1, 1024)).toThrow(/-r/);
    expect(boolFlag({ o: 'true' }, 'o', '-o')).toBe(true);
    expect(() => boolFlag({ o: 'yes' }, 'o', '-o')).toThrow(/-o must be true or false/);
  });

  it('parses timestamps: epoch ms, now, and yyyy-MM-dd#HH:mm:ss:SSS', () => {
    expect(parseTimestamp('1700000000000', '-s')).toBe(1_700_000_000_000);
    expect(parseTimestamp('now', '-s', 42)).toBe(42);
    expect(parseTimestamp('2024-01-02#03:04:05:006', '-s')).toBe(new Date(2024, 0, 2, 3, 4, 5, 6).getTime());
    expect(parseTimestamp('2024-01-02', '-s')).toBe(new Date(2024, 0, 2).getTime());
    expect(() => parseTimestamp('yesterday', '-s')).toThrow(/-s must be epoch ms/);
  });

  it('reads the message type attribute', () => {
    expect(messageTypeAttribute('+message.type=fifo')).toBe('FIFO');
    expect(messageTypeAttribute(undefined)).toBeUndefined();
    expect(() => messageTypeAttribute('+other=1')).toThrow(/-a must be/);
  });
});

describe('the command registry and broker selection', () => {
  it('has the mqadmin names, each once', () => {
    const names = adminCommands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of ['clusterList', 'brokerStatus', 'topicList', 'topicRoute', 'topicStatus', 'updateTopic', 'deleteTopic', 'updateSubGroup', 'deleteSubGroup',
      'consumerProgress', 'queryMsgById', 'queryMsgByKey', 'queryMsgByOffset', 'resetOffsetByTime', 'sendMessage', 'consumeMessage',
      'getBrokerConfig', 'updateBrokerConfig', 'wipeWritePerm', 'addWritePerm', 'raftStatus', 'transferLeader', 'raftMembership']) {
      expect(findCommand(n), n).toBeDefined();
    }
  });

  const node = (nodeId: string, brokerId: number) => ({ nodeId, brokerId, role: brokerId === 0 ? 'LEADER' : 'FOLLOWER', raftTerm: 1, v2Endpoint: { host: 'h', port: 1 }, adminAddress: `h:${brokerId}`, ageMs: 0 }) as const;
  const clusters = [{ clusterName: 'C', groups: [
    { brokerName: 'broker-a', leaderNodeId: 'n1', nodes: [node('n0', 1), node('n1', 0)], topicCount: 0 },
    { brokerName: 'broker-b', leaderNodeId: '', nodes: [node('n0', 1)], topicCount: 0 },
  ] }];

  it('selects by broker name or cluster, and says what exists when nothing matches', () => {
    expect(selectGroups(clusters as never, 'broker-a', undefined).map((g) => g.brokerName)).toEqual(['broker-a']);
    expect(selectGroups(clusters as never, undefined, 'C')).toHaveLength(2);
    expect(() => selectGroups(clusters as never, 'broker-z', undefined)).toThrow(/no broker broker-z at the NameServer \(have broker-a, broker-b\)/);
    expect(() => selectGroups(clusters as never, undefined, 'X')).toThrow(/no cluster X/);
  });
});
