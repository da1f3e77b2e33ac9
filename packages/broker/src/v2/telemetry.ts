// Telemetry: the bidirectional stream every client opens to every endpoint of its routes.
// The client sends its settings first (and again every 5 min and after reconnects) and its
// startup() waits for our reply without a timeout, so every settings command is answered at
// once. The reply echoes the client's settings with what the client must be told (see
// PROTOCOL-V2-NOTES.md: without backoff_policy the client dies, without max_body_size every
// send fails). The server pushes transaction checks over the same stream.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import { ClientType, Code, msToDuration, type v2 } from '@ledgermq/protocol';
import type { Logger } from 'pino';
import { assert } from '../assert.ts';
import { clientHeadersOf, type ClientRegistry } from '../clients/client-registry.ts';
import { qualifyRequest, unqualifyResponse } from './namespace.ts';
import type { CallContext } from './call-context.ts';

export interface TelemetryOptions {
  readonly maxBodyBytes: number;
  /** Max delivery attempts of a consumer group (= max retries + 1). */
  readonly maxAttemptsOf: (group: string) => number;
  readonly fifoOf: (group: string) => boolean;
  readonly receiveBatchSize: number;
  readonly longPollingTimeoutMs: number;
  /** Told of every client's settings and of closed streams (consumerConnection, producerConnection). */
  readonly clients?: Pick<ClientRegistry, 'settings' | 'disconnected'>;
}

/** Live telemetry streams on this node, by client id, with what their settings said. */
interface Session {
  readonly clientId: string;
  readonly call: ServerDuplexStream<v2.TelemetryCommand, v2.TelemetryCommand>;
  clientType: number;
  /** Topics a producer publishes to, stored names (transaction checks go to producers of the topic). */
  topics: Set<string>;
  /** The client's namespace: what it is sent is in its own names. */
  namespace: string;
}

export const telemetrySessionsMax = 100_000;

export class TelemetryHub {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly opts: TelemetryOptions,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  handle(call: ServerDuplexStream<v2.TelemetryCommand, v2.TelemetryCommand>, ctx: CallContext): void {
    const clientId = ctx.clientId;
    call.on('data', (cmd: v2.TelemetryCommand) => {
      if (cmd.settings) {
        // Stored names (NS%T) from here on; the reply goes back in the client's names.
        const namespace = qualifyRequest(cmd.settings, ctx.namespace);
        this.onSettings(call, clientId, cmd.settings, namespace);
        this.opts.clients?.settings(clientId, cmd.settings, call.getPeer(), clientHeadersOf(ctx.headers));
      }
    });
    const end = () => {
      const s = this.sessions.get(clientId);
      if (s !== undefined && s.call === call) {
        this.sessions.delete(clientId);
        this.opts.clients?.disconnected(clientId);
      }
    };
    call.on('end', () => {
      end();
      call.end();
    });
    call.on('error', end);
    call.on('cancelled', end);
  }

  /**
   * Pushes a transaction check to one producer of `topic` connected to this node.
   * Returns false when none is connected here.
   */
  pushTransactionCheck(topic: string, message: v2.Message, transactionId: string): boolean {
    for (const s of this.sessions.values()) {
      if (s.clientType !== ClientType.PRODUCER || !s.topics.has(topic)) continue;
      const command = { recover_orphaned_transaction_command: { message: structuredClone(message), transaction_id: transactionId } };
      unqualifyResponse(command, s.namespace);
      s.call.write(command);
      return true;
    }
    return false;
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.call.end();
    this.sessions.clear();
  }

  private onSettings(call: Session['call'], clientId: string, settings: v2.Settings, namespace: string): void {
    if (!this.sessions.has(clientId) && this.sessions.size >= telemetrySessionsMax) {
      call.write({ status: { code: Code.TOO_MANY_REQUESTS, message: 'too many telemetry sessions' } });
      return;
    }
    const topics = new Set((settings.publishing?.topics ?? []).map((t) => t.name));
    this.sessions.set(clientId, { clientId, call, clientType: Number(settings.client_type ?? 0), topics, namespace });
    const reply = { status: { code: Code.OK, message: 'OK' }, settings: this.reply(settings) };
    unqualifyResponse(reply, namespace);
    call.write(reply);
  }

  private reply(settings: v2.Settings): v2.Settings {
    const group = settings.subscription?.group?.name ?? '';
    const out: v2.Settings = { ...settings };
    const maxAttempts = group !== '' ? this.opts.maxAttemptsOf(group) : (settings.backoff_policy?.max_attempts || 3);
    assert(maxAttempts >= 1, 'max attempts >= 1');
    out.backoff_policy = {
      max_attempts: maxAttempts,
      exponential_backoff: { initial: msToDuration(1_000), max: msToDuration(60_000), multiplier: 2 },
      strategy: 'exponential_backoff',
    };
    if (settings.publishing || settings.pub_sub === 'publishing') {
      out.publishing = { topics: settings.publishing?.topics ?? [], max_body_size: this.opts.maxBodyBytes, validate_message_type: settings.publishing?.validate_message_type ?? true };
    }
    if (settings.subscription || settings.pub_sub === 'subscription') {
      out.subscription = {
        ...(settings.subscription ?? { subscriptions: [] }),
        fifo: group !== '' && this.opts.fifoOf(group),
        receive_batch_size: this.opts.receiveBatchSize,
        long_polling_timeout: msToDuration(this.opts.longPollingTimeoutMs),
      };
    }
    return out;
  }
}
