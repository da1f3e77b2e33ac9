// The keys updateBrokerConfig changes at run time: read-through values, all-or-nothing checks.

import { describe, expect, it } from 'vitest';
import { parseProperties } from '@ledgermq/raft-node';
import { brokerConfigFromProperties } from '../config/broker-config.ts';
import { LiveBrokerConfig, isLiveConfigKey } from './live-config.ts';

const cfg = brokerConfigFromProperties(parseProperties('brokerName=b\ndLegerSelfId=n0\ndLegerPeers=n0-127.0.0.1:40911\nstorePathRootDir=/tmp/live-config-n0\n'));

describe('LiveBrokerConfig', () => {
  it('applies a change to the config view and to options handed out before', () => {
    const live = new LiveBrokerConfig(cfg);
    const tx = live.transactionOptions();
    expect(live.apply([['maxMessageSize', '1024'], ['autoCreateTopicEnable', 'false'], ['transactionCheckMax', '3'], ['timerMaxDelaySec', '60']]))
      .toEqual({ maxMessageSize: '1024', autoCreateTopicEnable: 'false', transactionCheckMax: '3', timerMaxDelaySec: '60' });
    expect(live.config.maxMessageBytes).toBe(1024);
    expect(live.config.autoCreateTopic).toBe(false);
    expect(live.timerDelayMsMax).toBe(60_000);
    expect(tx.checkMax).toBe(3);
    expect(live.config.brokerName).toBe('b');
    expect(cfg.maxMessageBytes).not.toBe(1024);
  });

  it('checks every value before applying any, naming the bad key', () => {
    const live = new LiveBrokerConfig(cfg);
    expect(() => live.apply([['defaultTopicQueueNums', '4'], ['maxMessageSize', 'big']])).toThrow(/maxMessageSize must be an integer in 1\.\.\d+, got "big"/);
    expect(live.defaultTopicQueueNums).toBe(cfg.defaultTopicQueueNums);
  });

  it('knows which keys are live', () => {
    expect(isLiveConfigKey('maxMessageSize')).toBe(true);
    expect(isLiveConfigKey('listenPort')).toBe(false);
    expect(isLiveConfigKey('toString')).toBe(false);
  });
});
