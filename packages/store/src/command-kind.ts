// The 1-byte kind tag at the start of every Normal entry body the store applies.

export const CommandKind = {
  MessageBatch: 1,
  TopicCreate: 2,
  TopicUpdate: 3,
  TopicDelete: 4,
  GroupCreate: 5,
  GroupUpdate: 6,
  GroupDelete: 7,
  OffsetCommit: 8,
  TransactionEnd: 9,
  TimerRelease: 10,
} as const;
export type CommandKind = (typeof CommandKind)[keyof typeof CommandKind];

const kinds = new Set<number>(Object.values(CommandKind));

export function isCommandKind(n: number): n is CommandKind {
  return kinds.has(n);
}
