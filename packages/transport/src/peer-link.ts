// The sending side towards one peer: a bounded queue, one long-lived gRPC stream, and the
// reconnect loop around it.
//
// States: connecting (stream opened, peer has not accepted yet: messages queue, bounded)
//      -> connected  (frames flow; one coalesced frame per peer per event-loop turn)
//      -> backoff    (stream ended; messages are dropped and counted until the next attempt)
//      -> connecting ...                                  closed is final.

import { Client, Metadata, credentials, status } from '@grpc/grpc-js';
import type { ClientDuplexStream, ServiceDefinition } from '@grpc/grpc-js';
import type { Message, NodeId } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { backoffDelayMs } from './backoff.ts';
import { encodeMessages } from './codec/encode.ts';
import { batchHeaderBytes } from './codec/format.ts';
import {
  connectTimeoutMs,
  frameBytesMax,
  messagesPerBatchMax,
  reconnectBackoffInitialMs,
  reconnectBackoffMaxMs,
  streamInflightBytesMax,
} from './constants.ts';
import type { TransportLogger } from './logger.ts';
import { OutboundQueue } from './outbound-queue.ts';
import { clientChannelOptions, metadataFrom, metadataGroup, metadataTo } from './peer-proto.ts';
import type { Ack } from './peer-proto.ts';
import { chunkFrame, encodeMessageFrame } from './frame-wire.ts';
import { splitChunks } from './reassembler.ts';

export interface PeerStats {
  connected: boolean;
  queuedBytes: number;
  sentFrames: number;
  droppedMessages: number;
  reconnects: number;
}

export interface PeerLinkDeps {
  readonly selfId: NodeId;
  readonly groupId: string;
  readonly logger: TransportLogger;
  readonly random: () => number;
  readonly queueBytesMax: number;
  readonly service: ServiceDefinition;
}

type LinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export class PeerLink {
  private readonly client: Client;
  private readonly queue: OutboundQueue;
  private state: LinkState = 'idle';
  /** Writes Frames already in their wire form (frame-wire.ts). */
  private call: ClientDuplexStream<Buffer, Ack> | null = null;
  /** Bumped for every stream: callbacks of an older stream are ignored. */
  private generation = 0;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushHandle: NodeJS.Immediate | null = null;
  private waitingDrain = false;
  private inflightBytes = 0;
  /** Chunks of one batch larger than a frame, written one by one. */
  private chunks: Buffer[] = [];
  private chunkNext = 0;
  private chunkBytes = 0;
  private failing = false;
  private sentFrames = 0;
  private droppedMessages = 0;
  private reconnects = 0;

  constructor(
    readonly peerId: NodeId,
    readonly address: string,
    private readonly deps: PeerLinkDeps,
  ) {
    this.client = new Client(address, credentials.createInsecure(), clientChannelOptions);
    this.queue = new OutboundQueue(deps.queueBytesMax);
  }

  start(): void {
    assert(this.state === 'idle', `link to ${this.peerId} started twice`);
    this.open();
  }

  /** Queues one message of encoded size `size` (or drops it, counted, if the peer is unreachable). */
  enqueue(msg: Message, size: number): void {
    if (this.state === 'closed') return;
    if (this.state === 'backoff' || this.state === 'idle') {
      this.droppedMessages++;
      return;
    }
    this.droppedMessages += this.queue.push(msg, size, this.chunkBytes);
    if (this.state === 'connected') this.scheduleFlush();
  }

  stats(): PeerStats {
    return {
      connected: this.state === 'connected',
      queuedBytes: this.queue.bytes + this.chunkBytes,
      sentFrames: this.sentFrames,
      droppedMessages: this.droppedMessages,
      reconnects: this.reconnects,
    };
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.generation++;
    this.clearTimer();
    if (this.flushHandle !== null) clearImmediate(this.flushHandle);
    this.flushHandle = null;
    this.call?.cancel();
    this.call = null;
    this.queue.clear();
    this.resetChunks();
    this.client.close();
  }

  private open(): void {
    assert(this.call === null, 'a link has at most one stream');
    const gen = ++this.generation;
    const md = new Metadata();
    md.set(metadataGroup, this.deps.groupId);
    md.set(metadataFrom, this.deps.selfId);
    md.set(metadataTo, this.peerId);
    const method = this.deps.service.Stream;
    const call = this.client.makeBidiStreamRequest<Buffer, Ack>(
      method.path,
      wireFrameAsIs,
      method.responseDeserialize,
      md,
    );
    this.call = call;
    this.state = 'connecting';
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ended(gen, status.DEADLINE_EXCEEDED, `peer did not accept the stream within ${connectTimeoutMs} ms`);
    }, connectTimeoutMs);
    call.on('metadata', () => this.accepted(gen));
    call.on('data', () => {}); // Acks are reserved; reading keeps the stream flowing.
    call.on('error', () => {}); // Reported through 'status', which always follows.
    call.on('status', (s: { code: number; details: string }) => this.ended(gen, s.code, s.details));
  }

  private accepted(gen: number): void {
    if (gen !== this.generation || this.state !== 'connecting') return;
    this.clearTimer();
    this.state = 'connected';
    this.attempt = 0;
    if (this.failing) this.deps.logger.info({ peer: this.peerId, address: this.address }, 'peer stream re-established');
    this.failing = false;
    this.scheduleFlush();
  }

  private ended(gen: number, code: number, details: string): void {
    if (gen !== this.generation || (this.state !== 'connecting' && this.state !== 'connected')) return;
    this.clearTimer();
    const call = this.call;
    this.call = null;
    call?.cancel();
    // What was queued is stale by the time a new stream is up; Raft retransmits what matters.
    this.droppedMessages += this.queue.clear() + (this.chunkBytes > 0 ? 1 : 0);
    this.resetChunks();
    this.inflightBytes = 0;
    this.waitingDrain = false;
    this.state = 'backoff';
    const rejected = code === status.FAILED_PRECONDITION;
    const delay = rejected
      ? reconnectBackoffMaxMs
      : backoffDelayMs(this.attempt++, reconnectBackoffInitialMs, reconnectBackoffMaxMs, this.deps.random);
    const fields = { peer: this.peerId, address: this.address, code: status[code] ?? code, details, retryInMs: delay };
    if (rejected) this.deps.logger.error(fields, 'peer refused our stream (check group id and peer list)');
    else if (!this.failing) this.deps.logger.warn(fields, 'peer stream lost; reconnecting with backoff');
    else this.deps.logger.debug(fields, 'peer still unreachable');
    this.failing = true;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reconnects++;
      this.open();
    }, delay);
  }

  private scheduleFlush(): void {
    if (this.flushHandle !== null) return;
    this.flushHandle = setImmediate(() => {
      this.flushHandle = null;
      this.flush();
    });
  }

  private flush(): void {
    const call = this.call;
    if (this.state !== 'connected' || call === null || this.waitingDrain) return;
    const gen = this.generation;
    while (this.inflightBytes < streamInflightBytesMax) {
      const frame = this.nextFrame();
      if (frame === null) break;
      const bytes = frame.length;
      this.inflightBytes += bytes;
      this.sentFrames++;
      const more = call.write(frame, () => this.written(gen, bytes));
      if (!more) {
        this.waitingDrain = true;
        call.once('drain', () => this.drained(gen));
        break;
      }
    }
  }

  private nextFrame(): Buffer | null {
    if (this.chunkNext < this.chunks.length) {
      const chunk = this.chunks[this.chunkNext++];
      this.chunkBytes -= chunk.length;
      const more = this.chunkNext < this.chunks.length;
      if (!more) this.resetChunks();
      return chunkFrame(chunk, more);
    }
    if (this.queue.length === 0) return null;
    const { msgs } = this.queue.take(frameBytesMax - batchHeaderBytes, messagesPerBatchMax);
    const frame = encodeMessageFrame(msgs, frameBytesMax);
    if (frame !== null) return frame;
    // Only a single message can exceed a frame (take() stops before that otherwise).
    assert(msgs.length === 1, 'an oversized batch holds one message');
    const batch = encodeMessages(msgs);
    this.chunks = splitChunks(batch, frameBytesMax);
    this.chunkNext = 0;
    this.chunkBytes = batch.length;
    return this.nextFrame();
  }

  private written(gen: number, bytes: number): void {
    if (gen !== this.generation) return;
    this.inflightBytes -= bytes;
    assert(this.inflightBytes >= 0, 'in-flight bytes went negative');
    if (this.queue.length > 0 || this.chunkBytes > 0) this.scheduleFlush();
  }

  private drained(gen: number): void {
    if (gen !== this.generation) return;
    this.waitingDrain = false;
    this.flush();
  }

  private resetChunks(): void {
    this.chunks = [];
    this.chunkNext = 0;
    this.chunkBytes = 0;
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The stream's serializer: frames are written in their wire form already. */
function wireFrameAsIs(frame: Buffer): Buffer {
  return frame;
}
