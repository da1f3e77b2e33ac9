// The workload: official-client producers (sequential lanes) and SimpleConsumers, one client
// per node, each given ONE endpoint (the client cannot use multi-address endpoints; the routes
// list every node). Every call is bounded in time; a timeout or an error is `info`.

import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import {
  clientRequestTimeoutMs,
  clientShutdownTimeoutMs,
  clientStartupTimeoutMs,
  consumerBatchMax,
  consumerInvisibleMs,
  consumerLongPollMs,
  errorBackoffMs,
  laneOpsMax,
  mixedDelayMsMin,
  mixedDelayMsSpread,
  opTimeoutMs,
  producerLanesPerNode,
} from './constants.ts';
import { OpTimeoutError } from './errors.ts';
import type { HistoryRecorder, MessageKind } from './history.ts';

export type WorkloadName = 'queue' | 'fifo' | 'mixed';
export const workloadNames: readonly WorkloadName[] = ['queue', 'fifo', 'mixed'];

/** What the mixed workload sends as a lane's `seq`-th message: two normal, two fifo, two delay, one commit, one rollback in eight. */
export function mixedKind(seq: number): { kind: MessageKind; txn: 'commit' | 'rollback' | null } {
  switch (seq % 8) {
    case 0:
    case 4:
      return { kind: 'normal', txn: null };
    case 1:
    case 5:
      return { kind: 'fifo', txn: null };
    case 2:
    case 6:
      return { kind: 'delay', txn: null };
    case 3:
      return { kind: 'transaction', txn: 'commit' };
    default:
      return { kind: 'transaction', txn: 'rollback' };
  }
}

/** The delay of the mixed workload's `seq`-th message (deterministic, spread over the range). */
export function mixedDelayMs(seq: number): number {
  return mixedDelayMsMin + ((seq * 7_919) % mixedDelayMsSpread);
}

/** TransactionResolution of the v2 protocol, as the client's transaction checker answers it. */
const resolutionCommit = 1;
const resolutionRollback = 2;

/** What the producer answers a transaction check with: its own decision, read off the value `p<lane>-<seq>`. */
export function transactionDecision(value: string): 'commit' | 'rollback' | null {
  const seq = Number(/-(\d+)$/.exec(value)?.[1] ?? NaN);
  return Number.isSafeInteger(seq) ? mixedKind(seq).txn : null;
}

export class ClientLog {
  readonly lines: string[] = [];
  constructor(private readonly max = 5_000) {}
  private keep(level: string, who: string, args: unknown[]): void {
    if (this.lines.length < this.max) this.lines.push(`${new Date().toISOString()} ${level} ${who} ${args.map((a) => (a instanceof Error ? a.message : typeof a === 'object' ? safeJson(a) : String(a))).join(' ')}`);
  }
  logger(who: string): Record<string, (...args: unknown[]) => void> {
    return { trace() {}, debug() {}, info() {}, warn: (...a: unknown[]) => this.keep('WARN', who, a), error: (...a: unknown[]) => this.keep('ERROR', who, a) };
  }
}

function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x);
  } catch {
    return String(x);
  }
}

export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new OpTimeoutError(what, ms)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errText(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0]!.slice(0, 300);
}

export interface WorkloadOptions {
  readonly workload: WorkloadName;
  readonly topic: string;
  readonly consumerGroup: string;
  /** selfId -> v2 endpoint */
  readonly endpoints: ReadonlyMap<string, string>;
  /** sends per second over all lanes */
  readonly rate: number;
  readonly history: HistoryRecorder;
  readonly log: ClientLog;
}

interface Lane {
  readonly process: string;
  readonly node: string;
  readonly producer: Producer;
  readonly group: string | null;
}

/** Producers and consumers of one run. */
export class Workload {
  private producers = new Map<string, Producer>();
  private consumers = new Map<string, SimpleConsumer>();
  private producing = false;
  private consuming = false;
  private laneRuns: Promise<void>[] = [];
  private consumerRuns: Promise<void>[] = [];
  /** consecutive empty receives per consumer, since the last reset */
  readonly emptyStreak = new Map<string, number>();
  readonly readValues = new Set<string>();
  readonly ackedValues = new Set<string>();

  constructor(private readonly o: WorkloadOptions) {}

