// Every limit of the ledger in one place. Units are the last word of each name.

/** On-disk format version, recorded in the meta file. */
export const formatVersion = 1;

/** Fixed entry header: magic 4, size 4, index 8, term 8, pos 8, channel 4, body crc 4, header crc 4. */
export const headerBytes = 44;
/** The header CRC covers every header byte before it. */
export const headerCrcOffsetBytes = 40;

/** Segment capacity; segment boundaries sit at multiples of it, identical on every replica. */
export const segmentBytesDefault = 1024 * 1024 * 1024;
export const segmentBytesMin = 4 * 1024;
/** Positions are JS numbers: keep them exact. */
export const positionMax = Number.MAX_SAFE_INTEGER;

/** Largest entry body accepted by append (clamped to what fits in one segment). */
export const entryBytesMaxDefault = 16 * 1024 * 1024;
/** Recent entries kept in memory so followers close behind the leader never touch the disk. */
export const entryCacheBytesMaxDefault = 64 * 1024 * 1024;

/** Segment file names are the first position, zero-padded to this many digits. */
export const segmentNameDigits = 20;

/** Index file: a 40-byte header then one record per entry (pos 8, size 4, term 8). */
export const indexHeaderBytes = 40;
export const indexRecordBytes = 20;
/** Initial capacity (entries) of the in-memory index arrays; they double as needed. */
export const indexCapacityInitialEntries = 1024;

/** Recovery re-verifies at least this many trailing segments even if the index covers them. */
export const recoveryScanSegmentsMin = 2;
/** Read window used when scanning segments at open and by verifyAll. */
export const scanWindowBytes = 4 * 1024 * 1024;
/**
 * Reads of a run of entries (Ledger.entries) go through one reused buffer of this size (a
 * larger single entry gets a buffer of its own): large enough that a read's fixed cost is
 * spread over many entries, small enough to stay in the CPU's caches while its entries are
 * checked and copied out.
 */
export const readRunBytesMax = 1024 * 1024;
/**
 * One-entry reads that miss the entry cache read this much of the segment ahead (queue reads
 * touch every few entries): one syscall then serves the next entries of a queue. The window's
 * buffer is reused (entries are copied out), so its size only trades the bytes copied per read
 * against the reads saved: with 8 queues of 1 KiB messages a queue's next entries are ~9 KiB
 * apart, and 256 KiB serves about 28 of them per read.
 */
export const readWindowBytes = 256 * 1024;
/**
 * Only entries up to this size go through the window: for them a read's fixed cost outweighs
 * copying the neighbours a queue skips. A larger entry is read alone (read-ahead would mostly
 * copy other queues' entries).
 */
export const readAheadEntryBytesMax = 4 * 1024;
/**
 * Entries copied out of those reused buffers go into slabs of this size (copy-slab.ts), entries
 * up to copySlabPieceBytesMax only: at least 16 share one buffer, and one still referenced keeps
 * at most 64 KiB alive.
 */
export const copySlabBytes = 64 * 1024;
export const copySlabPieceBytesMax = 4 * 1024;
/** A single append writes at most this much per write call (the rest goes in further calls). */
export const writeChunkBytesMax = 8 * 1024 * 1024;

/** Small JSON files (meta, hard state) larger than this are rejected as corrupt. */
export const smallFileBytesMax = 64 * 1024;
/** A snapshot file (meta + state machine data) larger than this is refused. */
export const snapshotBytesMax = 1024 * 1024 * 1024;

/**
 * The index file is fsynced once this many records were written since its last fsync, not on
 * every sync: it is only recovery's checkpoint (records name entries already fsynced in the
 * segments), so a lagging index costs a longer scan at open, never an acknowledged entry.
 * Halves the fsyncs per group commit.
 */
export const indexFsyncEveryRecordsDefault = 65_536;
