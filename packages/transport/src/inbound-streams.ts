// The receiving side: accepts peers' streams after checking who they are, reassembles and
// decodes frames, and delivers whole batches in stream order. A bad frame resets only the
// stream it came on.

import { Metadata, status } from '@grpc/grpc-js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Message, NodeId } from '@ledgermq/raft';
import { decodeMessages } from './codec/decode.ts';
import { batchBytesMax } from './constants.ts';
import { MalformedFrameError } from './errors.ts';
import type { TransportLogger } from './logger.ts';
import { metadataFrom, metadataGroup, metadataTo } from './peer-proto.ts';
import type { Ack, Frame } from './peer-proto.ts';
import { Reassembler } from './reassembler.ts';

type PeerCall = ServerDuplexStream<Frame, Ack>;

export interface InboundDeps {
  readonly selfId: NodeId;
  readonly groupId: string;
  readonly logger: TransportLogger;
  readonly deliver: (msgs: Message[]) => void;
}

const emptyBuffer = Buffer.alloc(0);

function firstString(md: Metadata, key: string): string | undefined {
  const value = md.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** Every message on a stream must come from its sender and be addressed to us. */
function checkAddressing(msgs: readonly Message[], from: NodeId, selfId: NodeId): void {
  for (const m of msgs) {
    if (m.from !== from || m.to !== selfId) {
      throw new MalformedFrameError(`message ${m.from}->${m.to} on the stream ${from}->${selfId}`);
    }
  }
}

export type CallerCheck =
  | { readonly ok: true; readonly from: NodeId }
  | { readonly ok: false; readonly code: status; readonly details: string; readonly from: string | undefined };

/** Who a peer call says it comes from, if its group and addressee are ours (streams and beacons alike). */
export function checkCaller(md: Metadata, self: { readonly selfId: NodeId; readonly groupId: string }): CallerCheck {
  const group = firstString(md, metadataGroup);
  const from = firstString(md, metadataFrom);
  const to = firstString(md, metadataTo);
  if (group !== self.groupId) {
    const details = `group mismatch: this node serves group "${self.groupId}", caller ${from ?? '?'} sent "${group ?? ''}"`;
    return { ok: false, code: status.FAILED_PRECONDITION, details, from };
  }
  if (from === undefined || from === '') return { ok: false, code: status.INVALID_ARGUMENT, details: `missing ${metadataFrom} metadata`, from };
  if (to !== self.selfId) {
    return { ok: false, code: status.FAILED_PRECONDITION, details: `call addressed to node "${to ?? ''}" reached node "${self.selfId}"`, from };
  }
  return { ok: true, from };
}

export class InboundStreams {
  /** The live stream of each sender; a newer stream from the same sender replaces the older. */
  private readonly calls = new Map<NodeId, PeerCall>();
  private closed = false;

  constructor(private readonly deps: InboundDeps) {}

  handle(call: PeerCall): void {
    const peer = call.getPeer();
    if (this.closed) return this.refuse(call, status.UNAVAILABLE, 'transport is stopping', { peer });
    const caller = checkCaller(call.metadata, this.deps);
    if (!caller.ok) return this.refuse(call, caller.code, caller.details, { peer, from: caller.from });
    this.accept(call, caller.from);
  }

  closeAll(): void {
    this.closed = true;
    for (const call of this.calls.values()) call.end();
    this.calls.clear();
  }

  private refuse(call: PeerCall, code: status, details: string, fields: object): void {
    this.deps.logger.warn({ ...fields, code: status[code], details }, 'refused a peer stream');
    call.on('error', () => {});
    call.emit('error', { code, details });
  }

  private accept(call: PeerCall, from: NodeId): void {
    const previous = this.calls.get(from);
    if (previous !== undefined) previous.end();
    this.calls.set(from, call);
    call.sendMetadata(new Metadata());
    const reassembler = new Reassembler(batchBytesMax);
    let dead = false;
    const forget = (): void => {
      dead = true;
      if (this.calls.get(from) === call) this.calls.delete(from);
    };
    call.on('data', (frame: Frame) => {
      if (dead) return;
      let msgs: Message[];
      try {
        const batch = reassembler.push(frame.batch ?? emptyBuffer, frame.more === true);
        if (batch === null) return;
        msgs = decodeMessages(batch);
        checkAddressing(msgs, from, this.deps.selfId);
      } catch (err) {
        // Anything the decoder throws means these bytes cannot be trusted: never let it escape
        // into the event loop (that would take the node down because of a peer's bytes).
        const malformed = err instanceof MalformedFrameError ? err : new MalformedFrameError('decoder failed', { cause: err });
        forget();
        this.deps.logger.warn({ from, peer: call.getPeer(), err: malformed.message }, 'dropped a malformed frame; resetting the stream');
        call.emit('error', { code: status.INVALID_ARGUMENT, details: malformed.message });
        return;
      }
      this.deliver(msgs, from);
    });
    call.on('end', () => {
      forget();
      call.end();
    });
    call.on('error', forget);
    call.on('cancelled', forget);
    call.on('close', forget);
  }

  private deliver(msgs: Message[], from: NodeId): void {
    try {
      this.deps.deliver(msgs);
    } catch (err) {
      // A failing handler is a bug on our side of the process, not the peer's: keep the stream.
      this.deps.logger.error({ from, err }, 'message handler threw');
    }
  }
}
