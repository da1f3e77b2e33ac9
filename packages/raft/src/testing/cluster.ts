// A small in-memory network of Raft cores for golden-script tests: messages are queued and
// delivered only when the test says so; links can be cut; fsync can be automatic or manual.

import { assert } from '../assert.ts';
import { Raft } from '../raft.ts';
import type { RaftBugs, RaftConfig } from '../ready.ts';
import type { ConfState, Entry, HardState, Message, NodeId } from '../types.ts';
import { MemoryStorage } from './memory-storage.ts';

export interface ClusterOptions {
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly seed?: number;
  readonly bugs?: Partial<RaftBugs>;
  readonly disabled?: readonly NodeId[];
}

export interface SimNode {
  readonly id: NodeId;
  raft: Raft;
  readonly storage: MemoryStorage;
  /** The hard state as last reported, commit hint included (what a clean restart finds). */
  hardState: HardState;
  /** The hard state as last fsynced (rd.mustSync): what a power loss leaves. */
  syncedHardState: HardState;
  readonly applied: Entry[];
  conf: ConfState | null;
  /** When false, appended entries wait for fsync() before raft.persisted(). */
  autoPersist: boolean;
  /** Highest index whose write was fsynced (what survives a crash). */
  durableIndex: number;
}

/** mulberry32: a tiny seeded PRNG so runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const roundsMax = 10_000;

export class TestCluster {
  readonly nodes = new Map<NodeId, SimNode>();
  queue: Message[] = [];
  /** Every message ever sent, for counting round trips. */
  readonly sent: Message[] = [];
  private readonly cut = new Set<string>();
  private readonly opts: ClusterOptions;
  private readonly initialVoters: NodeId[];
  private seq = 0;

  constructor(ids: readonly NodeId[], opts: ClusterOptions = {}) {
    this.opts = opts;
    this.initialVoters = [...ids];
    for (const id of ids) this.addNode(id, this.initialVoters);
  }

  addNode(id: NodeId, initialVoters: readonly NodeId[]): SimNode {
    const storage = new MemoryStorage();
    const node: SimNode = {
      id,
      storage,
      hardState: { term: 0, vote: null, commit: 0 },
      syncedHardState: { term: 0, vote: null, commit: 0 },
      applied: [],
      conf: null,
      autoPersist: true,
      durableIndex: 0,
      raft: undefined as unknown as Raft,
    };
    node.raft = this.makeRaft(node, [...initialVoters]);
    this.nodes.set(id, node);
    return node;
  }

  private makeRaft(node: SimNode, initialVoters: NodeId[]): Raft {
    const cfg: RaftConfig = {
      id: node.id,
      initialVoters,
      storage: node.storage,
      hardState: node.hardState,
      applied: node.applied.length > 0 ? (node.applied[node.applied.length - 1] as Entry).index : (node.storage.snapshot()?.meta.index ?? 0),
      conf: null,
      random: seededRandom((this.opts.seed ?? 1) * 7919 + this.seq++),
      electionTicks: this.opts.electionTicks ?? 10,
      heartbeatTicks: this.opts.heartbeatTicks ?? 1,
      preVote: this.opts.preVote ?? true,
      checkQuorum: this.opts.checkQuorum ?? true,
      disabled: this.opts.disabled?.includes(node.id) ?? false,
      bugs: this.opts.bugs ?? {},
    };
    return new Raft(cfg);
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    assert(n !== undefined, `no node ${id}`);
    return n;
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }

  /** Drains the node's Ready queue the way a driver does. */
  process(id: NodeId): void {
    const n = this.node(id);
    for (let round = 0; n.raft.hasReady(); round++) {
      assert(round < roundsMax, 'ready loop does not converge');
      const rd = n.raft.ready();
      if (rd.hardState !== null) n.hardState = rd.hardState;
      if (rd.hardState !== null && rd.mustSync) n.syncedHardState = rd.hardState;
      if (rd.snapshot !== null) {
        n.storage.installSnapshot(rd.snapshot);
        n.applied.length = 0;
        n.conf = rd.snapshot.meta.conf;
        n.durableIndex = rd.snapshot.meta.index;
      }
      if (rd.entries.length > 0) {
        n.storage.append(rd.entries);
        n.durableIndex = Math.min(n.durableIndex, (rd.entries[0] as Entry).index - 1);
      }
      for (const m of rd.messages) {
        this.sent.push(m);
        if (!this.cut.has(`${m.from}->${m.to}`)) this.queue.push(m);
      }
      for (const e of rd.committed) n.applied.push(e);
      n.raft.advance(rd);
      if (rd.snapshot !== null) n.raft.persisted(rd.snapshot.meta.index, rd.snapshot.meta.term);
      if (n.autoPersist) this.fsync(id);
    }
  }

  /** The fsync of everything written so far returns. */
  fsync(id: NodeId): void {
    const n = this.node(id);
    const last = n.storage.lastIndex();
    n.durableIndex = last;
    n.raft.persisted(last, n.storage.term(last) ?? 0);
  }

  processAll(): void {
    for (const id of this.nodes.keys()) this.process(id);
  }

  /** Delivers queued messages matching `filter` (all by default). Returns how many. */
  deliver(filter: (m: Message) => boolean = () => true): number {
    const now = this.queue.filter(filter);
    this.queue = this.queue.filter((m) => !filter(m));
    for (const m of now) {
      const to = this.nodes.get(m.to);
      if (to !== undefined && !this.cut.has(`${m.from}->${m.to}`)) to.raft.step(m);
    }
    return now.length;
  }

  drop(filter: (m: Message) => boolean = () => true): number {
    const before = this.queue.length;
    this.queue = this.queue.filter((m) => !filter(m));
    return before - this.queue.length;
  }

  /** Processes and delivers until nothing moves. */
  stabilize(): void {
    for (let round = 0; ; round++) {
      assert(round < roundsMax, 'cluster does not stabilize');
      this.processAll();
      if (this.deliver() === 0) {
        this.processAll();
        if (this.queue.length === 0) return;
      }
    }
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.raft(id).tick();
      this.process(id);
    }
  }

  /** Ticks every node once then stabilizes, `times` times. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of this.nodes.keys()) this.tick(id);
      this.stabilize();
    }
  }

  /** Ticks `id` until it starts an election, then lets the election run to the end. */
  campaign(id: NodeId): void {
    const r = this.raft(id);
    for (let i = 0; i < 4 * (this.opts.electionTicks ?? 10); i++) {
      const before = r.status();
      r.tick();
      const after = r.status();
      if (after.role !== before.role || after.term !== before.term) break;
    }
    this.stabilize();
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /**
   * Simulates a crash and restart: unsynced writes are lost, the core is rebuilt from disk.
   * `powerLoss` also loses the commit hint (the hard state goes back to its last fsync).
   */
  restart(id: NodeId, opts: { powerLoss?: boolean } = {}): void {
    const n = this.node(id);
    if (opts.powerLoss === true) n.hardState = n.syncedHardState;
    n.storage.truncateAfter(Math.max(n.durableIndex, n.storage.firstIndex() - 1));
    const lastApplied = n.applied[n.applied.length - 1]?.index ?? 0;
    assert(lastApplied <= n.storage.lastIndex(), 'applied entries must have been durable');
    n.raft = this.makeRaft(n, this.initialVoters);
    this.queue = this.queue.filter((m) => m.to !== id);
  }

  /**
   * The operator's repair of a damaged log: the node restarts with an empty log and state
   * machine but keeps its hard state (term and vote, so it never votes twice in a term).
   */
  repair(id: NodeId): void {
    const old = this.node(id);
    const n: SimNode = { ...old, storage: new MemoryStorage(), applied: [], conf: null, durableIndex: 0 };
    n.raft = this.makeRaft(n, this.initialVoters);
    this.nodes.set(id, n);
    this.queue = this.queue.filter((m) => m.to !== id);
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.raft.status().role === 'leader').map((n) => n.id);
  }

  /** Entries of the node's log, from storage. */
  log(id: NodeId): Entry[] {
    const s = this.node(id).storage;
    if (s.lastIndex() < s.firstIndex()) return [];
    return s.entries(s.firstIndex(), s.lastIndex() + 1, Number.MAX_SAFE_INTEGER);
  }
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
