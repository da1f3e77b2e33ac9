// One seeded run: N nodes of the real core and ledger, a simulated network and disk, a
// fault schedule, a client proposing and reading throughout; then a healed liveness phase.
// Every event runs to completion before the next; invariants are checked as nodes act.

import { ConfChangeType, RaftRole, type Message, type RaftBugs } from '@ledgermq/raft';
import { assert } from './assert.ts';
import {
  beaconIntervalMs,
  beaconStallMaxMs,
  convergenceBoundMs,
  electionTicks,
  eventsPerRunMax,
  faultStepsDefault,
  fsyncLatencyMinMs,
  livenessBoundMs,
  proposalBytesMax,
  tickMs,
  tickSkewMaxMs,
} from './constants.ts';
import { asciiBytes } from './entry-key.ts';
import { InvariantViolation, SimCrashError } from './errors.ts';
import { EventQueue } from './event-queue.ts';
import { describeFault, randomSchedule, type FaultEvent, type Target } from './faults.ts';
import { InvariantChecker } from './invariants.ts';
import { compareAppliedStores } from './applied-store.ts';
import { SimNetwork } from './network.ts';
import { Prng } from './prng.ts';
import { profileForBug, profiles, type BugName, type SimProfile } from './profiles.ts';
import { SimNode, type NodeHost } from './sim-node.ts';
import { MemoryDisk, type SimDisk } from './sim-disk.ts';
import { LedgerDisk } from './ledger-disk.ts';

export interface SimOptions {
  readonly seed: number;
  readonly nodes?: number;
  /** Length of the fault phase in global steps of tickMs. */
  readonly steps?: number;
  readonly bug?: BugName | null;
  /** Profile name; defaults to the bug's profile, or 'normal'. */
  readonly profile?: string;
  /** Fault schedule to apply instead of a random one (fast-check passes its own). */
  readonly schedule?: readonly FaultEvent[];
  /** 'ledger' (default): the real ledger on a FaultFileSystem; 'memory': a model of it (tests the simulator alone). */
  readonly disk?: 'ledger' | 'memory';
  /** Print every event (a replay log). */
  readonly verbose?: boolean;
}

export interface SimReport {
  readonly seed: number;
  readonly nodes: number;
  readonly bug: BugName | null;
  readonly profile: string;
  readonly ok: boolean;
  readonly violation: { readonly invariant: string; readonly message: string } | null;
  readonly replay: string;
  readonly simulatedMs: number;
  readonly stats: Record<string, number>;
  readonly schedule: readonly FaultEvent[];
  /** The last notable events before the end (or the violation). */
  readonly trace: readonly string[];
}

interface SimEvent {
  /** Node-scoped events are skipped while it is down and deferred while it is paused. */
  readonly node: SimNode | null;
  /** When set, the event belongs to that life of the node and dies with a crash. */
  readonly gen: number | null;
  readonly fn: () => void;
}

const traceMax = 40;
const livenessRetryMs = 20;
/** Check-quorum judged by the leader's own ticks: two election timeouts plus slack. */
const checkQuorumBoundTicks = 3 * electionTicks;

export function replayCommand(o: { seed: number; nodes: number; bug: BugName | null; profile: string; steps: number }): string {
  let cmd = `npm run sim -- --seed ${o.seed}`;
  if (o.nodes !== 3) cmd += ` --nodes ${o.nodes}`;
  if (o.steps !== faultStepsDefault) cmd += ` --steps ${o.steps}`;
  if (o.bug) cmd += ` --bug ${o.bug}`;
  const implied = o.bug ? profileForBug[o.bug] : 'normal';
  if (o.profile !== implied) cmd += ` --profile ${o.profile}`;
  return cmd;
}

export function runSimulation(opts: SimOptions): SimReport {
  return new Simulation(opts).run();
}

class Simulation implements NodeHost {
  readonly checker: InvariantChecker;
  private readonly prng: Prng;
  private readonly faultPrng: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[];
  private readonly ids: string[];
  private readonly network: SimNetwork;
  private readonly profile: SimProfile;
  private readonly bug: BugName | null;
  private readonly nodeCount: number;
  private readonly steps: number;
  private readonly faultEndMs: number;
  private readonly schedule: readonly FaultEvent[];
  private readonly deferred = new Map<SimNode, SimEvent[]>();
  private readonly tickInterval = new Map<SimNode, number>();
  private readonly trace: string[] = [];
  private nowMs = 0;
  private events = 0;
  private healed = false;
  private lastLeader: SimNode | null = null;
  private proposalSeq = 0;
  private readSeq = 0;
  private removed: string | null = null;
  private readonly counters: Record<string, number> = { crashes: 0, pauses: 0, stalls: 0, beaconsTaken: 0, partitions: 0, transfers: 0, confChanges: 0, proposeRejected: 0, reads: 0, compactions: 0 };

