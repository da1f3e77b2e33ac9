// One simulated node: the real Raft core over the real ledger on its own fault-injecting
// in-memory file system, driven exactly by the ready contract (see packages/raft/src/ready.ts).
// Every write and every apply is reported to the checker as it happens.

import { Raft, MessageType, EntryType, ConfChangeType, decodeConfChange, type HardState, type Message, type Ready, type RaftBugs, type RaftStatus } from '@ledgermq/raft';
import { AppliedStore } from './applied-store.ts';
import { assert } from './assert.ts';
import { electionTicks, heartbeatTicks } from './constants.ts';
import { entryKey, entryView } from './entry-key.ts';
import { InvariantViolation } from './errors.ts';
import type { InvariantChecker } from './invariants.ts';
import type { Prng } from './prng.ts';
import type { SimDisk, SimLedger } from './sim-disk.ts';

export type NodeState = 'up' | 'down' | 'paused';

/** What a node needs from the simulator around it. */
export interface NodeHost {
  now(): number;
  /** Run `fn` for this node after `delayMs` unless the node crashed in between. */
  later(node: SimNode, delayMs: number, fn: () => void): void;
  send(m: Message): void;
  fsyncLatencyMs(): number;
  /** Called after a node sent a vote it granted (the nemesis may crash it right there). */
  onVoteGranted(node: SimNode): void;
  readonly checker: InvariantChecker;
  /** Verbose replay log (off unless asked for). */
  debug(line: string): void;
}

const readyRoundsMax = 1000;

export class SimNode {
  state: NodeState = 'down';
  /** Bumped on every crash: work scheduled by an earlier life is dropped. */
  gen = 0;
  raft: Raft | null = null;
  ledger: SimLedger | null = null;
  /** The state machine: the key applied at each index. */
  readonly sm = new Map<number, string>();
  /** Store-like queue offsets assigned at apply (applied-store.ts; next offsets saved in snapshots). */
  readonly store = new AppliedStore();
  /** Voters as of the last applied entry (part of the state machine, saved in snapshots). */
  smVoters: string[] = [];
  /** Own tick count, the node's only sense of time (check-quorum is judged by it). */
  ticks = 0;
  /** Tick at which this node last heard from each peer. */
  readonly heardAt = new Map<string, number>();
  leaderSinceTick = -1;
  /** The voter set last seen while leading, and the tick it was first seen (check-quorum restarts its clock there). */
  votersSeen = '';
  votersSinceTick = -1;
  private syncInFlight = false;
  private syncWanted = false;
  private savedHs: HardState = { term: 0, vote: null, commit: 0 };
  readonly dir: string;
  crashes = 0;
  snapshotsInstalled = 0;

  constructor(
    readonly id: string,
    readonly peers: readonly string[],
    readonly disk: SimDisk,
    private readonly prng: Prng,
    private readonly host: NodeHost,
    private readonly bugs: Partial<RaftBugs>,
  ) {
    this.dir = `/data/${id}`;
  }

  get up(): boolean {
    return this.state === 'up';
  }

  /** Open (or reopen after a crash) the ledger, rebuild the state machine, start a fresh core. */
  start(): void {
    assert(this.state === 'down', `${this.id} started twice`);
    const ledger = this.disk.open(this.dir);
    const hs = ledger.hardState();
    const snap = ledger.snapshot();
    const applied = snap?.meta.index ?? 0;
    this.restore(snap?.data ?? null, snap?.meta.conf.voters ?? this.peers);
    this.savedHs = hs;
    const raft = new Raft({
      id: this.id,
      initialVoters: this.peers,
      storage: ledger,
      hardState: hs,
      applied,
      conf: { voters: this.smVoters },
      random: () => this.prng.float(),
      electionTicks,
      heartbeatTicks,
      preVote: true,
      checkQuorum: true,
      disabled: ledger.corrupt(),
      bugs: this.bugs,
    });
    this.ledger = ledger;
    this.raft = raft;
    this.state = 'up';
    this.ticks = 0;
    this.heardAt.clear();
    this.leaderSinceTick = -1;
    const first = ledger.firstIndex();
    const last = ledger.lastIndex();
    const entries = last >= first ? ledger.entries(first, last + 1, Number.MAX_SAFE_INTEGER) : [];
    assert(entries.length === last - first + 1, `${this.id} ledger returned ${entries.length} entries for ${first}..${last}`);
    this.host.checker.onLogReset(this.id, first, entries.map(entryView), applied);
    // The durable prefix counts as persisted for the new core.
    if (last >= first) raft.persisted(last, ledger.term(last) as number);
    this.process();
  }

