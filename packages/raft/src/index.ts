export * from './types.ts';
export * from './ready.ts';
export { Raft } from './raft.ts';
export { encodeConfChange, decodeConfChange } from './conf-change.ts';
export {
  RaftError,
  NotLeaderError,
  BusyError,
  EntryTooLargeError,
  MalformedMessageError,
  InvalidConfChangeError,
  NotVoterError,
  AssertionError,
} from './errors.ts';
export * as raftLimits from './constants.ts';
export { makeMessage, validateMessage, decodeTransferee } from './message.ts';
export { MemoryStorage } from './testing/memory-storage.ts';