  constructor(private readonly opts: SimOptions) {
    this.nodeCount = opts.nodes ?? 3;
    assert(this.nodeCount === 3 || this.nodeCount === 5, `nodes must be 3 or 5, got ${this.nodeCount}`);
    this.bug = opts.bug ?? null;
    const profileName = opts.profile ?? (this.bug ? profileForBug[this.bug] : 'normal');
    const profile = profiles[profileName];
    assert(profile !== undefined, `unknown profile ${profileName}`);
    this.profile = profile;
    this.steps = opts.steps ?? faultStepsDefault;
    this.faultEndMs = this.steps * tickMs;
    this.prng = new Prng(opts.seed);
    this.faultPrng = this.prng.fork();
    this.ids = Array.from({ length: this.nodeCount }, (_, i) => `n${i}`);
    this.checker = new InvariantChecker(this.ids, () => this.nowMs);
    this.network = new SimNetwork(this.ids, this.prng.fork(), profile.network);
    const bugs: Partial<RaftBugs> = this.bug ? { [this.bug]: true } : {};
    this.nodes = this.ids.map((id) => new SimNode(id, this.ids, makeDisk(opts.disk ?? 'ledger', this.prng.fork()), this.prng.fork(), this, bugs));
    this.schedule = opts.schedule ?? randomSchedule(this.faultPrng.fork(), profile.mix, this.nodeCount, this.faultEndMs);
  }

  // ---- NodeHost -------------------------------------------------------------------

  now(): number {
    return this.nowMs;
  }

  later(node: SimNode, delayMs: number, fn: () => void): void {
    this.queue.push(this.nowMs + delayMs, { node, gen: node.gen, fn });
  }

  send(m: Message): void {
    this.transmit(m.from, m.to, (to) => to.deliver(m));
  }

  /** Through the network's faults: `arrive` runs at each copy's arrival if the link still passes. */
  private transmit(from: string, toId: string, arrive: (to: SimNode) => void): void {
    const to = this.byId(toId);
    for (const at of this.network.send(from, toId, this.nowMs)) {
      this.queue.push(at, {
        node: to,
        gen: null,
        fn: () => {
          if (this.network.canDeliver(from, toId)) arrive(to);
        },
      });
    }
  }

  debug(line: string): void {
    if (this.opts.verbose) console.log(`t=${this.nowMs} ${line}`);
  }

  fsyncLatencyMs(): number {
    return this.prng.int(fsyncLatencyMinMs, this.profile.fsyncLatencyMaxMs);
  }

  onVoteGranted(node: SimNode): void {
    if (this.healed || !this.faultPrng.chance(this.profile.crashAfterVoteRate)) return;
    this.crashNode(node, false, this.faultPrng.int(5, 50), 'right after granting a vote');
  }

  // ---- the run --------------------------------------------------------------------

  run(): SimReport {
    let violation: SimReport['violation'] = null;
    try {
      this.setUp();
      this.runUntil(this.faultEndMs, () => false);
      this.heal();
      this.livenessPhase();
      this.finalChecks();
    } catch (err) {
      violation = toViolation(err, this.nowMs);
    }
    return this.report(violation);
  }

  private setUp(): void {
    for (const node of this.nodes) {
      this.tickInterval.set(node, tickMs + this.prng.int(-tickSkewMaxMs, tickSkewMaxMs));
      node.start();
      this.startTicks(node);
    }
    for (const f of this.schedule) this.global(f.atMs, () => this.applyFault(f));
    this.global(this.prng.int(1, 2 * this.profile.proposeGapMs), () => this.clientPropose());
    this.global(this.prng.int(1, 2 * this.profile.readGapMs), () => this.clientRead());
  }

  private startTicks(node: SimNode): void {
    const interval = this.tickInterval.get(node) as number;
    const tick = (): void => {
      node.tick();
      this.later(node, interval, tick);
    };
    this.later(node, this.prng.int(1, interval), tick);
  }

