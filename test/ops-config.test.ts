// broker.conf parsing as an operator meets it: RocketMQ's key names, defaults derived from the
// node's index, unknown keys warned about, bad values refused naming the key.

import { describe, expect, it } from 'vitest';
import { advertisedAdminAddress, brokerConfigFromProperties } from '@ledgermq/broker';
import { ConfigError, parseProperties } from '@ledgermq/raft-node';

const base = 'brokerName=broker-a\ndLegerSelfId=n1\ndLegerPeers=n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913\nstorePathRootDir=/tmp/ops-config-n1\n';

function parse(extra: string, warnings: string[] = []) {
  return brokerConfigFromProperties(parseProperties(base + extra), (w) => warnings.push(w));
}

describe('broker.conf', () => {
  it('reads RocketMQ key names and derives per-node defaults from the self id', () => {
    const c = parse('brokerClusterName=C1\nbrokerIP1=10.0.0.5\nnamesrvAddr=10.0.0.1:9876; 10.0.0.2:9876\ntimerMaxDelaySec=60\nmaxMessageSize=1024\nautoCreateTopicEnable=false\n');
    expect(c).toMatchObject({
      clusterName: 'C1', brokerName: 'broker-a', advertisedHost: '10.0.0.5', listenHost: '10.0.0.5',
      listenPort: 8082, metricsPort: 5558, namesrvAddrs: ['10.0.0.1:9876', '10.0.0.2:9876'],
      timerDelayMsMax: 60_000, maxMessageBytes: 1024, autoCreateTopic: false,
    });
    // The Raft group defaults to the broker name (DLedger's dLegerGroup).
    expect(c.node.groupId).toBe('broker-a');
    expect(c.node.selfId).toBe('n1');
    expect(parse('').clusterName).toBe('DefaultCluster');
    expect(parse('').routeLeaderEntries).toBe(4);
    expect(parse('routeLeaderEntries=1\n').routeLeaderEntries).toBe(1);
  });

  it('advertises the admin endpoint at brokerIP1 when it binds every interface (the compose configs), else at its bind address', () => {
    // What the NameServers hand to the CLI (raftStatus, clusterList): 0.0.0.0 reaches nothing from another container.
    expect(advertisedAdminAddress(parse('brokerIP1=broker-n1\nadminListenHost=0.0.0.0\nadminListenPort=40812\n'))).toBe('broker-n1:40812');
    expect(advertisedAdminAddress(parse('brokerIP1=broker-n1\nadminListenHost=::\nadminListenPort=40812\n'))).toBe('broker-n1:40812');
    expect(advertisedAdminAddress(parse('brokerIP1=10.0.0.5\nadminListenHost=10.0.0.6\nadminListenPort=40812\n'))).toBe('10.0.0.6:40812');
  });

  it('warns about unknown keys and about RocketMQ keys that Raft replaces, and keeps going', () => {
    const warnings: string[] = [];
    parse('brokerId=0\nbrokerRole=ASYNC_MASTER\nlistenPortt=9000\n', warnings);
    expect(warnings).toEqual([
      'brokerId is ignored: the Raft leader is the master (brokerId 0)',
      'brokerRole is ignored: roles follow the Raft election',
      'unknown config key listenPortt (ignored)',
    ]);
  });

  it.each([
    ['listenPort=abc', /listenPort must be an integer in 0\.\.65535, got "abc"/],
    ['defaultTopicQueueNums=0', /defaultTopicQueueNums must be an integer in 1\.\.1024, got "0"/],
    ['maxMessageSize=99999999', /maxMessageSize must be an integer in 1\.\.\d+, got "99999999"/],
    ['autoCreateTopicEnable=yes', /autoCreateTopicEnable must be true or false, got "yes"/],
    ['flushDiskType=ASYNC_FLUSH', /flushDiskType=ASYNC_FLUSH is not supported/],
    ['namesrvAddr=localhost', /namesrvAddr: "localhost" is not host:port/],
    ['accessKey=ak', /accessKey and secretKey go together/],
    ['routeLeaderEntries=0', /routeLeaderEntries must be an integer in 1\.\.16, got "0"/],
  ])('refuses %s naming the key', (line, message) => {
    expect(() => parse(`${line}\n`)).toThrow(ConfigError);
    expect(() => parse(`${line}\n`)).toThrow(message);
  });

  it('refuses a file without brokerName', () => {
    expect(() => brokerConfigFromProperties(parseProperties(base.replace('brokerName=broker-a\n', '')))).toThrow(/missing required key brokerName/);
  });
});
