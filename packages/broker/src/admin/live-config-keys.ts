// The broker.conf keys a running node applies at once (updateBrokerConfig), without imports:
// the CLI reads this list too (its usage text names them).

export type LiveField = 'autoCreateTopic' | 'defaultTopicQueueNums' | 'maxMessageBytes' | 'timerDelayMsMax' | 'transactionTimeoutMs' | 'transactionCheckIntervalMs' | 'transactionCheckMax';

/** broker.conf key -> the BrokerConfig field it sets, for the keys that apply at run time. */
export const liveConfigKeys = {
  autoCreateTopicEnable: 'autoCreateTopic',
  defaultTopicQueueNums: 'defaultTopicQueueNums',
  maxMessageSize: 'maxMessageBytes',
  timerMaxDelaySec: 'timerDelayMsMax',
  transactionTimeout: 'transactionTimeoutMs',
  transactionCheckInterval: 'transactionCheckIntervalMs',
  transactionCheckMax: 'transactionCheckMax',
} as const satisfies Record<string, LiveField>;

export type LiveConfigKey = keyof typeof liveConfigKeys;

export function isLiveConfigKey(key: string): key is LiveConfigKey {
  return Object.hasOwn(liveConfigKeys, key);
}