  private global(atMs: number, fn: () => void): void {
    this.queue.push(Math.max(atMs, this.nowMs), { node: null, gen: null, fn });
  }

  /** Process events in time order until `untilMs` or until `done()` holds. */
  private runUntil(untilMs: number, done: () => boolean): boolean {
    for (;;) {
      if (done()) return true;
      const at = this.queue.peekAt();
      if (at === undefined || at > untilMs) {
        this.nowMs = Math.max(this.nowMs, untilMs);
        return done();
      }
      const ev = this.queue.pop()!;
      this.nowMs = ev.at;
      assert(++this.events <= eventsPerRunMax, `more than ${eventsPerRunMax} events in one run`);
      this.dispatch(ev.item);
    }
  }

  private dispatch(ev: SimEvent): void {
    const node = ev.node;
    if (node === null) {
      ev.fn();
      return;
    }
    if (ev.gen !== null && ev.gen !== node.gen) return;
    if (node.state === 'down') return;
    if (node.state === 'paused') {
      this.deferredOf(node).push(ev);
      return;
    }
    ev.fn();
    if (node.up) this.observe(node);
  }

  private deferredOf(node: SimNode): SimEvent[] {
    let list = this.deferred.get(node);
    if (list === undefined) {
      list = [];
      this.deferred.set(node, list);
    }
    return list;
  }

  /** Role, commit and check-quorum observations after a node acted. */
  private observe(node: SimNode): void {
    const st = node.status();
    this.checker.onCommitIndex(node.id, st.commit, st.role === RaftRole.Leader ? st.term : null);
    if (st.role !== RaftRole.Leader) {
      node.leaderSinceTick = -1;
      return;
    }
    this.checker.onLeader(node.id, st.term);
    if (node.leaderSinceTick < 0) {
      node.leaderSinceTick = node.ticks;
      this.note(`${node.id} leads term ${st.term}`);
      this.maybeStrikeNewLeader(node);
    }
    this.lastLeader = node;
    this.checker.onLeaderSilence(node.id, st.term, this.silentTicks(node), checkQuorumBoundTicks);
  }

  /** Ticks (the leader's own) since it last heard from a quorum of voters, counting itself. */
  private silentTicks(node: SimNode): number {
    const voters = node.status().conf.voters;
    const key = voters.join(',');
    if (key !== node.votersSeen) {
      node.votersSeen = key;
      node.votersSinceTick = node.ticks;
    }
    const others = voters.filter((v) => v !== node.id);
    const need = Math.floor(voters.length / 2) + 1 - (voters.includes(node.id) ? 1 : 0);
    if (need <= 0) return 0;
    const heard = others.map((v) => node.heardAt.get(v) ?? -1).sort((a, b) => b - a);
    const since = Math.max(heard[need - 1] ?? -1, node.leaderSinceTick, node.votersSinceTick);
    return node.ticks - since;
  }

  private note(s: string): void {
    this.debug(`** ${s}`);
    this.trace.push(`t=${this.nowMs} ${s}`);
    if (this.trace.length > traceMax) this.trace.shift();
  }

  private byId(id: string): SimNode {
    const n = this.nodes[this.ids.indexOf(id)];
    assert(n !== undefined, `unknown node ${id}`);
    return n;
  }

  // ---- client ---------------------------------------------------------------------

  /** The node the client believes leads (most recently seen leading and still up), else any live node. */
  private clientTarget(): SimNode | null {
    const live = this.nodes.filter((n) => n.up);
    if (live.length === 0) return null;
    if (this.lastLeader?.up && this.prng.chance(0.8)) return this.lastLeader;
    return this.prng.pick(live);
  }

  private clientPropose(): void {
    if (!this.healed) this.global(this.nowMs + this.prng.int(1, 2 * this.profile.proposeGapMs), () => this.clientPropose());
    const node = this.clientTarget();
    if (node) this.propose(node, `p${this.proposalSeq++}:`.padEnd(this.prng.int(8, proposalBytesMax), '.'));
  }

  /** Returns the proposal's key if the node accepted it. */
  private propose(node: SimNode, key: string): string | null {
    try {
      const { index, term } = node.core().propose(asciiBytes(key));
      this.checker.onProposed(node.id, index, term, key);
      node.process();
      this.observe(node);
      return key;
    } catch (err) {
      if (!isRetriable(err)) throw err;
      this.counters.proposeRejected!++;
      return null;
    }
  }

