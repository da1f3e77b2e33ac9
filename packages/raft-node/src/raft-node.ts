// One Raft member as a running process: the pure core driven by real time, the ledger on
// disk, the gRPC peer transport, and a state machine. This file is the only place where
// the ready/advance contract meets I/O.
//
// What an acknowledged proposal means: its entry is fsynced on a quorum (the leader counts
// its own copy only after its own fsync returned), committed, and applied on this node.

import { mkdirSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { Raft, type ConfChange, type HardState, type RaftBugs, type Ready, type RaftStatus } from '@ledgermq/raft';
import { Ledger, RealFileSystem, VolatileFileSystem, type FileSystem } from '@ledgermq/ledger';
import { GrpcTransport, parsePeers, type GrpcTransportOptions } from '@ledgermq/transport';
import type { Logger } from 'pino';
import { assert } from './assert.ts';
import type { NodeConfig, PlantedBug } from './config.ts';
import {
  beaconIntervalMs,
  beaconStallMaxMs,
  beaconTimeoutMs,
  commitHintSaveIntervalMs,
  pendingProposalsMax,
  proposalTimeoutMs,
  retentionCheckIntervalMs,
  stateCheckpointIntervalMs,
} from './constants.ts';
import { NodeStoppedError } from './errors.ts';
import { LeaderBeacon, type BeaconStats } from './leader-beacon/leader-beacon.ts';
import { PeerBook } from './peer-book.ts';
import { ProposalTracker, type Committed } from './proposal-tracker.ts';
import type { StateMachine } from './state-machine.ts';

export interface RaftNodeDeps {
  readonly logger: Logger;
  readonly stateMachine: StateMachine;
  /**
   * The node's log, when the caller opened it first (a state machine that reads the log, such
   * as the broker's store, needs it before the node exists): see openNodeLedger().
   */
  readonly ledger?: Ledger;
  /** Hears the duration of every group-commit fsync of the log (metrics). */
  readonly onFsync?: (seconds: number) => void;
  /** Served on the peer port beside the Raft stream (the broker's forwarding service). */
  readonly extraServices?: GrpcTransportOptions['extraServices'];
}

/** What the node knows of the group's leader right now. */
export interface LeaderInfo {
  readonly id: string;
  readonly term: number;
  /** host:port of its peer endpoint. */
  readonly peerAddress: string;
  readonly self: boolean;
}

export class RaftNode {
  readonly ledger: Ledger;
  private readonly raft: Raft;
  private readonly transport: GrpcTransport;
  /** Null when raftLeaderBeacon=false. */
  private readonly beacon: LeaderBeacon | null;
  private readonly tracker = new ProposalTracker(pendingProposalsMax);
  private readonly peerBook: PeerBook;
  private readonly timers: NodeJS.Timeout[] = [];
  private processScheduled = false;
  private syncing = false;
  private syncWanted = false;
  private savedHardState: HardState;
  /** Latest commit index reported by the core; saved into the hard state lazily. */
  private pendingCommitHint = 0;
  private stopped = false;
  private lastCheckpointApplied = 0;
  private readonly sm: StateMachine;
  private readonly onFsync: ((seconds: number) => void) | undefined;
  /** The log failed its checksums at start-up: the node neither votes, leads nor applies. */
  private readonly disabled: boolean;
  private readonly log: Logger;
  private leaderSince: { leader: string | null; term: number } = { leader: null, term: 0 };
  private electionsObserved = 0;
  private fsyncs = 0;
  private lastElectionMs: number | null = null;
  private readonly leaderListeners: ((leader: LeaderInfo | null) => void)[] = [];
  /** When a message from each peer last arrived (wall clock, for liveness reports only). */
  private readonly lastHeardMs = new Map<string, number>();
  private startedAtMs = Date.now();
  /** Planted bug read-uncommitted only: applied, not yet committed, proposals not yet answered. */
  private readonly appliedEarly: { index: number; term: number }[] = [];

  constructor(
    private readonly cfg: NodeConfig,
    deps: RaftNodeDeps,
  ) {
    this.log = deps.logger;
    this.sm = deps.stateMachine;
    this.onFsync = deps.onFsync;
    this.peerBook = PeerBook.open(cfg.dataDir, parsePeers(cfg.peers));
    assert(this.peerBook.has(cfg.selfId), `self id ${cfg.selfId} is not in dLegerPeers`);
    this.ledger = deps.ledger ?? openNodeLedger(cfg, this.log);
    const ledgerStatus = this.ledger.status();
    if (ledgerStatus.corrupt) {
      this.log.error({ reason: ledgerStatus.reason }, 'log failed its checksums: this node will not vote or lead until repaired');
    }
    this.disabled = ledgerStatus.corrupt;
    // A corrupt node keeps its state as it is: no snapshot restore, no apply (it waits for repair).
    if (!this.disabled) this.restoreStateMachineIfBehind();
    this.savedHardState = this.ledger.hardState();
    this.raft = new Raft({
      id: cfg.selfId,
      initialVoters: this.peerBook.initialVoters(),
      storage: this.ledger,
      hardState: this.savedHardState,
      applied: this.disabled ? readableApplied(this.ledger, this.sm.appliedIndex()) : this.sm.appliedIndex(),
      // Disabled: never scan the damaged log for membership changes (reads would fail).
      conf: this.sm.conf() ?? (this.disabled ? { voters: this.peerBook.initialVoters() } : null),
      random: () => randomInt(0, 2 ** 47) / 2 ** 47,
      electionTicks: cfg.electionTicks,
      heartbeatTicks: cfg.heartbeatTicks,
      preVote: true,
      checkQuorum: true,
      disabled: ledgerStatus.corrupt,
      bugs: plantedBugSwitches(cfg.plantedBug),
    });
    if (cfg.plantedBug !== null) this.log.warn({ plantedBug: cfg.plantedBug }, 'TEST MODE: a planted consistency bug is switched on (testPlantedBug); never run this in production');
    this.lastCheckpointApplied = this.sm.appliedIndex();
    const selfAddr = this.peerBook.address(cfg.selfId);
    const [host, port] = splitHostPort(selfAddr);
    this.transport = new GrpcTransport({
      selfId: cfg.selfId,
      groupId: cfg.groupId,
      listen: { host, port },
      peers: this.peerBook.others(cfg.selfId),
      logger: this.log.child({ component: 'transport' }),
      extraServices: deps.extraServices,
    });
    this.beacon = cfg.leaderBeacon
      ? new LeaderBeacon({
          selfId: cfg.selfId,
          groupId: cfg.groupId,
          peers: this.peerBook.others(cfg.selfId),
          intervalMs: beaconIntervalMs,
          stallMaxMs: beaconStallMaxMs,
          timeoutMs: beaconTimeoutMs,
          logger: this.log.child({ component: 'beacon' }),
        })
      : null;
  }

  get selfId(): string {
    return this.cfg.selfId;
  }

  /** The leader as this node sees it, or null during an election. */
  leader(): LeaderInfo | null {
    const leader = this.raft.currentLeader();
    if (leader === null || !this.peerBook.has(leader)) return null;
    return { id: leader, term: this.raft.currentTerm(), peerAddress: this.peerBook.address(leader), self: leader === this.cfg.selfId };
  }

  /** The current Raft term (cheap: callers on a per-message path use it). */
  term(): number {
    return this.raft.currentTerm();
  }

  /**
   * True on a leader that has applied everything committed before its term (its own no-op
   * included): only then may it serve reads. Writes are taken at once.
   */
  readyForReads(): boolean {
    const readIndex = this.raft.readIndex();
    return readIndex !== null && this.raft.appliedIndex() >= readIndex;
  }

  /** Peer endpoints of the other members (for node-to-node services on the peer port). */
  peerAddresses(): Map<string, string> {
    return this.peerBook.others(this.cfg.selfId);
  }

  /** Voters other than this node not heard from within `withinMs` (sorted). */
  unreachablePeers(withinMs: number): string[] {
    const now = Date.now();
    const out: string[] = [];
    for (const id of this.raft.status().conf.voters) {
      if (id === this.cfg.selfId) continue;
      const at = this.lastHeardMs.get(id);
      if (at === undefined || now - at > withinMs) out.push(id);
    }
    return out.sort();
  }

  /**
   * Milliseconds since this node last heard from any peer (a Raft message or a leader beacon),
   * counted from its start. In a healthy group the leader's heartbeats and beacons arrive every
   * 50-100 ms, and after a leader dies the followers' votes reach each other within an election
   * timeout, so a node quiet for longer than that is cut off from the group (the broker counts
   * three base election timeouts) rather than waiting out an election.
   */
  quietForMs(): number {
    let last = this.startedAtMs;
    for (const at of this.lastHeardMs.values()) last = Math.max(last, at);
    return Date.now() - last;
  }

  /**
   * Whether `id` (this node by default) is a voter of the group's configuration as this node
   * knows it. A node whose removal took effect here hears from no leader any more (the leader
   * replicates to voters only), so it cannot learn who leads.
   */
  isVoter(id: string = this.cfg.selfId): boolean {
    return this.raft.isVoter(id);
  }

  /** The voters of the group's configuration as this node knows it (a cheap read; status() builds a report). */
  voters(): readonly string[] {
    return this.raft.currentVoters();
  }

  /** Calls `fn` after every change of leader or term seen here (for NameServer re-registration). */
  onLeaderChange(fn: (leader: LeaderInfo | null) => void): void {
    this.leaderListeners.push(fn);
  }

  async start(): Promise<void> {
    this.startedAtMs = Date.now();
    this.transport.onMessages((msgs) => {
      const now = Date.now();
      for (const m of msgs) {
        this.lastHeardMs.set(m.from, now);
        this.stepSafely(m);
      }
      this.process();
    });
    // Always answered (false when beacons are off here): a peer's beacon is not an error.
    this.transport.onBeacon((from, term) => {
      this.lastHeardMs.set(from, Date.now());
      return this.raft.leaderAlive(from, term);
    });
    await this.transport.start();
    this.beacon?.start();
    this.every(this.cfg.tickMs, () => {
      this.beacon?.ticked();
      this.raft.tick();
      this.process();
    });
    this.every(Math.min(commitHintSaveIntervalMs, stateCheckpointIntervalMs), () => this.housekeeping());
    this.every(retentionCheckIntervalMs, () => this.retention());
    this.log.info({ id: this.cfg.selfId, group: this.cfg.groupId, peers: this.cfg.peers }, 'raft node started');
  }

  /**
   * Resolves once the entry is committed and applied here. `onIndex` hears the entry's index at
   * once, before it can be applied (a state machine that keeps results only for entries someone
   * waits for is told so there).
   */
  propose(data: Uint8Array, onIndex?: (index: number) => void): Promise<Committed> {
    if (this.stopped) return Promise.reject(new NodeStoppedError());
    try {
      this.tracker.checkCapacity();
      const { index, term } = this.raft.propose(data);
      onIndex?.(index);
      this.scheduleProcess();
      return this.tracker.wait(index, term, Date.now() + proposalTimeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  transferLeader(to: string): void {
    this.raft.transferLeadership(to);
    this.process();
  }

  changeMembership(cc: ConfChange, address?: string): Promise<Committed> {
    if (address !== undefined) {
      this.peerBook.set(cc.node, address);
      this.transport.setPeers(this.peerBook.others(this.cfg.selfId));
      this.beacon?.setPeers(this.peerBook.others(this.cfg.selfId));
    }
    const { index, term } = this.raft.proposeConfChange(cc);
    this.scheduleProcess();
    return this.tracker.wait(index, term, Date.now() + proposalTimeoutMs);
  }

  status(): RaftStatus & { readonly readIndex: number | null; readonly ledger: ReturnType<Ledger['status']>; readonly elections: number; readonly lastElectionMs: number | null; readonly pendingProposals: number; readonly fsyncs: number } {
    return {
      ...this.raft.status(),
      readIndex: this.raft.readIndex(),
      ledger: this.ledger.status(),
      elections: this.electionsObserved,
      lastElectionMs: this.lastElectionMs,
      pendingProposals: this.tracker.size,
      fsyncs: this.fsyncs,
    };
  }

  /** What the leader beacon sent (null when raftLeaderBeacon=false). */
  beaconStats(): BeaconStats | null {
    return this.beacon?.stats() ?? null;
  }

  /** The state machine's replica digest (flushes it first), or null when it has none. */
  stateDigest(): Promise<Record<string, unknown>> | null {
    return this.sm.digest?.() ?? null;
  }

  checksums(): { segments: ReturnType<Ledger['segmentChecksums']>; state: Record<string, unknown> } {
    return { segments: this.ledger.segmentChecksums(), state: this.sm.summary() };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.tracker.failAll();
    await this.beacon?.stop();
    await this.transport.stop();
    this.sm.checkpoint();
    await this.sm.close?.();
    this.ledger.close();
    this.log.info('raft node stopped');
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(() => this.guard(fn), ms));
  }

  /** Any exception out of the driver is a broken invariant or a failed fsync: stop the process. */
  private guard(fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (err) {
      this.fatal('raft node failed', err);
    }
  }

  private fatal(msg: string, err: unknown): never {
    this.log.fatal({ err }, msg);
    // Fail-stop: never continue after a failed fsync or a broken invariant.
    process.exit(70);
  }

  private stepSafely(m: Parameters<Raft['step']>[0]): void {
    try {
      this.raft.step(m);
    } catch (err) {
      if ((err as { name?: string }).name === 'MalformedMessageError') {
        this.log.warn({ err, from: m.from }, 'dropped a malformed peer message');
        return;
      }
      this.fatal('raft step failed', err);
    }
  }

  private scheduleProcess(): void {
    if (this.processScheduled) return;
    this.processScheduled = true;
    setImmediate(() => {
      this.processScheduled = false;
      this.guard(() => this.process());
    });
  }

  /** Drains every Ready: persist, send, apply, advance. */
  private process(): void {
    if (this.stopped) return;
    let rounds = 0;
    while (this.raft.hasReady()) {
      assert(++rounds < 10_000, 'ready loop does not converge');
      this.handleReady(this.raft.ready());
    }
    if (this.syncWanted && !this.syncing) this.startSync();
    this.observeLeader();
  }

  private handleReady(rd: Ready): void {
    if (rd.hardState) this.persistHardState(rd.hardState, rd.mustSync);
    if (rd.snapshot) {
      this.ledger.installSnapshot(rd.snapshot);
      this.sm.restore(rd.snapshot.data, rd.snapshot.meta.index);
      this.log.info({ index: rd.snapshot.meta.index, term: rd.snapshot.meta.term }, 'installed snapshot from leader');
    }
    if (rd.entries.length > 0) {
      this.ledger.append(rd.entries);
      this.syncWanted = true;
    }
    if (rd.messages.length > 0) this.transport.send(rd.messages);
    if (rd.committed.length > 0 && !this.disabled) {
      this.sm.apply(rd.committed);
      if (this.cfg.plantedBug === 'read-uncommitted') this.appliedEarly.push(...rd.committed.map((e) => ({ index: e.index, term: e.term })));
      else for (const e of rd.committed) this.tracker.applied(e.index, e.term);
    }
    this.raft.advance(rd);
    if (this.appliedEarly.length > 0) this.answerAppliedEarly();
    if (rd.snapshot) this.raft.persisted(rd.snapshot.meta.index, rd.snapshot.meta.term);
  }

  /**
   * Planted bug read-uncommitted: entries are applied before they commit, but a proposal is still
   * answered only once its index is committed, and with the term the log holds there (a replaced
   * entry answers "dropped"). Bounded: entries wait here at most until they commit or time out.
   */
  private answerAppliedEarly(): void {
    const commit = this.raft.commitIndex();
    let done = 0;
    for (const e of this.appliedEarly) {
      if (e.index > commit) break;
      this.tracker.applied(e.index, this.ledger.term(e.index) ?? -1);
      done++;
    }
    this.appliedEarly.splice(0, done);
    // Entries that never commit (truncated under a new leader) must not pile up.
    if (this.appliedEarly.length > pendingProposalsMax) this.appliedEarly.splice(0, this.appliedEarly.length - pendingProposalsMax);
  }

  /**
   * Term and vote are fsynced at once (before any message that depends on them leaves), and so
   * is a commit that made a membership change take effect (`mustSync`: a node must not forget
   * it). The commit hint alone is saved lazily by housekeeping: it is only a hint.
   */
  private persistHardState(hs: HardState, mustSync: boolean): void {
    this.pendingCommitHint = hs.commit;
    const saved = this.savedHardState;
    if (!mustSync && hs.term === saved.term && hs.vote === saved.vote) return;
    const commit = Math.min(hs.commit, this.ledger.durableIndex());
    this.ledger.saveHardState({ term: hs.term, vote: hs.vote, commit });
    this.savedHardState = { term: hs.term, vote: hs.vote, commit };
  }

  /** Group commit: one fsync covers everything written before it started. */
  private startSync(): void {
    this.syncing = true;
    this.syncWanted = false;
    const started = process.hrtime.bigint();
    this.ledger.syncAsync().then(
      ({ index, term }) => {
        this.syncing = false;
        this.fsyncs += 1;
        this.onFsync?.(Number(process.hrtime.bigint() - started) / 1e9);
        if (this.stopped) return;
        this.guard(() => {
          this.raft.persisted(index, term);
          this.process();
        });
      },
      (err: unknown) => this.fatal('fsync failed; stopping (no retry after a failed fsync)', err),
    );
  }

  private housekeeping(): void {
    this.tracker.expire(Date.now());
    // Without fsync, in its own file: the hint names only durable entries (Ledger.saveCommitHint).
    const hint = Math.min(this.pendingCommitHint, this.ledger.durableIndex());
    if (hint > this.savedHardState.commit) {
      this.ledger.saveCommitHint(hint);
      this.savedHardState = { ...this.savedHardState, commit: hint };
    }
    // What was applied since the last checkpoint (the state machine's appliedIndex() may be the
    // durable checkpoint's index, which only moves once a checkpoint lands).
    const applied = this.raft.appliedIndex();
    if (applied !== this.lastCheckpointApplied) {
      this.sm.checkpoint();
      this.lastCheckpointApplied = applied;
    }
  }

  /** Saves a snapshot of the applied state, then lets the ledger delete segments it covers. */
  private retention(): void {
    if (this.disabled) return; // a damaged log is kept as found, for diagnosis and repair
    const applied = this.sm.appliedIndex();
    if (applied < this.ledger.firstIndex()) return;
    const term = this.ledger.term(applied);
    assert(term !== undefined, `applied index ${applied} missing from the log`);
    this.sm.checkpoint();
    const loc = this.ledger.location(applied);
    const conf = this.sm.conf() ?? { voters: this.peerBook.initialVoters() };
    this.ledger.saveSnapshot({ meta: { index: applied, term, conf }, data: this.sm.snapshot() }, loc.pos + loc.size);
    const { deletedSegments } = this.ledger.applyRetention({ nowMs: Date.now(), maxAgeMs: this.cfg.retentionMaxAgeMs, bytesMax: this.diskBudgetBytes() });
    if (deletedSegments > 0) {
      this.log.info({ deletedSegments, firstIndex: this.ledger.firstIndex() }, 'retention deleted segments');
      this.sm.logTruncated?.(this.ledger.location(this.ledger.firstIndex()).pos);
    }
  }

  /**
   * diskMaxUsedSpaceRatio: when the data disk is fuller than the ratio, the log may keep only
   * what fits under it (oldest sealed segments go first). Undefined when the disk has room.
   */
  private diskBudgetBytes(): number | undefined {
    let fs: { blocks: number; bfree: number; bsize: number };
    try {
      fs = statfsSync(this.cfg.dataDir);
    } catch {
      return undefined;
    }
    const total = fs.blocks * fs.bsize;
    const used = total - fs.bfree * fs.bsize;
    const allowed = (this.cfg.diskMaxUsedSpaceRatioPercent / 100) * total;
    if (used <= allowed) return undefined;
    return Math.max(0, this.ledger.status().bytes - (used - allowed));
  }

  /** After retention or a snapshot install, the state machine may be older than the log's start. */
  private restoreStateMachineIfBehind(): void {
    const snap = this.ledger.snapshot();
    if (snap && this.sm.appliedIndex() < snap.meta.index) {
      this.sm.restore(snap.data, snap.meta.index);
      this.log.info({ index: snap.meta.index }, 'state machine restored from the ledger snapshot');
    }
  }

  private observeLeader(): void {
    if (this.raft.currentLeader() === this.leaderSince.leader && this.raft.currentTerm() === this.leaderSince.term) return;
    const st = this.raft.status();
    // Proposals are taken only while leading, so every one still waiting belongs to the
    // leadership that just ended (check-quorum or a higher term): none can commit through
    // this node any more, and their callers should not wait out proposalTimeoutMs for that.
    if (this.leaderSince.leader === this.cfg.selfId) this.tracker.leadershipLost();
    if (st.leader !== null) {
      this.electionsObserved += 1;
      this.lastElectionMs = Date.now();
      this.log.info({ leader: st.leader, term: st.term, role: st.role, commit: st.commit }, 'leader changed');
    }
    this.leaderSince = { leader: st.leader, term: st.term };
    this.beacon?.lead(st.leader === this.cfg.selfId ? st.term : null);
    const info = this.leader();
    for (const fn of this.leaderListeners) fn(info);
  }
}

/**
 * The state machine may be ahead of what a damaged log can still read (it applied entries that
 * are now unreadable): the core is given an applied index inside the readable log, and the node
 * applies nothing while disabled, so nothing is applied twice.
 */
function readableApplied(ledger: Ledger, applied: number): number {
  return Math.max(ledger.firstIndex() - 1, Math.min(applied, ledger.lastIndex()));
}

/** The Raft core's switches for a planted bug (test only): see NodeConfig.plantedBug. */
function plantedBugSwitches(bug: PlantedBug | null): Partial<RaftBugs> {
  switch (bug) {
    case null:
      return {};
    case 'ack-before-commit':
      return { ackBeforeCommit: true };
    case 'read-uncommitted':
      return { readUncommitted: true };
    case 'skip-noop':
      return { skipNoOp: true };
  }
}

/** Opens (and recovers) the node's log under <dataDir>/raft, as the node itself would. */
export function openNodeLedger(cfg: NodeConfig, log: Logger): Ledger {
  const raftDir = path.join(cfg.dataDir, 'raft');
  mkdirSync(raftDir, { recursive: true });
  let fs: FileSystem = new RealFileSystem();
  if (cfg.volatileWritesForTests === true) {
    // Test only: kill -9 of this process is then a power loss for its log (jepsen-lite).
    log.warn('testVolatileWrites=true: unfsynced log writes are held in memory (a kill loses them); never use in production');
    fs = new VolatileFileSystem(fs);
  }
  return Ledger.open({
    fs,
    dir: raftDir,
    groupId: cfg.groupId,
    segmentBytes: cfg.segmentBytes,
    verifyOnOpen: cfg.verifyOnStart ? 'all' : 'tail',
    logger: log.child({ component: 'ledger' }),
  });
}

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  assert(i > 0, `bad address ${addr}`);
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}
