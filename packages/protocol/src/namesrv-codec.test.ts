import { describe, expect, it } from 'vitest';
import { parseHostPort, parseHostPortList, formatHostPort } from './address.ts';
import { AddressParseError, InvalidFieldError } from './errors.ts';
import { checkNodeKey, checkRegistration, checkTopicName } from './namesrv-codec.ts';

const good = {
  clusterName: 'DefaultCluster',
  brokerName: 'broker-a',
  brokerId: 1,
  nodeId: 'n0',
  role: 'LEADER',
  raftTerm: 4,
  v2Endpoint: { host: '127.0.0.1', port: 8081 },
  adminAddress: '127.0.0.1:40800',
  topics: [{ name: '%RETRY%group-1', readQueueNums: 1, writeQueueNums: 1, perm: 6, messageTypes: ['FIFO', 'NORMAL', 'FIFO'] }],
  incarnation: 'abc',
  sequence: 3,
};

describe('checkRegistration', () => {
  it('accepts a well-formed registration and normalises message types', () => {
    const reg = checkRegistration(good);
    expect(reg.topics[0]!.messageTypes).toEqual(['NORMAL', 'FIFO']);
    expect(reg).toMatchObject({ brokerId: 1, role: 'LEADER', raftTerm: 4, v2Endpoint: { host: '127.0.0.1', port: 8081 } });
    // Fields a broker may leave out.
    const { adminAddress: _a, incarnation: _i, sequence: _s, raftTerm: _t, ...minimal } = good;
    expect(checkRegistration(minimal)).toMatchObject({ adminAddress: '', incarnation: '', sequence: 0, raftTerm: 0, voterIds: [], unreachableNodeIds: [] });
    expect(checkRegistration({ ...good, voterIds: ['n0', 'n2'] }).voterIds).toEqual(['n0', 'n2']);
  });

  it.each([
    [{ brokerId: 0 }, 'brokerId'],
    [{ role: 'NODE_ROLE_UNSPECIFIED' }, 'role'],
    [{ clusterName: '' }, 'clusterName'],
    [{ brokerName: 'broker a' }, 'brokerName'],
    [{ nodeId: 'x'.repeat(200) }, 'nodeId'],
    [{ v2Endpoint: { host: '0.0.0.0', port: 8081 } }, 'v2Endpoint.host'],
    [{ v2Endpoint: { host: '127.0.0.1', port: 0 } }, 'v2Endpoint.port'],
    [{ v2Endpoint: null }, 'v2Endpoint'],
    [{ adminAddress: 'nope' }, 'adminAddress'],
    [{ topics: [{ ...good.topics[0], name: 'a b' }] }, 'topics[0].name'],
    [{ topics: [{ ...good.topics[0], writeQueueNums: 5000 }] }, 'topics[0].writeQueueNums'],
    [{ topics: [{ ...good.topics[0], perm: 8 }] }, 'topics[0].perm'],
    [{ topics: [{ ...good.topics[0], messageTypes: ['LITE'] }] }, 'topics[0].messageTypes'],
    [{ topics: [good.topics[0], good.topics[0]] }, 'topics'],
    [{ voterIds: 'n0' }, 'voterIds'],
    [{ voterIds: ['n 0'] }, 'voterIds[0]'],
  ])('refuses %j naming the field', (patch, field) => {
    try {
      checkRegistration({ ...good, ...patch });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidFieldError);
      expect((err as InvalidFieldError).field).toBe(field);
      expect((err as InvalidFieldError).retriable).toBe(false);
    }
  });

  it('checks node keys and topic names', () => {
    expect(checkNodeKey({ clusterName: 'c', brokerName: 'b', nodeId: 'n0' })).toEqual({ clusterName: 'c', brokerName: 'b', nodeId: 'n0', incarnation: '' });
    expect(() => checkNodeKey({ clusterName: 'c', brokerName: 'b' })).toThrow(InvalidFieldError);
    expect(checkTopicName('%DLQ%g|x_y-1')).toBe('%DLQ%g|x_y-1');
    expect(() => checkTopicName('t'.repeat(128))).toThrow(/longer than 127/);
  });
});

describe('host:port', () => {
  it('parses and formats', () => {
    expect(parseHostPort('127.0.0.1:9876')).toEqual({ host: '127.0.0.1', port: 9876 });
    expect(parseHostPort('[::1]:9876')).toEqual({ host: '::1', port: 9876 });
    expect(formatHostPort({ host: '::1', port: 1 })).toBe('[::1]:1');
    expect(parseHostPortList('a:1;b:2, c:3')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
      { host: 'c', port: 3 },
    ]);
  });

  it.each(['', 'host', 'host:', ':1', 'h:0', 'h:65536', 'h:x', '::1:80', '[::1]80'])('refuses %j', (input) => {
    expect(() => parseHostPort(input)).toThrow(AddressParseError);
  });
});