  /** A linearizable read, sent to a node that claims to lead (a stale leader included). */
  private clientRead(): void {
    if (!this.healed) this.global(this.nowMs + this.prng.int(1, 2 * this.profile.readGapMs), () => this.clientRead());
    const leaders = this.nodes.filter((n) => n.up && n.status().role === RaftRole.Leader);
    if (leaders.length === 0) return;
    const node = this.prng.pick(leaders);
    const id = this.readSeq++;
    this.checker.onReadStart(id, node.id, node.status().term);
    const index = node.core().readIndex();
    if (index === null) {
      this.checker.onReadAbandoned(id);
      return;
    }
    this.counters.reads!++;
    this.checker.onReadDone(id, index, this.silentTicks(node), checkQuorumBoundTicks);
  }

  // ---- faults ---------------------------------------------------------------------

  private resolve(t: Target): SimNode {
    if (t === 'leader') return this.lastLeader ?? this.nodes[0]!;
    return this.nodes[t % this.nodeCount]!;
  }

  private applyFault(f: FaultEvent): void {
    if (this.healed) return;
    this.note(describeFault(f, false));
    switch (f.kind) {
      case 'crash':
        this.crashNode(this.resolve(f.node), f.tear, f.downMs, 'crash');
        return;
      case 'crash-many': {
        const first = this.ids.indexOf(this.resolve('leader').id);
        for (let i = 0; i < Math.min(f.count, this.nodeCount); i++) this.crashNode(this.nodes[(first + i) % this.nodeCount]!, f.tear, f.downMs, 'power loss');
        return;
      }
      case 'pause':
        this.pauseNode(this.resolve(f.node), f.ms);
        return;
      case 'stall':
        this.stallNode(this.resolve(f.node), f.ms);
        return;
      case 'isolate':
        this.blockFor(this.network.isolate(this.resolve(f.node).id), f.ms);
        return;
      case 'split': {
        const a = Array.from({ length: Math.min(f.size, this.nodeCount - 1) }, (_, i) => this.ids[(f.from + i) % this.nodeCount]!);
        this.blockFor(this.network.partition([a, this.ids.filter((id) => !a.includes(id))]), f.ms);
        return;
      }
      case 'one-way': {
        const from = this.resolve(f.from);
        const to = this.nodes[f.to % this.nodeCount]!;
        if (from !== to) this.blockFor(this.network.blockOneWay(from.id, to.id), f.ms);
        return;
      }
      case 'lossy':
        this.network.setOptions({ ...this.profile.network, dropRate: f.dropRate, dupRate: f.dupRate });
        this.global(this.nowMs + f.ms, () => {
          if (!this.healed) this.network.setOptions(this.profile.network);
        });
        return;
      case 'transfer':
        this.transfer(this.nodes[f.to % this.nodeCount]!);
        return;
      case 'compact': {
        const node = this.resolve(f.node);
        if (node.up && node.compact()) this.counters.compactions!++;
        return;
      }
      case 'remove-add':
        this.removeAndAdd(this.nodes[f.node % this.nodeCount]!, f.ms);
        return;
    }
  }

  /** Nemesis aimed at fresh leaders: crash one before its no-op is durable, or cut it off. */
  private maybeStrikeNewLeader(node: SimNode): void {
    if (this.healed || !this.faultPrng.chance(this.profile.newLeaderFaultRate)) return;
    const delay = this.faultPrng.int(1, this.profile.fsyncLatencyMaxMs);
    const gen = node.gen;
    if (this.faultPrng.chance(0.5)) {
      const down = this.faultPrng.int(20, 150);
      this.global(this.nowMs + delay, () => {
        if (!this.healed && node.gen === gen) this.crashNode(node, false, down, 'new leader struck');
      });
    } else {
      const ms = this.faultPrng.int(50, 300);
      this.global(this.nowMs + delay, () => {
        if (!this.healed) this.blockFor(this.network.isolate(node.id), ms);
      });
    }
  }

  private crashNode(node: SimNode, tear: boolean, downMs: number, why: string): void {
    if (node.state === 'down') return;
    this.note(`${node.id} crashes (${why}${tear ? ', torn write' : ''})`);
    this.counters.crashes!++;
    this.deferred.delete(node);
    node.crash(tear);
    if (this.lastLeader === node) this.lastLeader = null;
    this.global(this.nowMs + downMs, () => this.restartNode(node));
  }

