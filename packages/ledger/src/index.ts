// Public API of @ledgermq/ledger: the Raft log on disk and its file-system seam.

export { Ledger } from './ledger.ts';
export type { LedgerOptions, LedgerSnapshot, LedgerStatus, SyncResult, VerifyResult } from './ledger.ts';
export type { RetentionOptions } from './retention.ts';
export type { FileSystem, OpenMode } from './fs/file-system.ts';
export { readWholeFile, writeWholeFile, writeFileAtomic } from './fs/file-system.ts';
export { RealFileSystem } from './fs/real-file-system.ts';
export { FaultFileSystem, FsError, seededRandom } from './fs/fault-file-system.ts';
export type { CrashOptions, FaultFileSystemOptions } from './fs/fault-file-system.ts';
export { VolatileFileSystem, VolatileWritesFullError, volatilePageBytes } from './fs/volatile-file-system.ts';
export type { VolatileFileSystemOptions } from './fs/volatile-file-system.ts';
export { tearLogTail } from './fs/torn-tail.ts';
export type { TearOptions, TornTail } from './fs/torn-tail.ts';
export type { LedgerLogger } from './logger.ts';
export {
  LedgerError, EntryTooLargeError, NonContiguousAppendError, LedgerMismatchError, FsyncFailedError,
  LedgerStoppedError, LedgerClosedError, LedgerCorruptError, CorruptEntryError, EntryNotFoundError,
} from './errors.ts';
export { headerBytes, segmentBytesDefault } from './constants.ts';
