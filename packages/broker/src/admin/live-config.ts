// The broker config keys a running node can change (updateBrokerConfig), and their current
// values. The node's services read these through getters, so a change applies to the next
// call. A change lives in memory until the node restarts: broker.conf is the node operator's
// file and is not rewritten (the reply says so). Values are checked by the same parser that
// reads broker.conf, so a bad value is refused with the same message, naming the key.

import { configToProperties, parseProperties } from '@ledgermq/raft-node';
import { brokerConfigFromProperties, type BrokerConfig } from '../config/broker-config.ts';

import { liveConfigKeys, type LiveConfigKey, type LiveField } from './live-config-keys.ts';

export { isLiveConfigKey, liveConfigKeys, type LiveConfigKey } from './live-config-keys.ts';

export class LiveBrokerConfig {
  private readonly values: { -readonly [K in LiveField]: BrokerConfig[K] };
  /** The node's config with the live fields read through to the current values. */
  readonly config: BrokerConfig;

  constructor(private readonly base: BrokerConfig) {
    this.values = {
      autoCreateTopic: base.autoCreateTopic,
      defaultTopicQueueNums: base.defaultTopicQueueNums,
      maxMessageBytes: base.maxMessageBytes,
      timerDelayMsMax: base.timerDelayMsMax,
      transactionTimeoutMs: base.transactionTimeoutMs,
      transactionCheckIntervalMs: base.transactionCheckIntervalMs,
      transactionCheckMax: base.transactionCheckMax,
    };
    const view = { ...base };
    for (const field of Object.values(liveConfigKeys)) {
      Object.defineProperty(view, field, { get: () => this.values[field], enumerable: true });
    }
    this.config = view;
  }

  get autoCreateTopic(): boolean { return this.values.autoCreateTopic; }
  get defaultTopicQueueNums(): number { return this.values.defaultTopicQueueNums; }
  get maxMessageBytes(): number { return this.values.maxMessageBytes; }
  get timerDelayMsMax(): number { return this.values.timerDelayMsMax; }

  /** TransactionService's options, read at each check. */
  transactionOptions(): { readonly timeoutMs: number; readonly checkIntervalMs: number; readonly checkMax: number } {
    const v = this.values;
    return {
      get timeoutMs() { return v.transactionTimeoutMs; },
      get checkIntervalMs() { return v.transactionCheckIntervalMs; },
      get checkMax() { return v.transactionCheckMax; },
    };
  }

  /**
   * Checks every value first and applies all or none. Throws the parser's ConfigError (which
   * names the key) for a bad value. Returns the keys with their new values as parsed.
   */
  apply(changes: ReadonlyArray<readonly [LiveConfigKey, string]>): Record<string, string> {
    const props = parseProperties(configToProperties(this.base.node));
    props.set('brokerName', this.base.brokerName);
    for (const [key, value] of changes) props.set(key, value);
    const parsed = brokerConfigFromProperties(props);
    const out: Record<string, string> = {};
    for (const [key] of changes) {
      const field = liveConfigKeys[key];
      (this.values as Record<LiveField, unknown>)[field] = parsed[field];
      out[key] = field === 'timerDelayMsMax' ? String(parsed.timerDelayMsMax / 1000) : String(parsed[field]);
    }
    return out;
  }
}