  async startClients(): Promise<void> {
    const { o } = this;
    const topics = [o.topic];
    await Promise.all(
      [...o.endpoints].map(async ([node, ep]) => {
        // The mixed workload's transactions: a check is answered with the producer's own decision.
        const checker = {
          async check(m: { body: Buffer }) {
            const d = transactionDecision(m.body.toString());
            return d === 'commit' ? resolutionCommit : resolutionRollback;
          },
        };
        const p = new Producer({ endpoints: ep, namespace: '', topics, logger: o.log.logger(`producer@${node}`), requestTimeout: clientRequestTimeoutMs, ...(o.workload === 'mixed' ? { checker } : {}) } as never);
        await within(p.startup(), clientStartupTimeoutMs, `producer@${node} startup`);
        this.producers.set(node, p);
        const c = new SimpleConsumer({
          endpoints: ep,
          namespace: '',
          consumerGroup: o.consumerGroup,
          subscriptions: new Map([[o.topic, '*']]),
          logger: o.log.logger(`consumer@${node}`),
          awaitDuration: consumerLongPollMs,
          requestTimeout: clientRequestTimeoutMs,
        } as never);
        await within(c.startup(), clientStartupTimeoutMs, `consumer@${node} startup`);
        this.consumers.set(node, c);
      }),
    );
  }

  /** Starts every producer lane; they stop by themselves at `untilMs` (history time) or on stopProducing. */
  startProducing(untilMs: number): void {
    this.producing = true;
    const lanes: Lane[] = [];
    let i = 0;
    for (const [node, producer] of this.producers) {
      for (let k = 0; k < producerLanesPerNode; k++, i++) {
        lanes.push({ process: `p${i}`, node, producer, group: this.o.workload === 'queue' ? null : `g${i}` });
      }
    }
    const intervalMs = (lanes.length * 1000) / Math.max(1, this.o.rate);
    this.laneRuns = lanes.map((l, idx) => this.runLane(l, intervalMs, untilMs, (idx * intervalMs) / lanes.length));
  }

  async stopProducing(): Promise<void> {
    this.producing = false;
    await Promise.all(this.laneRuns);
  }

  private async runLane(l: Lane, intervalMs: number, untilMs: number, offsetMs: number): Promise<void> {
    const h = this.o.history;
    await sleep(offsetMs);
    let next = h.now();
    for (let seq = 0; seq < laneOpsMax && this.producing && h.now() < untilMs; seq++) {
      const ok = this.o.workload === 'mixed' ? await this.sendMixed(l, seq) : await this.sendPlain(l, seq);
      next = Math.max(next + intervalMs, h.now() + (ok ? 0 : errorBackoffMs));
      const wait = next - h.now();
      if (wait > 0) await sleep(wait);
    }
  }

  /** queue / fifo: one message; ok once the broker acknowledged it. */
  private async sendPlain(l: Lane, seq: number): Promise<boolean> {
    const h = this.o.history;
    const value = `${l.process}-${seq}`;
    h.add({ process: l.process, node: l.node, type: 'invoke', op: 'send', value, group: l.group });
    try {
      const msg: Record<string, unknown> = { topic: this.o.topic, body: Buffer.from(value), keys: [value] };
      if (l.group !== null) msg.messageGroup = l.group;
      const r = await within(l.producer.send(msg as never), opTimeoutMs, `send ${value}`);
      h.add({ process: l.process, node: l.node, type: 'ok', op: 'send', value, group: l.group, messageId: r.messageId, offset: Number(r.offset), queue: 0 });
      this.ackedValues.add(value);
      return true;
    } catch (err) {
      // The client retries internally; any of its attempts may have been stored: unknown outcome.
      h.add({ process: l.process, node: l.node, type: 'info', op: 'send', value, group: l.group, error: errText(err) });
      return false;
    }
  }