  /** Power loss: unfsynced writes are gone, possibly with a torn last write. */
  crash(tearLast: boolean): void {
    assert(this.state !== 'down', `${this.id} crashed while down`);
    this.gen++;
    this.crashes++;
    this.state = 'down';
    this.raft = null;
    this.ledger = null;
    this.syncInFlight = false;
    this.syncWanted = false;
    this.disk.crash(tearLast, () => this.prng.float());
  }

  tick(): void {
    this.ticks++;
    this.core().tick();
    this.process();
  }

  deliver(m: Message): void {
    this.host.debug(`${this.id} <- ${m.from} type=${m.type} term=${m.term} index=${m.index} logTerm=${m.logTerm} ents=${m.entries.map((e) => `${e.index}@${e.term}`).join(',')} commit=${m.commit} reject=${m.reject} hint=${m.rejectHint}`);
    this.heardAt.set(m.from, this.ticks);
    this.core().step(m);
    this.process();
  }

  core(): Raft {
    assert(this.raft !== null && this.state === 'up', `${this.id} is not running`);
    return this.raft;
  }

  status(): RaftStatus {
    return this.core().status();
  }

  /** Drain every Ready, in contract order. */
  process(): void {
    const raft = this.core();
    let rounds = 0;
    while (raft.hasReady()) {
      assert(++rounds <= readyRoundsMax, `${this.id}: ready loop does not converge`);
      this.handleReady(raft.ready());
    }
    if (this.syncWanted && !this.syncInFlight) this.startSync();
  }

  private handleReady(rd: Ready): void {
    const raft = this.core();
    const ledger = this.ledger as SimLedger;
    this.host.debug(`${this.id} ready hs=${JSON.stringify(rd.hardState)} snap=${rd.snapshot?.meta.index ?? '-'} ents=${rd.entries.map((e) => `${e.index}@${e.term}`).join(',')} msgs=${rd.messages.length} committed=${rd.committed.map((e) => `${e.index}@${e.term}`).join(',')}`);
    if (rd.hardState) this.persistHardState(rd.hardState, rd.mustSync);
    if (rd.snapshot) {
      ledger.installSnapshot(rd.snapshot);
      this.snapshotsInstalled++;
      this.restore(rd.snapshot.data, rd.snapshot.meta.conf.voters);
      this.host.checker.onLogReset(this.id, rd.snapshot.meta.index + 1, [], rd.snapshot.meta.index);
    }
    if (rd.entries.length > 0) {
      ledger.append(rd.entries);
      this.host.checker.onLogAppend(this.id, rd.entries.map(entryView));
      this.syncWanted = true;
    }
    for (const m of rd.messages) {
      this.host.send(m);
      if (m.type === MessageType.VoteResp && !m.reject) this.host.onVoteGranted(this);
      // The nemesis may have crashed us right after that vote: nothing more happens in this life.
      if (this.state !== 'up') return;
    }
    const term = rd.committed.length > 0 ? raft.status().term : 0;
    for (const e of rd.committed) {
      const key = entryKey(e);
      this.sm.set(e.index, key);
      if (e.type === EntryType.ConfChange) this.applyConf(decodeConfChange(e.data));
      else if (e.type === EntryType.Normal) {
        const conflict = this.store.apply(e.index, key);
        if (conflict !== null) throw new InvariantViolation('store-determinism', `${this.id}: ${conflict}`, this.host.now());
      }
      this.host.checker.onApplied(this.id, entryView(e), term);
    }
    raft.advance(rd);
    if (rd.snapshot) raft.persisted(rd.snapshot.meta.index, rd.snapshot.meta.term);
  }