  private restartNode(node: SimNode): void {
    if (node.state !== 'down') return;
    this.note(`${node.id} restarts`);
    node.start();
    this.observe(node);
    this.startTicks(node);
  }

  private pauseNode(node: SimNode, ms: number): void {
    if (node.state !== 'up') return;
    this.counters.pauses!++;
    node.state = 'paused';
    const gen = node.gen;
    this.global(this.nowMs + ms, () => {
      if (node.gen === gen) this.resumeNode(node);
    });
  }

  /**
   * A pause of the node's loop only: if it leads, its beacon thread goes on telling each peer
   * "alive in term T" (through the network's faults) while the stall has lasted at most
   * beaconStallMaxMs, as raft-node's leader-beacon does.
   */
  private stallNode(node: SimNode, ms: number): void {
    if (node.state !== 'up') return;
    const st = node.status();
    this.pauseNode(node, ms);
    this.counters.stalls!++;
    if (st.role !== RaftRole.Leader) return;
    const gen = node.gen;
    const startMs = this.nowMs;
    const beat = (): void => {
      if (node.gen !== gen || node.state !== 'paused' || this.nowMs - startMs > beaconStallMaxMs) return;
      for (const id of this.ids) if (id !== node.id) this.sendBeacon(node.id, id, st.term);
      this.global(this.nowMs + beaconIntervalMs, beat);
    };
    beat();
  }

  private sendBeacon(from: string, toId: string, term: number): void {
    this.transmit(from, toId, (to) => {
      if (to.core().leaderAlive(from, term)) this.counters.beaconsTaken!++;
    });
  }

  private resumeNode(node: SimNode): void {
    if (node.state !== 'paused') return;
    node.state = 'up';
    const pending = this.deferred.get(node) ?? [];
    this.deferred.delete(node);
    for (const ev of pending) this.queue.push(this.nowMs, ev);
  }

  private blockFor(links: string[], ms: number): void {
    this.counters.partitions!++;
    this.global(this.nowMs + ms, () => this.network.unblock(links));
  }

  private transfer(to: SimNode): void {
    const leader = this.lastLeader;
    if (!leader?.up || leader === to || !leader.status().conf.voters.includes(to.id)) return;
    try {
      leader.core().transferLeadership(to.id);
      this.counters.transfers!++;
      leader.process();
      this.observe(leader);
    } catch (err) {
      if (!isRetriable(err)) throw err;
    }
  }

  private removeAndAdd(node: SimNode, ms: number): void {
    const leader = this.lastLeader;
    if (this.removed !== null || !leader?.up || leader === node || !leader.status().conf.voters.includes(node.id)) return;
    if (!this.changeConf(leader, ConfChangeType.RemoveNode, node.id)) return;
    this.removed = node.id;
    this.global(this.nowMs + ms, () => this.readd());
  }

  /** Keeps trying to add the removed node back (also during the liveness phase). */
  private readd(): void {
    const id = this.removed;
    if (id === null) return;
    const leader = this.nodes.find((n) => n.up && n.status().role === RaftRole.Leader);
    const voters = leader?.status().conf.voters;
    if (voters?.includes(id)) {
      this.removed = null;
      return;
    }
    if (leader) this.changeConf(leader, ConfChangeType.AddNode, id);
    this.global(this.nowMs + 50, () => this.readd());
  }

  private changeConf(leader: SimNode, type: ConfChangeType, node: string): boolean {
    try {
      leader.core().proposeConfChange({ type, node });
      this.counters.confChanges!++;
      this.note(`${leader.id} proposes ${type === ConfChangeType.AddNode ? 'add' : 'remove'} ${node}`);
      leader.process();
      this.observe(leader);
      return true;
    } catch (err) {
      if (!isRetriable(err)) throw err;
      return false;
    }
  }

  // ---- heal, liveness, final checks -----------------------------------------------

  private heal(): void {
    this.healed = true;
    this.note('heal: network healed, paused resumed, crashed restarted');
    this.network.heal();
    this.network.setOptions({ ...this.profile.network, dropRate: 0, dupRate: 0 });
    for (const node of this.nodes) {
      if (node.state === 'paused') this.resumeNode(node);
      if (node.state === 'down') this.restartNode(node);
    }
    if (this.removed !== null) this.readd();
  }

