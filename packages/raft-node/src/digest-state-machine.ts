// A state machine that keeps a running CRC32C over every applied entry. Two replicas that
// applied the same committed prefix have the same (appliedIndex, count, digest): the
// real-process tests compare them. Its state is checkpointed atomically with its applied
// index (temp file, fsync, rename, fsync dir), so after a crash it replays from there.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { EntryType, ConfChangeType, decodeConfChange, type ConfState, type Entry } from '@ledgermq/raft';
import type { StateMachine } from './state-machine.ts';

interface DigestState {
  applied: number;
  normalEntries: number;
  bytes: number;
  digest: number;
  voters: string[] | null;
}

export class DigestStateMachine implements StateMachine {
  private state: DigestState;
  private readonly file: string;

  /** `initialVoters` is where membership starts before the first applied ConfChange. */
  constructor(dir: string, private readonly initialVoters: readonly string[]) {
    this.file = path.join(dir, 'digest-state.json');
    this.state = readState(this.file) ?? { applied: 0, normalEntries: 0, bytes: 0, digest: 0, voters: null };
  }

  appliedIndex(): number {
    return this.state.applied;
  }

  conf(): ConfState | null {
    return this.state.voters === null ? null : { voters: [...this.state.voters] };
  }

  apply(entries: readonly Entry[]): void {
    const s = this.state;
    for (const e of entries) {
      if (e.index !== s.applied + 1) {
        throw new Error(`apply out of order: expected index ${s.applied + 1}, got ${e.index}`);
      }
      if (e.type === EntryType.Normal) {
        s.normalEntries += 1;
        s.bytes += e.data.length;
        s.digest = crc32c(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength), s.digest);
      } else if (e.type === EntryType.ConfChange) {
        const cc = decodeConfChange(e.data);
        const voters = new Set(s.voters ?? this.initialVoters);
        if (cc.type === ConfChangeType.AddNode) voters.add(cc.node);
        else voters.delete(cc.node);
        s.voters = [...voters].sort();
      }
      s.applied = e.index;
    }
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.state));
  }

  restore(data: Uint8Array, index: number): void {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as DigestState;
    if (parsed.applied !== index) throw new Error(`snapshot state at ${parsed.applied} does not match index ${index}`);
    this.state = parsed;
    this.checkpoint();
  }

  checkpoint(): void {
    writeAtomic(this.file, Buffer.from(JSON.stringify(this.state)));
  }

  summary(): Record<string, unknown> {
    return { ...this.state };
  }
}

function readState(file: string): DigestState | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DigestState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function writeAtomic(file: string, data: Buffer): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
