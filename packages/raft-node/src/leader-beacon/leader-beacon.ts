// The leader beacon: a worker thread that tells the followers "alive in term T" while the
// node leads, so that a main loop busy for longer than an election timeout (a flood of client
// calls, a long GC) does not get the leader deposed. Heartbeats cannot do it: they are sent
// from the main loop, and HTTP/2 writes leave the process only between that loop's turns.
//
// The beacon vouches only for a loop that still turns: the main thread bumps a shared tick
// counter on every Raft tick, and the thread stops beaconing once the counter has stood still
// for beaconStallMaxMs. A dead process sends nothing, and a paused one (SIGSTOP) pauses its
// threads too. Followers take a beacon only from the leader they follow, in its term
// (Raft.leaderAlive): it restarts their election timer and nothing else, so safety does not
// rest on it.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NodeId } from '@ledgermq/raft';
import { beaconPath, metadataFrom, metadataGroup, metadataTo, parseAddress } from '@ledgermq/transport';
import type { Logger } from 'pino';
import { assert } from '../assert.ts';

// Found through node_modules by package name, not from this file's URL: a node may run from
// an esbuild bundle, whose import.meta.url is the bundle's.
const threadPath = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@ledgermq/raft-node/package.json')),
  'src/leader-beacon/beacon-thread.mjs',
);

/** Positions in the shared counters; the thread is told them (workerData.slots). */
const slots = { ticks: 0, sent: 1, accepted: 2, failed: 3 } as const;

/** The thread's heap: it holds a few sessions and buffers. */
const threadHeapMb = 32;

export interface LeaderBeaconOptions {
  readonly selfId: NodeId;
  readonly groupId: string;
  /** The other members: id -> "host:port" of their peer port. */
  readonly peers: ReadonlyMap<NodeId, string>;
  readonly intervalMs: number;
  readonly stallMaxMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export interface BeaconStats {
  /** Beacons answered OK (taken or not). */
  readonly sent: number;
  /** Of those, beacons a follower took (it follows this node in that term). */
  readonly accepted: number;
  /** Beacons refused, unanswered in time, or not sent for want of a connection. */
  readonly failed: number;
}

export class LeaderBeacon {
  private readonly counters = new Int32Array(new SharedArrayBuffer(Object.keys(slots).length * Int32Array.BYTES_PER_ELEMENT));
  private worker: Worker | null = null;
  private term: number | null = null;

  constructor(private readonly opts: LeaderBeaconOptions) {
    assert(opts.intervalMs > 0 && opts.stallMaxMs >= opts.intervalMs && opts.timeoutMs > 0, 'beacon intervals');
  }

  start(): void {
    assert(this.worker === null, 'leader beacon started twice');
    // A missing file would only show as the thread's 'error' event: fail at start instead.
    assert(existsSync(threadPath), `the leader beacon's thread ${threadPath} does not exist`);
    const worker = new Worker(threadPath, {
      // Plain JavaScript: no loader (tsx) and no profiling flags of the main thread.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: threadHeapMb },
      workerData: {
        intervalMs: this.opts.intervalMs,
        stallMaxMs: this.opts.stallMaxMs,
        timeoutMs: this.opts.timeoutMs,
        counters: this.counters,
        slots,
      },
    });
    // The beacon helps liveness only: if its thread dies the node goes on without it.
    worker.on('error', (err) => this.opts.logger.error({ err }, 'leader beacon thread failed; going on without it'));
    worker.unref();
    this.worker = worker;
    this.setPeers(this.opts.peers);
    this.lead(this.term);
  }

  /** The main loop turned (a Raft tick): the beacon may vouch for it a while longer. */
  ticked(): void {
    Atomics.add(this.counters, slots.ticks, 1);
  }

  /** The term this node now leads, or null when it does not lead. */
  lead(term: number | null): void {
    this.term = term;
    this.worker?.postMessage({ type: 'lead', term });
  }

  setPeers(peers: ReadonlyMap<NodeId, string>): void {
    const list = [...peers].map(([id, address]) => ({ id, authority: authority(address), headers: this.requestHeaders(id) }));
    this.worker?.postMessage({ type: 'peers', peers: list });
  }

  stats(): BeaconStats {
    return {
      sent: Atomics.load(this.counters, slots.sent),
      accepted: Atomics.load(this.counters, slots.accepted),
      failed: Atomics.load(this.counters, slots.failed),
    };
  }

  /** A gRPC unary call to RaftPeer.Beacon with the peer transport's metadata, addressed to `to`. */
  private requestHeaders(to: NodeId): Record<string, string> {
    return {
      ':method': 'POST',
      ':path': beaconPath,
      'content-type': 'application/grpc',
      te: 'trailers',
      [metadataGroup]: this.opts.groupId,
      [metadataFrom]: this.opts.selfId,
      [metadataTo]: to,
    };
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) await worker.terminate();
  }
}

function authority(address: string): string {
  const { host, port } = parseAddress(address);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