  /** mixed: normal, fifo, delay or transaction by `seq` (mixedKind); a transaction is sent, then committed or rolled back. */
  private async sendMixed(l: Lane, seq: number): Promise<boolean> {
    const h = this.o.history;
    const value = `${l.process}-${seq}`;
    const { kind, txn } = mixedKind(seq);
    const group = kind === 'fifo' ? l.group : null;
    const delayMs = kind === 'delay' ? mixedDelayMs(seq) : 0;
    const deliverAt = kind === 'delay' ? h.now() + delayMs : null;
    const base = { process: l.process, node: l.node, op: 'send' as const, value, group, kind, txn, deliverAt };
    h.add({ ...base, type: 'invoke' });
    const tx = txn === null ? undefined : l.producer.beginTransaction();
    try {
      const msg: Record<string, unknown> = { topic: this.o.topic, body: Buffer.from(value), keys: [value] };
      if (group !== null) msg.messageGroup = group;
      if (kind === 'delay') msg.deliveryTimestamp = new Date(Date.now() + delayMs);
      const r = await within(l.producer.send(msg as never, tx), opTimeoutMs, `send ${value}`);
      h.add({ ...base, type: 'ok', messageId: r.messageId, offset: kind === 'normal' || kind === 'fifo' ? Number(r.offset) : null, queue: 0 });
    } catch (err) {
      h.add({ ...base, type: 'info', error: errText(err) });
      return false;
    }
    if (tx === undefined) {
      this.ackedValues.add(value);
      return true;
    }
    h.add({ process: l.process, node: l.node, type: 'invoke', op: 'end', value, txn });
    try {
      await within(txn === 'commit' ? tx.commit() : tx.rollback(), opTimeoutMs, `${txn} ${value}`);
      h.add({ process: l.process, node: l.node, type: 'ok', op: 'end', value, txn });
      if (txn === 'commit') this.ackedValues.add(value);
      return true;
    } catch (err) {
      // Unknown: the broker's transaction check asks this producer, which answers the same decision.
      h.add({ process: l.process, node: l.node, type: 'info', op: 'end', value, txn, error: errText(err) });
      return false;
    }
  }

  startConsuming(): void {
    this.consuming = true;
    let i = 0;
    this.consumerRuns = [...this.consumers].map(([node, c]) => this.runConsumer(`c${i++}`, node, c));
  }

  async stopConsuming(): Promise<void> {
    this.consuming = false;
    await Promise.all(this.consumerRuns);
  }

  resetQuiet(): void {
    for (const k of this.emptyStreak.keys()) this.emptyStreak.set(k, 0);
  }

  private async runConsumer(process: string, node: string, c: SimpleConsumer): Promise<void> {
    const h = this.o.history;
    this.emptyStreak.set(process, 0);
    for (let round = 0; round < laneOpsMax && this.consuming; round++) {
      h.add({ process, node, type: 'invoke', op: 'receive', value: null });
      let msgs: Awaited<ReturnType<SimpleConsumer['receive']>>;
      try {
        msgs = await within(c.receive(consumerBatchMax, consumerInvisibleMs), opTimeoutMs + consumerLongPollMs, `receive@${node}`);
      } catch (err) {
        h.add({ process, node, type: 'info', op: 'receive', value: null, error: errText(err) });
        this.emptyStreak.set(process, 0);
        await sleep(errorBackoffMs * 5);
        continue;
      }
      if (msgs.length === 0) {
        h.add({ process, node, type: 'ok', op: 'receive', value: null });
        this.emptyStreak.set(process, (this.emptyStreak.get(process) ?? 0) + 1);
        continue;
      }
      this.emptyStreak.set(process, 0);
      for (const m of msgs) {
        const value = m.body.toString();
        this.readValues.add(value);
        h.add({ process, node, type: 'ok', op: 'receive', value, messageId: m.messageId, offset: m.offset ?? null, queue: 0, group: m.messageGroup ?? null, deliveryAttempt: m.deliveryAttempt ?? null });
      }
      for (const m of msgs) {
        const value = m.body.toString();
        h.add({ process, node, type: 'invoke', op: 'ack', value, messageId: m.messageId });
        try {
          await within(c.ack(m), opTimeoutMs, `ack ${value}`);
          h.add({ process, node, type: 'ok', op: 'ack', value, messageId: m.messageId });
        } catch (err) {
          h.add({ process, node, type: 'info', op: 'ack', value, messageId: m.messageId, error: errText(err) });
        }
      }
    }
  }

  /** Every consumer saw at least `rounds` empty receives in a row. */
  quiet(rounds: number): boolean {
    return [...this.emptyStreak.values()].every((n) => n >= rounds);
  }

  async shutdown(): Promise<void> {
    this.producing = false;
    this.consuming = false;
    const all: Array<{ shutdown(): Promise<unknown> }> = [...this.producers.values(), ...this.consumers.values()];
    await Promise.all(all.map((c) => within(c.shutdown(), clientShutdownTimeoutMs, 'client shutdown').catch(() => undefined)));
  }
}