  private livenessPhase(): void {
    const healedAt = this.nowMs;
    let acked: { index: number; key: string } | null = null;
    const keys: string[] = [];
    let nextTry = this.nowMs;
    const ok = this.runUntil(healedAt + livenessBoundMs, () => {
      if (acked) return true;
      for (const k of keys) {
        const index = [...this.checker.ackedEntries()].find(([, a]) => a.key === k)?.[0];
        if (index !== undefined) acked = { index, key: k };
      }
      if (acked) return true;
      if (this.nowMs >= nextTry) {
        nextTry = this.nowMs + livenessRetryMs;
        const leader = this.nodes.find((n) => n.up && n.status().role === RaftRole.Leader);
        if (leader) {
          const k = this.propose(leader, `live${keys.length}`);
          if (k) keys.push(k);
        }
        this.global(nextTry, () => {});
      }
      return false;
    });
    if (!ok) throw new InvariantViolation('liveness', `no fresh proposal committed within ${livenessBoundMs}ms of healing (leader: ${this.leaderSummary()})`, this.nowMs);
    this.debug(`liveness: acked ${JSON.stringify(acked)}`);
    // Converge on everything acknowledged, including acks that land meanwhile.
    const caughtUp = (): boolean => this.removed === null && this.finalVoters().every((id) => this.checker.appliedIndex(id) >= this.checker.stats.ackedMax);
    const converged = this.runUntil(this.nowMs + convergenceBoundMs, caughtUp);
    if (!converged) {
      const target = this.checker.stats.ackedMax;
      const applied = this.ids.map((id) => `${id}:${this.checker.appliedIndex(id)}`).join(' ');
      throw new InvariantViolation('liveness', `voters did not catch up to ${target} within ${convergenceBoundMs}ms (applied ${applied}; removed ${this.removed ?? 'none'})`, this.nowMs);
    }
  }

  private leaderSummary(): string {
    return this.nodes.map((n) => (n.up ? `${n.id}:${n.status().role}/t${n.status().term}` : `${n.id}:${n.state}`)).join(' ');
  }

  private finalVoters(): string[] {
    const leader = this.nodes.find((n) => n.up && n.status().role === RaftRole.Leader);
    return leader ? [...leader.status().conf.voters] : this.ids;
  }

  private finalChecks(): void {
    const voters = this.finalVoters();
    this.checker.checkAckedOnMajority(voters, (id, index, key) => this.byId(id).sm.get(index) === key);
    // The store-like applied state: the same (queue, offset) for an index, the same payload at a (queue, offset).
    const storeConflict = compareAppliedStores(this.nodes.map((n) => [n.id, n.store] as const));
    if (storeConflict !== null) throw new InvariantViolation('store-determinism', storeConflict, this.nowMs);
    // The state machines themselves: equal on every index both applied.
    const ref = this.nodes[0]!;
    for (const node of this.nodes.slice(1)) {
      for (const [index, key] of node.sm) {
        const other = ref.sm.get(index);
        if (other !== undefined && other !== key) {
          throw new InvariantViolation('state-machine-safety', `${node.id} applied ${JSON.stringify(key)} at ${index}, ${ref.id} applied ${JSON.stringify(other)}`, this.nowMs);
        }
      }
    }
  }

  private report(violation: SimReport['violation']): SimReport {
    const nodes = this.nodeCount;
    return {
      seed: this.opts.seed,
      nodes,
      bug: this.bug,
      profile: this.profile.name,
      ok: violation === null,
      violation,
      replay: replayCommand({ seed: this.opts.seed, nodes, bug: this.bug, profile: this.profile.name, steps: this.steps }),
      simulatedMs: this.nowMs,
      stats: { events: this.events, snapshotsInstalled: this.nodes.reduce((s, n) => s + n.snapshotsInstalled, 0), storeMessages: this.nodes.reduce((s, n) => s + n.store.messages, 0), ...this.counters, ...this.checker.stats, ...this.network.stats },
      schedule: this.schedule,
      trace: [...this.trace],
    };
  }
}

function makeDisk(kind: 'ledger' | 'memory', prng: Prng): SimDisk {
  return kind === 'memory' ? new MemoryDisk() : new LedgerDisk(() => prng.float());
}

function isRetriable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}

function toViolation(err: unknown, atMs: number): NonNullable<SimReport['violation']> {
  if (err instanceof InvariantViolation) return { invariant: err.invariant, message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  const crash = new SimCrashError(`${e.name}: ${e.message}`, atMs, { cause: e });
  return { invariant: 'exception', message: `${crash.message}\n${e.stack ?? ''}` };
}
