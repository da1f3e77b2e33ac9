// Broker side of NameServer registration: keeps one broker node registered with every
// NameServer — every `intervalMs` (30 s), and at once when `trigger()` is called (a role or
// topic change). NameServers are independent: each gets its own calls, and one that is down
// delays no other. Failures are logged and retried at the next round, never thrown.

import { randomUUID } from 'node:crypto';
import type { BrokerRegistration } from '@ledgermq/protocol';
import { assert } from './assert.ts';
import { callTimeoutMsDefault, registerIntervalMsDefault } from './constants.ts';
import { silentLogger, type NamesrvLogger } from './logger.ts';
import { NamesrvClient } from './namesrv-client.ts';

export type RegistrationSource = () => Omit<BrokerRegistration, 'incarnation' | 'sequence'>;

export interface NamesrvRegistrarOptions {
  /** host:port of every NameServer. */
  readonly addresses: readonly string[];
  /** What to register, read at every round (so it reflects the node's current role). */
  readonly registration: RegistrationSource;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  /** Identifies this run of the node (default: random). */
  readonly incarnation?: string;
  readonly logger?: NamesrvLogger;
}

export interface RegistrarStatus {
  readonly address: string;
  readonly registered: boolean;
  readonly lastError: string;
  readonly leaderNodeId: string;
}

interface Target {
  readonly client: NamesrvClient;
  inFlight: boolean;
  again: boolean;
  registered: boolean;
  lastError: string;
  leaderNodeId: string;
}

export class NamesrvRegistrar {
  readonly incarnation: string;
  private readonly targets: Target[];
  private readonly source: RegistrationSource;
  private readonly intervalMs: number;
  private readonly log: NamesrvLogger;
  private sequence = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(options: NamesrvRegistrarOptions) {
    assert(options.addresses.length > 0, 'at least one NameServer address');
    this.intervalMs = options.intervalMs ?? registerIntervalMsDefault;
    assert(Number.isFinite(this.intervalMs) && this.intervalMs > 0, `intervalMs ${this.intervalMs}`);
    this.incarnation = options.incarnation ?? randomUUID();
    this.source = options.registration;
    this.log = options.logger ?? silentLogger;
    const timeoutMs = options.timeoutMs ?? callTimeoutMsDefault;
    this.targets = options.addresses.map((a) => ({
      client: new NamesrvClient(a, { timeoutMs }),
      inFlight: false,
      again: false,
      registered: false,
      lastError: '',
      leaderNodeId: '',
    }));
  }

  /** Registers now, then every interval. */
  start(): void {
    assert(!this.stopped && this.timer === null, 'registrar already started or stopped');
    this.trigger();
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
    this.timer.unref();
  }

  /** Registers with every NameServer now (call it on every role change). */
  trigger(): void {
    if (this.stopped) return;
    for (const t of this.targets) this.send(t);
  }

  status(): RegistrarStatus[] {
    return this.targets.map((t) => ({ address: t.client.address, registered: t.registered, lastError: t.lastError, leaderNodeId: t.leaderNodeId }));
  }

  /** Stops the rounds and unregisters from every NameServer (best effort, bounded by the timeout). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const reg = this.source();
    await Promise.all(
      this.targets.map(async (t) => {
        try {
          await t.client.unregister({ clusterName: reg.clusterName, brokerName: reg.brokerName, nodeId: reg.nodeId, incarnation: this.incarnation });
        } catch (err) {
          this.log.debug({ namesrv: t.client.address, err }, 'unregister failed');
        } finally {
          t.client.close();
        }
      }),
    );
  }

  private send(t: Target): void {
    if (t.inFlight) {
      t.again = true;
      return;
    }
    t.inFlight = true;
    t.again = false;
    let reg: BrokerRegistration;
    try {
      reg = { ...this.source(), incarnation: this.incarnation, sequence: ++this.sequence };
    } catch (err) {
      t.inFlight = false;
      this.log.error({ err }, 'cannot build the NameServer registration');
      return;
    }
    t.client.register(reg).then(
      (res) => {
        if (!t.registered) this.log.info({ namesrv: t.client.address, leader: res.leaderNodeId || null }, 'registered with NameServer');
        t.registered = true;
        t.lastError = '';
        t.leaderNodeId = res.leaderNodeId;
      },
      (err: Error) => {
        if (t.registered || t.lastError !== err.message) this.log.warn({ namesrv: t.client.address, err: err.message }, 'NameServer registration failed');
        t.registered = false;
        t.lastError = err.message;
      },
    ).finally(() => {
      t.inFlight = false;
      if (t.again && !this.stopped) this.send(t);
    });
  }
}
