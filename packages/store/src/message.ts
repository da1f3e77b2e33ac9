// The message as the store keeps it: what a producer sent plus what the leader stamped on it.

export const TransactionState = { None: 0, Prepared: 1, Commit: 2, Rollback: 3 } as const;
export type TransactionState = (typeof TransactionState)[keyof typeof TransactionState];

export interface MessageProperties {
  readonly tags: string | null;
  readonly keys: readonly string[];
  /** The client's message id (RocketMQ UNIQ_KEY). */
  readonly uniqKey: string | null;
  /** FIFO message group. */
  readonly messageGroup: string | null;
  /** Delay / timed delivery, absolute epoch ms. */
  readonly deliveryTimestampMs: number | null;
  readonly transactionId: string | null;
  readonly transactionState: TransactionState;
  readonly traceContext: string | null;
  /** User properties. Encoded sorted by key, so equal maps encode to equal bytes. */
  readonly user: ReadonlyMap<string, string>;
}

/** One message as the broker proposes it (inside a batch that names its topic and queue). */
export interface MessageInput {
  readonly flag: number;
  readonly sysFlag: number;
  readonly reconsumeTimes: number;
  readonly bornHost: string;
  readonly bornTimestampMs: number;
  readonly properties: MessageProperties;
  readonly body: Uint8Array;
}

/** A batch entry: messages for one queue, stamped once by the leader when it proposes. */
export interface MessageBatch {
  readonly topic: string;
  readonly queueId: number;
  readonly storeHost: string;
  /** Chosen by the leader at propose time and carried in the entry: apply stays deterministic. */
  readonly storeTimestampMs: number;
  readonly messages: readonly MessageInput[];
}

/** A decoded stored message. `body` is a view into the entry bytes (no copy). */
export interface StoredMessage extends MessageInput {
  readonly topic: string;
  readonly queueId: number;
  readonly storeHost: string;
  readonly storeTimestampMs: number;
  readonly bodyCrc32c: number;
  readonly body: Buffer;
  /** Byte offset of this message's record inside the entry body, and its length. */
  readonly recordOffsetBytes: number;
  readonly recordBytes: number;
}

export function emptyProperties(overrides: Partial<MessageProperties> = {}): MessageProperties {
  return {
    tags: null, keys: [], uniqKey: null, messageGroup: null, deliveryTimestampMs: null,
    transactionId: null, transactionState: TransactionState.None, traceContext: null, user: new Map(),
    ...overrides,
  };
}
