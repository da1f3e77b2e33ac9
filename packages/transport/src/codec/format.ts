// The byte layout of an encoded batch (see CODEC.md). Shared by the encoder and the decoder.

import type { EntryType, MessageType } from '@ledgermq/raft';

/** Batch header: version (u8), message count (u32). */
export const batchHeaderBytes = 1 + 4;
/** Message fixed part: type (u8), flags (u8), term, index, logTerm, commit, rejectHint (u64 each), entry count (u32). */
export const messageFixedBytes = 1 + 1 + 5 * 8 + 4;
/** Node id: length (u16) then UTF-8 bytes. */
export const nodeIdLengthBytes = 2;
/** Entry header: index (u64), term (u64), type (u8), data length (u32). */
export const entryHeaderBytes = 8 + 8 + 1 + 4;
/** Snapshot fixed part: index (u64), term (u64), voter count (u16); then voters, then data length (u32) and data. */
export const snapshotFixedBytes = 8 + 8 + 2;
export const snapshotDataLengthBytes = 4;
/** Smallest possible message: fixed part and two one-byte node ids. */
export const messageBytesMin = messageFixedBytes + 2 * (nodeIdLengthBytes + 1);

export const flagReject = 0x01;
export const flagTransfer = 0x02;
export const flagSnapshot = 0x04;
export const flagsKnown = flagReject | flagTransfer | flagSnapshot;

// The highest enum values this codec version knows; `typeof` ties them to the Raft vocabulary
// at compile time without a run-time dependency on the raft package.
export const messageTypeMax: typeof MessageType.TransferLeader = 8;
export const entryTypeMax: typeof EntryType.ConfChange = 2;
export const messageTypeAppend: typeof MessageType.Append = 4;

/** u64 fields carry JavaScript safe integers: the high word never exceeds 2^21 - 1. */
export const u64HighMax = 0x1f_ffff;
export const two32 = 4_294_967_296;
