// SendMessage as the bytes the client sent. A follower forwards sends without decoding them:
// decoding 64 messages into objects and encoding them again for the leader cost the forwarding
// node more CPU per message than a follower's whole replication and apply (bench: 0.149 vs
// 0.066 ms per message). Only the leader decodes.
//
// A SendMessageRequest is `repeated Message messages = 1`, so its encoding is a run of
// field-1 records, and the concatenation of several requests' bytes is the request holding all
// their messages (protobuf merges repeated fields by appending). The walk below reads only
// the top-level framing; a request with anything else in it is decoded as before.

import { messagingServiceDefinition, type v2 } from '@ledgermq/protocol';
import { forwardSendBytesMax, sendBatchMessagesMax } from '../constants.ts';
import { BadRequestError } from '../errors.ts';
import type { CoalesceSpec } from './call-coalescer.ts';

/** Field 1, wire type 2 (length-delimited): the tag byte of every `messages` record. */
const messagesTag = (1 << 3) | 2;

/**
 * The `messages` records of an encoded SendMessageRequest, each with its tag and length
 * prefix (views, no copy); null when the request holds any other field (decode it instead).
 * Throws BadRequestError on broken framing.
 */
export function sendRecords(request: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  let at = 0;
  while (at < request.length) {
    const start = at;
    if (request[at] !== messagesTag) return null;
    at += 1;
    let len = 0;
    // A length is at most 5 varint bytes here (messages are far below 4 GiB).
    for (let shift = 0; ; shift += 7) {
      if (at >= request.length || shift > 28) throw new BadRequestError('SendMessageRequest: broken length prefix');
      const b = request[at++]!;
      len += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    if (at + len > request.length) throw new BadRequestError('SendMessageRequest: a message runs past the end of the request');
    at += len;
    out.push(request.subarray(start, at));
  }
  return out;
}

/** The decoded request, for the node that runs the handler. */
export function decodeSendRequest(request: Buffer): v2.SendMessageRequest {
  try {
    return messagingServiceDefinition().SendMessage!.requestDeserialize(request) as v2.SendMessageRequest;
  } catch (err) {
    throw new BadRequestError(`SendMessageRequest does not decode: ${(err as Error).message}`);
  }
}

/**
 * SendMessage calls merge (call-coalescer.ts) as bytes: items are the message records, the
 * merged request is their concatenation. Messages of any topic merge (the leader batches them
 * per topic itself). Callers check sendRecords() first (null: forward the request alone).
 */
export const rawSendSpec: CoalesceSpec<Buffer, Buffer, v2.SendResultEntry> = {
  items: (r) => sendRecords(r) ?? [],
  key: () => '',
  build: (_first, records) => Buffer.concat(records),
  bytes: (record) => record.length,
  itemsMax: sendBatchMessagesMax,
  bytesMax: forwardSendBytesMax,
};