  /** Replace the state machine by a snapshot's contents (checked against what was committed). */
  private restore(data: Uint8Array | null, voters: readonly string[]): void {
    this.sm.clear();
    this.smVoters = [...voters];
    if (data === null) {
      this.store.restore(null);
      return;
    }
    const { pairs, queues } = decodeSm(data);
    this.host.checker.onSnapshotContents(this.id, pairs);
    for (const [i, k] of pairs) this.sm.set(i, k);
    this.store.restore(queues);
  }

  private applyConf(cc: { type: number; node: string }): void {
    if (cc.type === ConfChangeType.AddNode) {
      if (!this.smVoters.includes(cc.node)) this.smVoters.push(cc.node);
    } else {
      this.smVoters = this.smVoters.filter((v) => v !== cc.node);
    }
  }

  /** Snapshot the state machine at the applied index and let the ledger drop what it covers. */
  compact(): boolean {
    const ledger = this.ledger as SimLedger;
    const applied = this.host.checker.appliedIndex(this.id);
    const term = ledger.term(applied);
    if (applied < ledger.firstIndex() || term === undefined) return false;
    const snap = { meta: { index: applied, term, conf: { voters: [...this.smVoters] } }, data: encodeSm(this.sm, this.store.next) };
    return ledger.saveSnapshotAndTrim(snap);
  }

  /**
   * As raft-node does: term and vote, and a commit that made a membership change take effect
   * (`mustSync`), are fsynced before any message leaves (saveHardState fsyncs); the commit
   * index alone goes to the unfsynced commit hint, which every simulated crash (a power loss)
   * may take back. The commit is clamped to the core's persisted index: a plain
   * `min(commit, lastIndex)` would let it cover a stale suffix this very Ready is about to
   * replace, which a restart would then apply as committed (found by this simulator, seed 6 of
   * the memory disk).
   */
  private persistHardState(hs: HardState, mustSync: boolean): void {
    const ledger = this.ledger as SimLedger;
    const commit = Math.max(this.savedHs.commit, Math.min(hs.commit, this.core().status().persistedIndex));
    if (!mustSync && hs.term === this.savedHs.term && hs.vote === this.savedHs.vote) {
      if (commit > this.savedHs.commit) ledger.saveCommitHint(commit);
      this.savedHs = { ...this.savedHs, commit };
      return;
    }
    const saved = { term: hs.term, vote: hs.vote, commit };
    ledger.saveHardState(saved);
    this.savedHs = saved;
  }

  /** Group commit: the fsync completes after a simulated latency and covers everything written by then. */
  private startSync(): void {
    this.syncInFlight = true;
    this.syncWanted = false;
    this.host.later(this, this.host.fsyncLatencyMs(), () => {
      this.syncInFlight = false;
      const { index, term } = (this.ledger as SimLedger).sync();
      this.host.debug(`${this.id} fsync done ${index}@${term}`);
      if (index > 0) this.core().persisted(index, term);
      this.process();
    });
  }
}

interface SmSnapshot {
  readonly pairs: [number, string][];
  /** The applied store's next offset per queue. */
  readonly queues: number[] | null;
}

function decodeSm(data: Uint8Array): SmSnapshot {
  if (data.length === 0) return { pairs: [], queues: null };
  return JSON.parse(new TextDecoder().decode(data)) as SmSnapshot;
}

function encodeSm(sm: ReadonlyMap<number, string>, queues: readonly number[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ pairs: [...sm], queues }));
}
